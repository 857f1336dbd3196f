//! After the campaign: what a plan really gained, measured on its control group. For each offer,
//! the customers sent it against those held back from it (`plan.control.csv`: chosen by the same
//! rule, then held back at random), from the campaign's results (who bought, and what they paid).
//! The differences in buying rate, revenue and profit per customer are the offer's real effect;
//! the plan's expectations are set beside them.
//!
//! Profit per customer: a buyer sent an offer brings the margin on the list price of what they
//! paid for, less the discount given and a gift's cost (`sim::check::observed_money`, the same
//! arithmetic as the check against the past campaign), less the send cost; a buyer held back
//! brings the margin on what they paid.

use crate::data::{Table, TableKind};
use crate::sim::Offer;
use crate::sim::check::{MIN_CELL, MoneyFigure, Sides, observed_money};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// One side of an offer: its customers found in the results, and how many bought.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Group {
    pub customers: usize,
    pub buyers: usize,
}

impl Group {
    pub fn rate(&self) -> f64 {
        self.buyers as f64 / self.customers.max(1) as f64
    }
}

/// One offer of the plan, measured. The figures are per customer sent the offer: the plan's
/// expectation (`predicted`), and those sent it less those held back from it (`observed`, with
/// its standard error); None when either side has fewer than `MIN_CELL` customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferResult {
    pub offer: String,
    pub sent: Group,
    pub held_back: Group,
    pub buyers: Option<MoneyFigure>,
    pub revenue: Option<MoneyFigure>,
    pub profit: Option<MoneyFigure>,
}

/// A plan-wide figure: what the judged offers brought (per-customer differences times the
/// customers sent each offer, summed), its standard error, and the plan's expectation for the
/// same customers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Total {
    pub observed: f64,
    pub standard_error: f64,
    pub expected: f64,
}

/// The whole plan, measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub offers: Vec<OfferResult>,
    /// Extra buyers, revenue and profit over the judged offers (None: no offer judged).
    pub buyers: Option<Total>,
    pub revenue: Option<Total>,
    pub profit: Option<Total>,
    /// Gross margin rate the profit was counted with.
    pub margin: f64,
    /// Customers of the plan or its control group with no row in the results.
    pub not_in_results: usize,
}

/// A customer sent an offer: id, offer, and the plan's expected extra buyers, revenue and
/// profit for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub id: String,
    pub offer: String,
    pub expected: [f64; 3],
}

/// A plan's groups as written by promolab, and its offers (from the offers file beside it).
pub struct PlanGroups {
    pub sent: Vec<Sent>,
    /// (customer id, offer held back from).
    pub held_back: Vec<(String, String)>,
    /// The plan's offers in order: name, what it gives, its send cost.
    pub offers: Vec<(String, Offer, f64)>,
    /// The offers file's margin rate, if it sets one.
    pub margin_rate: Option<f64>,
}

/// Reads `plan.csv`, the control group beside it (`plan.control.csv`) and its offers
/// (`plan.offers.json`).
pub fn read_groups(plan: &Path) -> Result<PlanGroups, String> {
    let control = super::export::sidecar(plan, "control.csv");
    if !control.is_file() {
        return Err(format!(
            "{}: not found; a plan can be measured only when it held back a control group (offers' targeting.control_share)",
            control.display()
        ));
    }
    let offers_path = super::export::sidecar(plan, "offers.json");
    let file = crate::sim::optimize::read_offers(&offers_path)
        .map_err(|e| format!("{e} (the offers file is written beside the plan by promolab)"))?;
    let names = [
        "customer_id",
        "offer",
        "expected_uplift",
        "expected_incremental_revenue",
        "expected_incremental_profit",
    ];
    let sent = super::export::read_columns(plan, &names)?
        .into_iter()
        .map(|(row, f)| {
            let mut expected = [0.0; 3];
            for (k, e) in expected.iter_mut().enumerate() {
                *e = f[k + 2].parse::<f64>().map_err(|_| {
                    format!(
                        "{}: row {row}, column {}: '{}' is not a number",
                        plan.display(),
                        names[k + 2],
                        f[k + 2]
                    )
                })?;
            }
            Ok(Sent {
                id: f[0].clone(),
                offer: f[1].clone(),
                expected,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let held_back = super::export::read_columns(&control, &["customer_id", "offer_held_back"])?
        .into_iter()
        .map(|(_, f)| (f[0].clone(), f[1].clone()))
        .collect();
    Ok(PlanGroups {
        sent,
        held_back,
        offers: (file.offers.into_iter())
            .map(|o| (o.name, o.offer, o.channel.send_cost_eur))
            .collect(),
        margin_rate: file.margin_rate,
    })
}

/// Who bought and what they paid, per customer id, from a campaign history table: the newest
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
    // The newest campaign: the one with the latest send time.
    let newest = match (campaign, table.time("sent_at")) {
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
        let paid = revenue.and_then(|v| v[r]).unwrap_or(0.0);
        out.insert(super::export::customer_id(id, salt), (bought, paid));
    }
    Ok(out)
}

/// One offer's tallies while measuring: the two sides' counts, and buyers, revenue and profit
/// per customer on each side, with the plan's expectations summed over those sent it.
#[derive(Default)]
struct Tally {
    sent: Group,
    held_back: Group,
    sides: [Sides; 3],
    expected: [f64; 3],
}

/// Measures each offer of the plan against the customers held back from it, counting profit
/// with `margin` (the offers file's, else the caller's).
pub fn measure(
    groups: &PlanGroups,
    results: &HashMap<String, (bool, f64)>,
    margin: f64,
) -> Measurement {
    let margin = groups.margin_rate.unwrap_or(margin);
    // The plan's offers first, in its order, so that every offer has a line; others as met.
    let mut names: Vec<String> = groups.offers.iter().map(|o| o.0.clone()).collect();
    let mut tallies: Vec<Tally> = names.iter().map(|_| Tally::default()).collect();
    let slot = |name: &str, names: &mut Vec<String>, tallies: &mut Vec<Tally>| {
        names.iter().position(|n| n == name).unwrap_or_else(|| {
            names.push(name.to_string());
            tallies.push(Tally::default());
            names.len() - 1
        })
    };
    let offer_of = |name: &str| groups.offers.iter().find(|o| o.0 == name);
    let mut not_in_results = 0;
    for s in &groups.sent {
        let k = slot(&s.offer, &mut names, &mut tallies);
        let Some(&(bought, paid)) = results.get(&s.id) else {
            not_in_results += 1;
            continue;
        };
        let t = &mut tallies[k];
        t.sent.customers += 1;
        t.sent.buyers += usize::from(bought);
        let (offer, send_cost) = offer_of(&s.offer).map_or((None, 0.0), |o| (Some(&o.1), o.2));
        let (profit, revenue) = observed_money(offer, margin, bought, paid);
        for (side, v) in
            t.sides
                .iter_mut()
                .zip([f64::from(u8::from(bought)), revenue, profit - send_cost])
        {
            side.add(true, v);
        }
        for (e, x) in t.expected.iter_mut().zip(s.expected) {
            *e += x;
        }
    }
    for (id, offer) in &groups.held_back {
        let k = slot(offer, &mut names, &mut tallies);
        let Some(&(bought, paid)) = results.get(id) else {
            not_in_results += 1;
            continue;
        };
        let t = &mut tallies[k];
        t.held_back.customers += 1;
        t.held_back.buyers += usize::from(bought);
        let (profit, revenue) = observed_money(None, margin, bought, paid);
        for (side, v) in t
            .sides
            .iter_mut()
            .zip([f64::from(u8::from(bought)), revenue, profit])
        {
            side.add(false, v);
        }
    }
    let mut totals: [Option<Total>; 3] = [None; 3];
    let offers = names
        .into_iter()
        .zip(tallies)
        .map(|(offer, t)| {
            let n = t.sent.customers as f64;
            let figures: Vec<Option<MoneyFigure>> = (0..3)
                .map(|f| {
                    t.sides[f]
                        .judged()
                        .then(|| t.sides[f].figure(t.expected[f] / n.max(1.0)))
                })
                .collect();
            for (total, fig) in totals.iter_mut().zip(&figures) {
                if let Some(fig) = fig {
                    let sum = total.get_or_insert(Total {
                        observed: 0.0,
                        standard_error: 0.0,
                        expected: 0.0,
                    });
                    sum.observed += n * fig.observed;
                    // Variances add up; the square root is taken below.
                    sum.standard_error += (n * fig.standard_error).powi(2);
                    sum.expected += n * fig.predicted;
                }
            }
            OfferResult {
                offer,
                sent: t.sent,
                held_back: t.held_back,
                buyers: figures[0],
                revenue: figures[1],
                profit: figures[2],
            }
        })
        .collect();
    let [buyers, revenue, profit] = totals.map(|t| {
        t.map(|t| Total {
            standard_error: t.standard_error.sqrt(),
            ..t
        })
    });
    Measurement {
        offers,
        buyers,
        revenue,
        profit,
        margin,
        not_in_results,
    }
}

impl Measurement {
    /// The plan's extra buyers, revenue and profit over the judged offers, against its
    /// expectations.
    pub fn total_line(&self) -> Option<String> {
        let (b, r, p) = (self.buyers?, self.revenue?, self.profit?);
        Some(format!(
            "the plan (offers judged): extra buyers {:.0} ± {:.0} (expected {:.0}); extra revenue {:.0} ± {:.0} (expected {:.0}); extra profit {:.0} ± {:.0} (expected {:.0}; margin {:.0}%)",
            b.observed,
            b.standard_error,
            b.expected,
            r.observed,
            r.standard_error,
            r.expected,
            p.observed,
            p.standard_error,
            p.expected,
            self.margin * 100.0
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
            out.push(match (o.buyers, o.profit) {
                (Some(b), Some(p)) => format!(
                    "{head}; bought {:.1}% against {:.1}%: {:+.1} points ± {:.1} (the plan expected {:+.1}); profit per customer sent it {:+.2} ± {:.2} (expected {:+.2})",
                    o.sent.rate() * 100.0,
                    o.held_back.rate() * 100.0,
                    b.observed * 100.0,
                    b.standard_error * 100.0,
                    b.predicted * 100.0,
                    p.observed,
                    p.standard_error,
                    p.predicted
                ),
                _ => format!("{head}; too few on a side to judge (at least {MIN_CELL} each)"),
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

    /// Two offers by hand, margin 40%: A (10% off, send cost 0.5) sent to 100, of whom 30 bought
    /// and paid 90 each (a list basket of 100: profit 40 − 10 = 30, less the send cost), held
    /// back from 50, of whom 10 bought and paid 100 (profit 40). A's uplift is 0.30 − 0.20 =
    /// 0.10 with standard error √(0.3·0.7/100 + 0.2·0.8/50) = √0.0053 (sample variances make
    /// it slightly larger: n/(n − 1)); profit per customer 0.3·30 − 0.5 − 0.2·40 = 0.5. B is
    /// sent to 10 only and not judged; C is in the offers but nobody got it.
    #[test]
    fn the_plan_against_the_held_back_customers_by_hand() {
        let mut groups = PlanGroups {
            sent: Vec::new(),
            held_back: Vec::new(),
            offers: vec![
                ("C".into(), Offer::Message, 0.0),
                ("A".into(), Offer::PctDiscount { pct: 10.0 }, 0.5),
            ],
            margin_rate: None,
        };
        let mut results = HashMap::new();
        for i in 0..100 {
            groups.sent.push(Sent {
                id: format!("a{i}"),
                offer: "A".into(),
                expected: [0.08, 7.0, 0.4],
            });
            results.insert(format!("a{i}"), (i < 30, if i < 30 { 90.0 } else { 0.0 }));
        }
        for i in 0..50 {
            groups.held_back.push((format!("c{i}"), "A".into()));
            results.insert(format!("c{i}"), (i < 10, if i < 10 { 100.0 } else { 0.0 }));
        }
        for i in 0..10 {
            groups.sent.push(Sent {
                id: format!("b{i}"),
                offer: "B".into(),
                expected: [0.5, 1.0, 1.0],
            });
            results.insert(format!("b{i}"), (true, 10.0));
        }
        groups.sent.push(Sent {
            id: "gone".into(),
            offer: "A".into(),
            expected: [0.1, 0.0, 0.0],
        });
        let m = measure(&groups, &results, 0.4);
        let names: Vec<&str> = m.offers.iter().map(|o| o.offer.as_str()).collect();
        assert_eq!(
            names,
            ["C", "A", "B"],
            "the plan's order, then offers as met"
        );
        let a = &m.offers[1];
        assert_eq!((a.sent.customers, a.held_back.customers), (100, 50));
        let b = a.buyers.unwrap();
        assert!((b.observed - 0.10).abs() < 1e-12 && (b.predicted - 0.08).abs() < 1e-12);
        let se = (0.3 * 0.7 / 99.0 + 0.2 * 0.8 / 49.0f64).sqrt();
        assert!(
            (b.standard_error - se).abs() < 1e-12,
            "{}",
            b.standard_error
        );
        // Revenue per customer: 27 against 20.
        assert!((a.revenue.unwrap().observed - 7.0).abs() < 1e-9);
        let p = a.profit.unwrap();
        assert!(
            (p.observed - 0.5).abs() < 1e-9 && (p.predicted - 0.4).abs() < 1e-12,
            "{p:?}"
        );
        assert!(m.offers[2].buyers.is_none(), "B has no one held back");
        assert!(m.offers[0].buyers.is_none() && m.offers[0].sent.customers == 0);
        let total = m.buyers.unwrap();
        assert!((total.observed - 10.0).abs() < 1e-9 && (total.expected - 8.0).abs() < 1e-9);
        assert!((total.standard_error - 100.0 * se).abs() < 1e-9);
        assert!((m.profit.unwrap().observed - 50.0).abs() < 1e-9);
        assert_eq!(m.not_in_results, 1);
        let lines = m.lines();
        assert!(lines[0].contains("nobody") && lines[2].contains("too few on a side"));
    }
}
