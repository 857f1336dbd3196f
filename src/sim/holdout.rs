//! A plan checked against the past campaign's randomized arms. The customers held out of the
//! model's training got one of the campaign's offers or nothing at random, so among the
//! customers a plan sends an offer to, those who happened to get that very offer against those
//! who happened to get nothing show what the offer really did to *them*: an observed uplift next
//! to the one the model predicted, with its standard error. The same comparison over the
//! customers the plan does not send the offer to shows whether the plan chose well.
//!
//! Only offers the campaign made can be checked (an arm of the same type and value); the past
//! campaign went through its own channels, the plan through each offer's.

use super::check::{MIN_CELL, MoneyFigure, Sides, Verdict, observed_money};
use super::offer::Offer;
use super::optimize::OffersFile;
use super::response::ResponseTable;
use super::truth::offer_of_arm;
use crate::data::sample::Arm;
use crate::model::metrics::Tally;
use serde::Serialize;

/// The held-out customers of the past campaign: table rows, the arm each got (0 = control) and
/// whether they bought.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holdout {
    pub rows: Vec<u32>,
    pub arm: Vec<u16>,
    pub bought: Vec<bool>,
    /// What each paid when they bought (empty: the campaign did not record it).
    pub paid: Vec<f32>,
    /// The campaign's arms ("control" first), and the offer each made (None: the control, or an
    /// arm that is not one of the priced offers).
    pub arm_names: Vec<String>,
    pub arm_offers: Vec<Option<Offer>>,
}

impl Holdout {
    /// The offer each arm made, from the arms' names ("control" first): the priced offers by
    /// their names as datasets write them, and a campaign of one other treatment against its
    /// control (a flat table such as an e-mail against none) as a plain message.
    pub fn arm_offers(arm_names: &[String]) -> Vec<Option<Offer>> {
        let mut offers: Vec<Option<Offer>> = arm_names
            .iter()
            .enumerate()
            .map(|(a, name)| (a > 0).then(|| Self::offer_of_label(name)).flatten())
            .collect();
        if let [None, None] = offers[..] {
            offers[1] = Some(Offer::Message);
        }
        offers
    }

    /// The offer of an arm named as datasets name them ("pct_discount 10", "coupon 10 min 60").
    pub fn offer_of_label(label: &str) -> Option<Offer> {
        let parts: Vec<&str> = label.split_whitespace().collect();
        let (kind, value, min_spend) = match parts[..] {
            [kind, value] => (kind, value, "0"),
            [kind, value, "min", min_spend] => (kind, value, min_spend),
            _ => return None,
        };
        offer_of_arm(&Arm {
            name: String::new(),
            offer_type: kind.to_string(),
            offer_value: value.parse().ok()?,
            min_spend: min_spend.parse().ok()?,
        })
    }
}

/// Whether two offers are the same campaign offer: type, value and minimum spend (a gift's
/// perceived value is the model's assumption, not part of the offer); a message is a message.
fn same_offer(a: &Offer, b: &Offer) -> bool {
    let key = |o: &Offer| match *o {
        Offer::Coupon { amount, min_spend } => Some(("coupon", amount, min_spend)),
        Offer::PctDiscount { pct } => Some(("pct_discount", pct, 0.0)),
        Offer::FreeShipping { fee } => Some(("free_shipping", fee, 0.0)),
        Offer::Gift {
            threshold,
            gift_cost,
            ..
        } => Some(("gift", gift_cost, threshold)),
        Offer::Message => Some(("message", 0.0, 0.0)),
        _ => None,
    };
    key(a).is_some() && key(a) == key(b)
}

/// Observed buying rates of one group of held-out customers: those who got the offer's arm
/// against those who got nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Observed {
    pub treated: usize,
    pub control: usize,
    /// Treated buying rate minus control buying rate (0 when either side is empty).
    pub uplift: f64,
    /// Its binomial standard error.
    pub standard_error: f64,
    /// Whether both sides have at least `check::MIN_CELL` customers.
    pub judged: bool,
}

impl Observed {
    fn of(bought: impl Iterator<Item = (bool, bool)>) -> Observed {
        let mut t = Tally::default();
        for (treated, b) in bought {
            t.add(treated, b as u8 as f32);
        }
        Observed {
            treated: t.treated,
            control: t.control,
            uplift: t.uplift().unwrap_or(0.0),
            standard_error: t.uplift_standard_error().unwrap_or(0.0),
            judged: t.treated >= MIN_CELL && t.control >= MIN_CELL,
        }
    }
}

/// One offer of the plan against the campaign arm that made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferCheck {
    pub offer: String,
    pub arm: String,
    /// Held-out customers the plan sends this offer to.
    pub planned: usize,
    /// The model's mean uplift (conversion with the offer minus without) over them.
    pub predicted: f64,
    /// What the arm did to them (they got it at random, or nothing).
    pub observed: Observed,
    /// What the arm did to the held-out customers the plan does not send this offer to.
    pub others: Observed,
    /// Incremental profit per customer the plan sends this offer to, before sending costs: the
    /// model's against the arm's (None when the campaign did not record what buyers paid, or
    /// too few are on either side).
    pub profit: Option<MoneyFigure>,
}

/// A plan checked against the past campaign (module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanCheck {
    /// Held-out customers of the past campaign.
    pub customers: usize,
    pub offers: Vec<OfferCheck>,
    /// The plan's offers the campaign never made (not checked).
    pub unchecked: Vec<String>,
    /// Over the checked offers with enough customers on both sides (`Observed::judged`): the
    /// incremental conversions (buyers, or the campaign's outcome such as a visit) the model
    /// expects among the held-out customers the plan sends them to, and those observed (planned ×
    /// observed uplift, summed), with its standard error.
    pub predicted_buyers: f64,
    pub observed_buyers: f64,
    pub observed_buyers_se: f64,
    /// Over the offers with a profit check: incremental profit before sending costs among the
    /// held-out customers the plan sends them to, model and observed (planned × per customer,
    /// summed; the standard error treats the offers' checks as independent).
    pub profit: Option<MoneyFigure>,
}

impl PlanCheck {
    /// The profit check of the plan's offer `name` (per customer), or of the whole plan for
    /// "total" (summed); None where it was not judged.
    pub fn profit_of(&self, name: &str) -> Option<MoneyFigure> {
        match self.offers.iter().find(|o| o.offer == name) {
            Some(o) => o.profit,
            None if name == "total" => self.profit,
            None => None,
        }
    }

    /// Why `profit_of(name)` is None, in a few words for a table cell: the campaign never made
    /// the offer, or did not record what buyers paid, or too few held-out customers got it (or
    /// nothing) among those the plan sends it to.
    pub fn unjudged(&self, name: &str) -> &'static str {
        if self.unchecked.iter().any(|u| u == name) {
            "never offered"
        } else if self
            .offers
            .iter()
            .any(|o| o.offer == name && o.observed.judged)
        {
            "no payments recorded"
        } else {
            "too few to judge"
        }
    }

    /// The plan's offers whose expected profit per customer is above what the past campaign
    /// shows for the customers the plan sends them to, by more than two standard errors.
    pub fn overstated(&self) -> Vec<&str> {
        self.offers
            .iter()
            .filter(|o| o.profit.is_some_and(|f| f.verdict() == Verdict::Overstated))
            .map(|o| o.offer.as_str())
            .collect()
    }

    /// The check in lines of plain text (`optimize` prints them; the Plan screen shows them).
    pub fn lines(&self) -> Vec<String> {
        let points = |o: &Observed| {
            format!(
                "{:+.1} points ± {:.1}",
                100.0 * o.uplift,
                100.0 * o.standard_error
            )
        };
        let mut out = vec![format!(
            "checked against the past campaign's randomized arms ({} held-out customers, who got its offers through its channels; ± one standard error):",
            self.customers
        )];
        for c in &self.offers {
            let mine = if c.observed.judged {
                format!(
                    "observed uplift {} (model {:+.1})",
                    points(&c.observed),
                    100.0 * c.predicted
                )
            } else {
                format!(
                    "too few got the arm or nothing ({} and {}) to judge",
                    c.observed.treated, c.observed.control
                )
            };
            let others = if c.others.judged {
                format!("; the customers it is not sent to: {}", points(&c.others))
            } else {
                String::new()
            };
            let profit = c.profit.map_or(String::new(), |f| {
                let verdict = match f.verdict() {
                    Verdict::Agrees => "",
                    Verdict::Overstated => {
                        ": the model overstates it for these customers (by over two standard errors)"
                    }
                    Verdict::Understated => {
                        ": the model understates it for these customers (by over two standard errors)"
                    }
                };
                format!(
                    "; profit per customer before sending {:+.2} ± {:.2} (model {:+.2}){verdict}",
                    f.observed, f.standard_error, f.predicted
                )
            });
            out.push(format!(
                "  {:<20} sent to {} of them: {mine}{others}{profit}",
                c.offer, c.planned
            ));
        }
        for name in &self.unchecked {
            out.push(format!(
                "  {name:<20} the past campaign never made this offer: not checked"
            ));
        }
        if self.offers.iter().any(|c| c.observed.judged) {
            out.push(format!(
                "  incremental conversions (purchases, or the campaign's outcome) among them: observed {:.0} ± {:.0}, model {:.0}",
                self.observed_buyers, self.observed_buyers_se, self.predicted_buyers
            ));
        }
        if let Some(f) = self.profit {
            out.push(format!(
                "  incremental profit before sending costs among them: observed {:.0} ± {:.0}, model {:.0}",
                f.observed, f.standard_error, f.predicted
            ));
        }
        out
    }
}

/// Checks a plan (`choice[i]`: the offer of `offers` customer i gets, None = nothing) against
/// the held-out customers of the past campaign; None when the table has none.
pub fn check_plan(
    t: &ResponseTable,
    offers: &OffersFile,
    choice: &[Option<u8>],
) -> Option<PlanCheck> {
    let h = t.holdout.as_ref()?;
    let pricers = offers.pricers(t);
    let mut checks = Vec::new();
    let mut unchecked = Vec::new();
    for (j, option) in offers.offers.iter().enumerate() {
        let made = |o: &Option<Offer>| o.as_ref().is_some_and(|o| same_offer(o, &option.offer));
        let Some(arm) = h.arm_offers.iter().position(made) else {
            unchecked.push(option.name.clone());
            continue;
        };
        let planned = |k: usize| choice.get(h.rows[k] as usize).copied().flatten() == Some(j as u8);
        // Held-out customers who got this arm or nothing: (planned, treated, bought).
        let compared = (0..h.rows.len())
            .filter(|&k| h.arm[k] == 0 || h.arm[k] as usize == arm)
            .map(|k| (planned(k), h.arm[k] != 0, h.bought[k]));
        let (mine, others): (Vec<_>, Vec<_>) = compared.partition(|c| c.0);
        let uplifts: Vec<f64> = (0..h.rows.len())
            .filter(|&k| planned(k))
            .map(|k| {
                let e = pricers[j].effect(h.rows[k] as usize);
                e.p1 - e.p0
            })
            .collect();
        let n_planned = uplifts.len();
        let predicted = uplifts.iter().sum::<f64>() / n_planned.max(1) as f64;
        let profit = (!h.paid.is_empty())
            .then(|| {
                let margin = offers.scenario(j).margin(t);
                let mut sides = Sides::default();
                let mut predicted = 0.0;
                for k in (0..h.rows.len()).filter(|&k| planned(k)) {
                    let e = pricers[j].effect(h.rows[k] as usize);
                    predicted += e.incremental_profit + e.send_cost;
                    let treated = h.arm[k] as usize == arm;
                    if treated || h.arm[k] == 0 {
                        let got = treated.then_some(&option.offer);
                        sides.add(
                            treated,
                            observed_money(got, margin, h.bought[k], h.paid[k] as f64).0,
                        );
                    }
                }
                sides
                    .judged()
                    .then(|| sides.figure(predicted / n_planned.max(1) as f64))
            })
            .flatten();
        checks.push(OfferCheck {
            profit,
            offer: option.name.clone(),
            arm: h.arm_names[arm].clone(),
            planned: n_planned,
            predicted,
            observed: Observed::of(mine.into_iter().map(|c| (c.1, c.2))),
            others: Observed::of(others.into_iter().map(|c| (c.1, c.2))),
        });
    }
    let judged = checks.iter().filter(|c| c.observed.judged);
    let (mut predicted_buyers, mut observed_buyers, mut var) = (0.0, 0.0, 0.0);
    for c in judged {
        let n = c.planned as f64;
        predicted_buyers += n * c.predicted;
        observed_buyers += n * c.observed.uplift;
        var += (n * c.observed.standard_error).powi(2);
    }
    let profit = checks.iter().any(|c| c.profit.is_some()).then(|| {
        let mut total = MoneyFigure::default();
        let mut var = 0.0;
        for (c, f) in checks.iter().filter_map(|c| Some((c, c.profit?))) {
            let n = c.planned as f64;
            total.predicted += n * f.predicted;
            total.observed += n * f.observed;
            var += (n * f.standard_error).powi(2);
        }
        total.standard_error = var.sqrt();
        total
    });
    Some(PlanCheck {
        customers: h.rows.len(),
        offers: checks,
        unchecked,
        predicted_buyers,
        observed_buyers,
        observed_buyers_se: var.sqrt(),
        profit,
    })
}

/// What sending through the customer's preferred channel did in the past campaign: the uplift
/// over the control of the treated customers it reached through their preferred channel, and of
/// those it reached through another. A fair comparison when the campaign picked channels at
/// random (the sample's did); the model itself does not tell channels apart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChannelCheck {
    pub preferred: Observed,
    pub other: Observed,
}

impl ChannelCheck {
    /// From the campaign's customers: treated or not, whether they bought, and for the treated
    /// whether the channel was their preferred one (None: not known). None when either group
    /// is too small to judge.
    pub fn of(rows: impl Iterator<Item = (bool, bool, Option<bool>)> + Clone) -> Option<Self> {
        let side = |preferred: bool| {
            let rows = rows
                .clone()
                .filter(move |&(treated, _, on)| !treated || on == Some(preferred));
            Observed::of(rows.map(|(treated, bought, _)| (treated, bought)))
        };
        let c = ChannelCheck {
            preferred: side(true),
            other: side(false),
        };
        (c.preferred.judged && c.other.judged).then_some(c)
    }

    pub fn line(&self) -> String {
        format!(
            "Channel check (past campaign): uplift {:+.1} points ± {:.1} through the customer's preferred channel ({} customers), {:+.1} ± {:.1} through another ({}); the model does not tell channels apart",
            100.0 * self.preferred.uplift,
            100.0 * self.preferred.standard_error,
            self.preferred.treated,
            100.0 * self.other.uplift,
            100.0 * self.other.standard_error,
            self.other.treated
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::optimize::{OFFERS_VERSION, OfferOption};

    #[test]
    fn arm_labels_name_their_offers() {
        assert_eq!(
            Holdout::offer_of_label("coupon 10 min 60"),
            Some(Offer::Coupon {
                amount: 10.0,
                min_spend: 60.0
            })
        );
        assert_eq!(
            Holdout::offer_of_label("pct_discount 25"),
            Some(Offer::PctDiscount { pct: 25.0 })
        );
        assert_eq!(Holdout::offer_of_label("control"), None);
        assert_eq!(Holdout::offer_of_label("Womens E-Mail"), None);
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // One e-mail against no e-mail: a message.
        assert_eq!(
            Holdout::arm_offers(&names(&["control", "Womens E-Mail"])),
            vec![None, Some(Offer::Message)]
        );
        // Two e-mails: which one a message means is not known.
        assert_eq!(
            Holdout::arm_offers(&names(&["control", "Mens E-Mail", "Womens E-Mail"])),
            vec![None, None, None]
        );
        assert_eq!(
            Holdout::arm_offers(&names(&["control", "pct_discount 10"])),
            vec![None, Some(Offer::PctDiscount { pct: 10.0 })]
        );
    }

    /// Eight held-out customers, two offers of which the campaign made one. The plan sends 10%
    /// off to customers 0-3: of them 0 and 1 got 10% off (one bought), 2 and 3 nothing (none
    /// bought): observed uplift 0.5. Of the others, 4 got 10% off and did not buy, 5 and 6 got
    /// nothing and 5 bought: observed −0.5. Customer 7 got an arm the plan does not use.
    #[test]
    fn check_by_hand() {
        let mut t = crate::sim::bench::random_table(8, 0, 3);
        let pct = Offer::PctDiscount { pct: 10.0 };
        t.holdout = Some(Holdout {
            rows: (0..8).collect(),
            arm: vec![1, 1, 0, 0, 1, 0, 0, 2],
            bought: vec![true, false, false, false, false, true, false, true],
            paid: Vec::new(),
            arm_names: vec![
                "control".into(),
                "pct_discount 10".into(),
                "gift 12 min 50".into(),
            ],
            arm_offers: vec![
                None,
                Some(pct.clone()),
                Holdout::offer_of_label("gift 12 min 50"),
            ],
        });
        let option = |name: &str, offer: Offer| OfferOption {
            name: name.into(),
            offer,
            channel: Default::default(),
            redemption_cap: None,
            stock: None,
            message: String::new(),
        };
        let offers = OffersFile {
            version: OFFERS_VERSION,
            offers: vec![
                option("ten", pct.clone()),
                option("thirty", Offer::PctDiscount { pct: 30.0 }),
            ],
            objective: Default::default(),
            targeting: Default::default(),
            channel_caps: Default::default(),
            margin_rate: None,
        };
        let choice = [
            Some(0),
            Some(0),
            Some(0),
            Some(0),
            None,
            Some(1),
            None,
            None,
        ];
        let c = check_plan(&t, &offers, &choice).unwrap();
        assert_eq!(c.customers, 8);
        assert_eq!(c.unchecked, vec!["thirty".to_string()]);
        assert_eq!(c.offers.len(), 1);
        let ten = &c.offers[0];
        assert_eq!((ten.arm.as_str(), ten.planned), ("pct_discount 10", 4));
        let pricer = &offers.pricers(&t)[0];
        let want: f64 = (0..4)
            .map(|i| {
                let e = pricer.effect(i);
                e.p1 - e.p0
            })
            .sum::<f64>()
            / 4.0;
        assert!((ten.predicted - want).abs() < 1e-12);
        let o = ten.observed;
        assert_eq!((o.treated, o.control), (2, 2));
        assert!((o.uplift - 0.5).abs() < 1e-12);
        assert!((o.standard_error - (0.25f64 / 2.0).sqrt()).abs() < 1e-12);
        assert!(!o.judged, "two a side is too few to judge");
        let x = ten.others;
        assert_eq!((x.treated, x.control), (1, 2));
        assert!((x.uplift + 0.5).abs() < 1e-12);
        // Nothing judged: no totals.
        assert_eq!((c.predicted_buyers, c.observed_buyers), (0.0, 0.0));
        // Without held-out customers there is nothing to check.
        t.holdout = None;
        assert!(check_plan(&t, &offers, &choice).is_none());
    }

    /// 40 control customers (4 bought), 40 treated through their preferred channel (12
    /// bought), 40 through another (8 bought) and 5 whose channel is unknown (left out).
    #[test]
    fn channel_check_by_hand() {
        let mut rows = Vec::new();
        rows.extend((0..40).map(|i| (false, i < 4, None)));
        rows.extend((0..40).map(|i| (true, i < 12, Some(true))));
        rows.extend((0..40).map(|i| (true, i < 8, Some(false))));
        rows.extend((0..5).map(|_| (true, true, None)));
        let c = ChannelCheck::of(rows.iter().copied()).unwrap();
        assert_eq!((c.preferred.treated, c.preferred.control), (40, 40));
        assert!((c.preferred.uplift - 0.2).abs() < 1e-12);
        assert!((c.other.uplift - 0.1).abs() < 1e-12);
        let se = (0.3 * 0.7 / 40.0 + 0.1 * 0.9 / 40.0f64).sqrt();
        assert!((c.preferred.standard_error - se).abs() < 1e-12);
        // Too few on one side: nothing to report.
        assert!(ChannelCheck::of(rows[..100].iter().copied()).is_none());
    }

    /// With enough customers on both sides the totals are planned × uplift, summed.
    #[test]
    fn totals_by_hand() {
        let n = 200;
        let mut t = crate::sim::bench::random_table(n, 0, 4);
        let pct = Offer::PctDiscount { pct: 10.0 };
        // Customers 0..100 are planned; even rows got the offer, odd ones nothing. Planned:
        // 20 of 50 treated bought, 10 of 50 control: uplift 0.2. The others: 5 of 50 and 5 of
        // 50: uplift 0.
        let arm: Vec<u16> = (0..n).map(|i| (i % 2 == 0) as u16).collect();
        let bought: Vec<bool> = (0..n)
            .map(|i| {
                let (k, treated) = (i / 2, i % 2 == 0);
                if i < 100 {
                    if treated { k < 20 } else { k < 10 }
                } else {
                    k - 50 < 5
                }
            })
            .collect();
        t.holdout = Some(Holdout {
            rows: (0..n as u32).collect(),
            arm,
            bought,
            // Buyers with the offer paid 90 for a basket of 100, those without 100.
            paid: (0..n)
                .map(|i| if i % 2 == 0 { 90.0 } else { 100.0 })
                .collect(),
            arm_names: vec!["control".into(), "pct_discount 10".into()],
            arm_offers: vec![None, Some(pct.clone())],
        });
        let offers = OffersFile {
            version: OFFERS_VERSION,
            offers: vec![OfferOption {
                name: "ten".into(),
                offer: pct,
                channel: Default::default(),
                redemption_cap: None,
                stock: None,
                message: String::new(),
            }],
            objective: Default::default(),
            targeting: Default::default(),
            channel_caps: Default::default(),
            margin_rate: None,
        };
        let choice: Vec<Option<u8>> = (0..n).map(|i| (i < 100).then_some(0)).collect();
        let c = check_plan(&t, &offers, &choice).unwrap();
        let ten = &c.offers[0];
        assert!(ten.observed.judged && ten.others.judged);
        assert!((ten.observed.uplift - 0.2).abs() < 1e-12);
        assert!(ten.others.uplift.abs() < 1e-12);
        assert!((c.observed_buyers - 100.0 * 0.2).abs() < 1e-9);
        assert!((c.predicted_buyers - 100.0 * ten.predicted).abs() < 1e-9);
        let se = (0.4 * 0.6 / 50.0 + 0.2 * 0.8 / 50.0f64).sqrt();
        assert!((c.observed_buyers_se - 100.0 * se).abs() < 1e-9);
        // Profit per planned customer: 0.4 × (100 m − 10) − 0.2 × 100 m, before sending.
        let m = t.margin_rate;
        let f = ten.profit.unwrap();
        assert!((f.observed - (0.4 * (100.0 * m - 10.0) - 0.2 * 100.0 * m)).abs() < 1e-9);
        let pricer = &offers.pricers(&t)[0];
        let want: f64 = (0..100)
            .map(|i| {
                let e = pricer.effect(i);
                e.incremental_profit + e.send_cost
            })
            .sum::<f64>()
            / 100.0;
        assert!((f.predicted - want).abs() < 1e-9);
        let total = c.profit.unwrap();
        assert!((total.observed - 100.0 * f.observed).abs() < 1e-9);
        assert!((total.standard_error - 100.0 * f.standard_error).abs() < 1e-9);
        // The plan's summary CSV carries the check: per offer the model's and the observed profit
        // per customer with its standard error and the verdict; the total's verdict.
        let plan = crate::plan::export::plan_from_choice(&t, &offers, &choice, None);
        let csv = plan.summary_csv(Some(&c));
        let ten_row = csv.lines().find(|l| l.starts_with("ten,")).unwrap();
        let fields: Vec<&str> = ten_row.rsplitn(5, ',').collect();
        assert_eq!(fields[0], "agrees", "{csv}");
        assert_eq!(fields[1], format!("{:.4}", f.standard_error));
        assert_eq!(fields[2], format!("{:.4}", f.observed));
        assert_eq!(
            fields[3].rsplit(',').next().unwrap(),
            format!("{:.4}", f.predicted)
        );
        let total_row = csv.lines().find(|l| l.starts_with("total,")).unwrap();
        assert!(total_row.ends_with(",,,,agrees"), "{csv}");
        assert!(
            plan.summary_csv(None)
                .lines()
                .all(|l| !l.ends_with("agrees"))
        );
        // The offer is flagged, in a line and by name, when the model's profit is more than two
        // standard errors above the observed one, and only then.
        let mut flagged = c.clone();
        let p = flagged.offers[0].profit.as_mut().unwrap();
        p.predicted = p.observed + 2.5 * p.standard_error;
        assert_eq!(flagged.overstated(), vec!["ten"]);
        assert!(
            flagged.lines()[1].contains("the model overstates it"),
            "{:?}",
            flagged.lines()
        );
        let p = flagged.offers[0].profit.as_mut().unwrap();
        p.predicted = p.observed + 1.5 * p.standard_error;
        assert!(flagged.overstated().is_empty());
        assert!(!flagged.lines()[1].contains("overstates"));
        // Unrecorded payments: no profit check, and the summary says why.
        t.holdout.as_mut().unwrap().paid.clear();
        let c = check_plan(&t, &offers, &choice).unwrap();
        assert!(c.profit.is_none() && c.offers[0].profit.is_none());
        assert_eq!(c.unjudged("ten"), "no payments recorded");
        let csv = plan.summary_csv(Some(&c));
        let ten_row = csv.lines().find(|l| l.starts_with("ten,")).unwrap();
        assert!(ten_row.ends_with(",,,,no payments recorded"), "{csv}");
        // Planned for only 10 held-out customers (5 got the offer): too few to judge.
        let few: Vec<Option<u8>> = (0..n).map(|i| (i < 10).then_some(0)).collect();
        let c = check_plan(&t, &offers, &few).unwrap();
        assert_eq!(c.unjudged("ten"), "too few to judge");
        let mut c = c;
        c.unchecked.push("bundle".into());
        assert_eq!(c.unjudged("bundle"), "never offered");
    }
}
