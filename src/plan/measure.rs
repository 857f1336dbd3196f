//! After the campaign: what a plan really gained, measured on its control group. For each offer,
//! the customers sent it against those held back from it (`plan.control.csv`: chosen by the same
//! rule, then held back at random), from the campaign's results (who bought, and for how much).
//! The difference in buying rate is the offer's real uplift; the plan's expected uplift is set
//! beside it.

use super::privacy::pseudonym;
use crate::data::{Table, TableKind};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Fewer customers than this on either side: the offer is not judged.
pub const MIN_GROUP: usize = 30;

/// One side of an offer: its customers found in the results, how many bought, what they spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Group {
    pub customers: usize,
    pub buyers: usize,
    pub revenue: f64,
    /// Sum of squared revenues (for the spread of revenue per customer).
    #[serde(skip)]
    revenue_sq: f64,
}

impl Group {
    fn add(&mut self, bought: bool, revenue: f64) {
        self.customers += 1;
        self.buyers += usize::from(bought);
        self.revenue += revenue;
        self.revenue_sq += revenue * revenue;
    }

    pub fn rate(&self) -> f64 {
        self.buyers as f64 / self.customers.max(1) as f64
    }

    pub fn revenue_per_customer(&self) -> f64 {
        self.revenue / self.customers.max(1) as f64
    }

    /// Variance of the mean buying rate and of the mean revenue per customer.
    fn variances(&self) -> (f64, f64) {
        let n = self.customers.max(1) as f64;
        let p = self.rate();
        let mean = self.revenue_per_customer();
        let var = (self.revenue_sq / n - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
        (p * (1.0 - p) / n, var / n)
    }
}

/// A measured figure and its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub standard_error: f64,
}

/// One offer of the plan, measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferResult {
    pub offer: String,
    pub sent: Group,
    pub held_back: Group,
    /// The plan's expected extra buyers per customer sent the offer.
    pub expected_uplift: f64,
    /// Buying rate of those sent minus that of those held back (None: too few on a side).
    pub uplift: Option<Estimate>,
    /// Revenue per customer, the same way.
    pub revenue_uplift: Option<Estimate>,
}

/// The whole plan, measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub offers: Vec<OfferResult>,
    /// Extra buyers the judged offers brought (uplift × customers sent, summed), and the plan's
    /// expectation for the same customers.
    pub incremental_buyers: Option<Estimate>,
    pub expected_incremental_buyers: f64,
    /// Extra revenue, the same way.
    pub incremental_revenue: Option<Estimate>,
    /// Customers of the plan or its control group with no row in the results.
    pub not_in_results: usize,
}

/// A plan's groups as written by promolab: (customer id, offer, expected uplift) per customer
/// sent an offer, and (customer id, offer) per customer held back.
pub struct PlanGroups {
    pub sent: Vec<(String, String, f64)>,
    pub held_back: Vec<(String, String)>,
    /// The offers in the plan's order (its offers file); others follow as met.
    pub offer_order: Vec<String>,
}

/// Reads `plan.csv` and the control group beside it (`plan.control.csv`).
pub fn read_groups(plan: &Path) -> Result<PlanGroups, String> {
    let control = super::export::sidecar(plan, "control.csv");
    if !control.is_file() {
        return Err(format!(
            "{}: not found; a plan can be measured only when it held back a control group (offers' targeting.control_share)",
            control.display()
        ));
    }
    let sent = super::export::read_columns(plan, &["customer_id", "offer", "expected_uplift"])?
        .into_iter()
        .map(|(row, f)| {
            let uplift = f[2].parse::<f64>().map_err(|_| {
                format!(
                    "{}: row {row}, column expected_uplift: '{}' is not a number",
                    plan.display(),
                    f[2]
                )
            })?;
            Ok((f[0].clone(), f[1].clone(), uplift))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let held_back = super::export::read_columns(&control, &["customer_id", "offer_held_back"])?
        .into_iter()
        .map(|(_, f)| (f[0].clone(), f[1].clone()))
        .collect();
    // The offers file beside the plan gives the offers' order (as in its summary), when there.
    let offer_order =
        crate::sim::optimize::read_offers(&super::export::sidecar(plan, "offers.json"))
            .map(|f| f.offers.into_iter().map(|o| o.name).collect())
            .unwrap_or_default();
    Ok(PlanGroups {
        sent,
        held_back,
        offer_order,
    })
}

/// Who bought and for how much, per customer id, from a campaign history table: the newest
/// campaign in it (by send time) when it holds several. With `salt`, ids are pseudonymized as
/// the plan's were.
pub fn results_of(
    table: &Table,
    salt: Option<&str>,
) -> Result<HashMap<String, (bool, f64)>, String> {
    if table.kind != TableKind::Campaigns {
        return Err(format!(
            "{}: the results must be a campaign history table (customer_id, converted, revenue, …), not {}",
            table.source.display(),
            table.kind.label()
        ));
    }
    let missing = |c: &str| format!("{}: no {c} column", table.source.display());
    let ids = table
        .text("customer_id")
        .ok_or_else(|| missing("customer_id"))?;
    let converted = table
        .bool("converted")
        .ok_or_else(|| missing("converted"))?;
    let revenue = table.float("revenue");
    let campaign = table.text("campaign_id");
    let sent = table.time("sent_at");
    // The newest campaign: the one with the latest send time.
    let newest = match (campaign, sent) {
        (Some(c), Some(s)) => c
            .iter()
            .zip(s)
            .filter_map(|(c, s)| Some((s.as_ref()?, c.as_deref()?)))
            .max()
            .map(|(_, c)| c.to_string()),
        _ => None,
    };
    let mut out = HashMap::new();
    for (r, id) in ids.iter().enumerate() {
        let Some(id) = id.as_deref() else { continue };
        if newest.is_some() && campaign.and_then(|c| c[r].as_deref()) != newest.as_deref() {
            continue;
        }
        let bought = converted[r].unwrap_or(false);
        let spent = revenue.and_then(|v| v[r]).unwrap_or(0.0);
        let key = salt.map_or_else(|| id.to_string(), |s| pseudonym(s, id));
        out.insert(key, (bought, spent));
    }
    Ok(out)
}

/// Measures each offer of the plan against the customers held back from it.
pub fn measure(groups: &PlanGroups, results: &HashMap<String, (bool, f64)>) -> Measurement {
    // The plan's offers first, in its order, so that every offer has a line.
    let mut offers: Vec<OfferResult> = (groups.offer_order.iter())
        .map(|name| OfferResult {
            offer: name.clone(),
            sent: Group::default(),
            held_back: Group::default(),
            expected_uplift: 0.0,
            uplift: None,
            revenue_uplift: None,
        })
        .collect();
    let at = |name: &str, offers: &mut Vec<OfferResult>| -> usize {
        offers
            .iter()
            .position(|o| o.offer == name)
            .unwrap_or_else(|| {
                offers.push(OfferResult {
                    offer: name.to_string(),
                    sent: Group::default(),
                    held_back: Group::default(),
                    expected_uplift: 0.0,
                    uplift: None,
                    revenue_uplift: None,
                });
                offers.len() - 1
            })
    };
    let mut not_in_results = 0;
    let mut expected = HashMap::<usize, f64>::new();
    for (id, offer, uplift) in &groups.sent {
        let k = at(offer, &mut offers);
        match results.get(id) {
            Some(&(bought, spent)) => {
                offers[k].sent.add(bought, spent);
                *expected.entry(k).or_default() += uplift;
            }
            None => not_in_results += 1,
        }
    }
    for (id, offer) in &groups.held_back {
        let k = at(offer, &mut offers);
        match results.get(id) {
            Some(&(bought, spent)) => offers[k].held_back.add(bought, spent),
            None => not_in_results += 1,
        }
    }
    let (mut buyers, mut revenue, mut expected_total) = ((0.0, 0.0), (0.0, 0.0), 0.0);
    let mut judged = false;
    for (k, o) in offers.iter_mut().enumerate() {
        o.expected_uplift =
            expected.get(&k).copied().unwrap_or(0.0) / o.sent.customers.max(1) as f64;
        if o.sent.customers < MIN_GROUP || o.held_back.customers < MIN_GROUP {
            continue;
        }
        let ((vb1, vr1), (vb0, vr0)) = (o.sent.variances(), o.held_back.variances());
        let b = Estimate {
            value: o.sent.rate() - o.held_back.rate(),
            standard_error: (vb1 + vb0).sqrt(),
        };
        let r = Estimate {
            value: o.sent.revenue_per_customer() - o.held_back.revenue_per_customer(),
            standard_error: (vr1 + vr0).sqrt(),
        };
        let n = o.sent.customers as f64;
        buyers.0 += n * b.value;
        buyers.1 += (n * b.standard_error).powi(2);
        revenue.0 += n * r.value;
        revenue.1 += (n * r.standard_error).powi(2);
        expected_total += n * o.expected_uplift;
        (o.uplift, o.revenue_uplift) = (Some(b), Some(r));
        judged = true;
    }
    let total = |(v, var): (f64, f64)| Estimate {
        value: v,
        standard_error: f64::sqrt(var),
    };
    Measurement {
        offers,
        incremental_buyers: judged.then(|| total(buyers)),
        expected_incremental_buyers: expected_total,
        incremental_revenue: judged.then(|| total(revenue)),
        not_in_results,
    }
}

impl Measurement {
    /// The plan's extra buyers and revenue over the judged offers, against its expectation.
    pub fn total_line(&self) -> Option<String> {
        let (b, r) = (self.incremental_buyers?, self.incremental_revenue?);
        Some(format!(
            "the plan's extra buyers (offers judged): {:.0} ± {:.0} (expected {:.0}); extra revenue {:.0} ± {:.0}",
            b.value, b.standard_error, self.expected_incremental_buyers, r.value, r.standard_error
        ))
    }

    /// The measurement in lines, for the command line.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for o in &self.offers {
            if o.sent.customers + o.held_back.customers == 0 {
                out.push(format!(
                    "{}: nobody in the plan or its control group",
                    o.offer
                ));
                continue;
            }
            let head = format!(
                "{}: sent {}, held back {}",
                o.offer, o.sent.customers, o.held_back.customers
            );
            out.push(match (o.uplift, o.revenue_uplift) {
                (Some(b), Some(r)) => format!(
                    "{head}; bought {:.1}% against {:.1}%: {:+.1} points ± {:.1} (the plan expected {:+.1}); revenue per customer {:+.2} ± {:.2}",
                    o.sent.rate() * 100.0,
                    o.held_back.rate() * 100.0,
                    b.value * 100.0,
                    b.standard_error * 100.0,
                    o.expected_uplift * 100.0,
                    r.value,
                    r.standard_error
                ),
                _ => format!("{head}; too few on a side to judge (at least {MIN_GROUP} each)"),
            });
        }
        out.extend(self.total_line());
        if self.not_in_results > 0 {
            out.push(format!(
                "{} customers of the plan or its control group have no row in the results (left out)",
                self.not_in_results
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two offers by hand: A sent to 100 (30 bought, each 50), held back from 50 (10 bought,
    /// each 50); B sent to 10 only. A's uplift is 0.30 − 0.20 = 0.10 with standard error
    /// √(0.3·0.7/100 + 0.2·0.8/50) = √0.0053; B is not judged.
    #[test]
    fn uplift_against_the_held_back_customers_by_hand() {
        let mut sent = Vec::new();
        let mut held_back = Vec::new();
        let mut results = HashMap::new();
        for i in 0..100 {
            sent.push((format!("a{i}"), "A".to_string(), 0.08));
            results.insert(format!("a{i}"), (i < 30, if i < 30 { 50.0 } else { 0.0 }));
        }
        for i in 0..50 {
            held_back.push((format!("c{i}"), "A".to_string()));
            results.insert(format!("c{i}"), (i < 10, if i < 10 { 50.0 } else { 0.0 }));
        }
        for i in 0..10 {
            sent.push((format!("b{i}"), "B".to_string(), 0.5));
            results.insert(format!("b{i}"), (true, 10.0));
        }
        sent.push(("gone".into(), "A".into(), 0.1));
        let groups = PlanGroups {
            sent,
            held_back,
            offer_order: vec!["C".into(), "A".into()],
        };
        let m = measure(&groups, &results);
        // The plan's order first (C had no customers), then offers as met.
        let names: Vec<&str> = m.offers.iter().map(|o| o.offer.as_str()).collect();
        assert_eq!(names, ["C", "A", "B"]);
        let a = &m.offers[1];
        assert_eq!((a.sent.customers, a.held_back.customers), (100, 50));
        let u = a.uplift.unwrap();
        assert!((u.value - 0.10).abs() < 1e-12);
        assert!((u.standard_error - 0.0053f64.sqrt()).abs() < 1e-12);
        assert!((a.expected_uplift - 0.08).abs() < 1e-12);
        // Revenue per customer: 15 against 10.
        assert!((a.revenue_uplift.unwrap().value - 5.0).abs() < 1e-9);
        assert!(m.offers[2].uplift.is_none(), "B has no one held back");
        assert!(m.offers[0].uplift.is_none() && m.offers[0].sent.customers == 0);
        let total = m.incremental_buyers.unwrap();
        assert!(
            (total.value - 10.0).abs() < 1e-9 && (m.expected_incremental_buyers - 8.0).abs() < 1e-9
        );
        assert!((total.standard_error - 100.0 * 0.0053f64.sqrt()).abs() < 1e-9);
        assert_eq!(m.not_in_results, 1);
        assert!(m.lines()[2].contains("too few on a side"));
    }
}
