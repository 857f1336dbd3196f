//! Who gets which offer: each customer gets at most one offer (or none) to maximize expected
//! incremental profit (or revenue) subject to a total budget on expected spend (redemption plus
//! send costs), per-offer caps on expected redemptions (redemption cap and stock) and per-channel
//! caps on sends.
//!
//! Method: Lagrangian relaxation. With multipliers λ (budget), μ_k (offer caps) and ν_c (channel
//! caps) every customer independently takes the offer with the largest
//!   value − λ·cost − μ_k·redemptions − ν_c
//! when it is positive. λ is found by bisection so that the spend fits the budget, the cap
//! multipliers by bisection on each violated cap; a repair step drops the weakest assignments of
//! any cap still exceeded, and a fill step spends what is left on the assignments that were one
//! step below the budget's price, best value per cost first. The relaxation's value
//!   Σ_i max(0, max_k reduced value) + λ·budget + Σ μ_k·cap_k + Σ ν_c·cap_c
//! bounds every feasible plan from above; the distance to the plan is the reported duality gap.

use super::offer::Offer;
use super::response::ResponseTable;
use super::scenario::{Channel, Scenario, Targeting};
use super::select::{Eligibility, held_back};
use super::simulate::{Figures, Pricer, pricing};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const OFFERS_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    #[default]
    Profit,
    Revenue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferOption {
    pub name: String,
    pub offer: Offer,
    #[serde(default)]
    pub channel: Channel,
    /// At most this many expected redemptions.
    #[serde(default)]
    pub redemption_cap: Option<f64>,
    /// Units in stock for this offer (one per redemption).
    #[serde(default)]
    pub stock: Option<f64>,
    /// Message template ({name}, {discount}, {category}, {offer}).
    #[serde(default)]
    pub message: String,
}

impl OfferOption {
    fn cap(&self) -> f64 {
        self.redemption_cap
            .unwrap_or(f64::INFINITY)
            .min(self.stock.unwrap_or(f64::INFINITY))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffersFile {
    pub version: u32,
    pub offers: Vec<OfferOption>,
    #[serde(default)]
    pub objective: Objective,
    /// Who may receive anything (segments, filters, frequency cap, control share; top_share and
    /// rank_by are the optimizer's to decide and are ignored).
    #[serde(default)]
    pub targeting: Targeting,
    /// Most messages per channel ("email": 10000).
    #[serde(default)]
    pub channel_caps: BTreeMap<String, f64>,
    #[serde(default)]
    pub margin_rate: Option<f64>,
}

impl OffersFile {
    /// The five offers of the sample campaign, each through the customer's preferred channel:
    /// what the app optimizes over when no offers file is given.
    pub fn standard() -> OffersFile {
        let o = |name: &str, offer: Offer, message: &str| OfferOption {
            name: name.into(),
            offer,
            channel: Channel::default(),
            redemption_cap: None,
            stock: None,
            message: message.into(),
        };
        OffersFile {
            version: OFFERS_VERSION,
            offers: vec![
                o(
                    "coupon 10 off 60",
                    Offer::Coupon {
                        amount: 10.0,
                        min_spend: 60.0,
                    },
                    "Hi {name}, take {discount} any order over 60.",
                ),
                o(
                    "10% off",
                    Offer::PctDiscount { pct: 10.0 },
                    "Hi {name}, {discount} off everything this week.",
                ),
                o(
                    "25% off",
                    Offer::PctDiscount { pct: 25.0 },
                    "Hi {name}, {discount} off {category} this week only.",
                ),
                o(
                    "free shipping",
                    Offer::FreeShipping { fee: 6.0 },
                    "Hi {name}, shipping is on us this week.",
                ),
                o(
                    "gift over 50",
                    Offer::Gift {
                        threshold: 50.0,
                        gift_cost: 12.0,
                        perceived_value: 0.7,
                    },
                    "Hi {name}, a gift with any order over 50.",
                ),
            ],
            objective: Objective::Profit,
            targeting: Targeting::default(),
            channel_caps: BTreeMap::new(),
            margin_rate: None,
        }
    }

    /// Each offer as a one-offer scenario (for validation, simulation and export).
    pub fn scenario(&self, k: usize) -> Scenario {
        let o = &self.offers[k];
        Scenario {
            targeting: self.targeting.clone(),
            channel: o.channel.clone(),
            margin_rate: self.margin_rate,
            message: o.message.clone(),
            ..Scenario::new(&o.name, o.offer.clone())
        }
    }

    /// Each offer's `Pricer` over the model's mean parameters (for per-customer effects).
    pub fn pricers<'a>(&self, t: &'a ResponseTable) -> Vec<Pricer<'a>> {
        (0..self.offers.len())
            .map(|j| Pricer::new(t, &t.mean, &pricing(t, &self.scenario(j))))
            .collect()
    }

    pub fn validate(&self, t: &ResponseTable) -> Result<(), String> {
        if self.version != OFFERS_VERSION {
            return Err(format!(
                "offers file version {} is not supported (this promolab reads version {OFFERS_VERSION})",
                self.version
            ));
        }
        if self.offers.is_empty() || self.offers.len() > 255 {
            return Err("an offers file needs 1 to 255 offers".into());
        }
        for (k, o) in self.offers.iter().enumerate() {
            self.scenario(k)
                .validate(t)
                .map_err(|e| format!("offer '{}': {e}", o.name))?;
            if o.cap() < 0.0 {
                return Err(format!("offer '{}': caps must be 0 or more", o.name));
            }
        }
        Ok(())
    }
}

pub fn read_offers(path: &Path) -> Result<OffersFile, String> {
    crate::util::read_json(path)
}

/// Expected value, cost and redemptions of every (customer, offer), row-major `n × k`.
pub struct Problem {
    pub n: usize,
    pub k: usize,
    value: Vec<f32>,
    cost: Vec<f32>,
    redeem: Vec<f32>,
    /// Channel index of each (customer, offer) in `channels`.
    chan: Vec<u8>,
    pub channels: Vec<String>,
    offer_caps: Vec<f64>,
    channel_caps: Vec<f64>,
    /// Held back as a control group: never assigned.
    pub held_out: Vec<bool>,
}

impl Problem {
    pub fn build(t: &ResponseTable, f: &OffersFile) -> Problem {
        let (n, k) = (t.len(), f.offers.len());
        let mut channels: Vec<String> = f.channel_caps.keys().cloned().collect();
        for o in &f.offers {
            if o.channel.name == "preferred" {
                for c in &t.channel {
                    if !channels.contains(c) {
                        channels.push(c.clone());
                    }
                }
            } else if !channels.contains(&o.channel.name) {
                channels.push(o.channel.name.clone());
            }
        }
        if channels.is_empty() {
            channels.push("email".into());
        }
        let chan_of = |name: &str| channels.iter().position(|c| c == name).unwrap_or(0) as u8;
        let scenarios: Vec<Scenario> = (0..k).map(|j| f.scenario(j)).collect();
        let eligibility: Vec<Eligibility> =
            scenarios.iter().map(|s| Eligibility::new(t, s)).collect();
        let pricers = f.pricers(t);
        let held_out: Vec<bool> = t
            .ids
            .par_iter()
            .map(|id| held_back(id, f.targeting.control_share))
            .collect();
        type Row = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<u8>);
        let rows: Vec<Row> = (0..n)
            .into_par_iter()
            .map(|i| {
                let mut v = vec![f32::NEG_INFINITY; k];
                let (mut c, mut r, mut ch) = (vec![0.0; k], vec![0.0; k], vec![0u8; k]);
                for j in 0..k {
                    let s = &scenarios[j];
                    ch[j] = if s.channel.name == "preferred" {
                        t.channel.get(i).map_or(0, |c| chan_of(c))
                    } else {
                        chan_of(&s.channel.name)
                    };
                    if held_out[i] || !eligibility[j].allows(i) {
                        continue;
                    }
                    let e = pricers[j].effect(i);
                    v[j] = match f.objective {
                        Objective::Profit => e.incremental_profit,
                        Objective::Revenue => e.incremental_revenue,
                    } as f32;
                    c[j] = (e.redemption_cost + e.send_cost) as f32;
                    r[j] = e.p1 as f32;
                }
                (v, c, r, ch)
            })
            .collect();
        let mut p = Problem {
            n,
            k,
            value: Vec::with_capacity(n * k),
            cost: Vec::with_capacity(n * k),
            redeem: Vec::with_capacity(n * k),
            chan: Vec::with_capacity(n * k),
            offer_caps: f.offers.iter().map(OfferOption::cap).collect(),
            channel_caps: channels
                .iter()
                .map(|c| f.channel_caps.get(c).copied().unwrap_or(f64::INFINITY))
                .collect(),
            channels,
            held_out,
        };
        for (v, c, r, ch) in rows {
            p.value.extend(v);
            p.cost.extend(c);
            p.redeem.extend(r);
            p.chan.extend(ch);
        }
        p
    }

    /// The problem from plain matrices (tests, benchmarks).
    pub fn from_matrices(
        n: usize,
        k: usize,
        value: Vec<f32>,
        cost: Vec<f32>,
        redeem: Vec<f32>,
        offer_caps: Vec<f64>,
    ) -> Problem {
        Problem {
            n,
            k,
            value,
            cost,
            redeem,
            chan: vec![0; n * k],
            channels: vec!["email".into()],
            offer_caps,
            channel_caps: vec![f64::INFINITY],
            held_out: vec![false; n],
        }
    }

    pub fn value(&self, i: usize, j: usize) -> f64 {
        self.value[i * self.k + j] as f64
    }

    pub fn cost(&self, i: usize, j: usize) -> f64 {
        self.cost[i * self.k + j] as f64
    }
}

#[derive(Debug, Clone, Default)]
struct Prices {
    lambda: f64,
    mu: Vec<f64>,
    nu: Vec<f64>,
}

impl Prices {
    fn reduced(&self, p: &Problem, i: usize, j: usize) -> f64 {
        let x = i * p.k + j;
        p.value[x] as f64
            - self.lambda * p.cost[x] as f64
            - self.mu[j] * p.redeem[x] as f64
            - self.nu[p.chan[x] as usize]
    }

    /// The customer's best offer at these prices and its reduced value, if positive.
    fn choose(&self, p: &Problem, i: usize) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for j in 0..p.k {
            let r = self.reduced(p, i, j);
            if r > 0.0 && best.is_none_or(|(_, b)| r > b) {
                best = Some((j, r));
            }
        }
        best
    }
}

/// Spend, per-offer redemptions and per-channel sends of the choices at `prices`.
fn usage(p: &Problem, prices: &Prices) -> (f64, Vec<f64>, Vec<f64>) {
    (0..p.n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .fold(
            || (0.0, vec![0.0; p.k], vec![0.0; p.channels.len()]),
            |mut acc, i| {
                if let Some((j, _)) = prices.choose(p, i) {
                    let x = i * p.k + j;
                    acc.0 += p.cost[x] as f64;
                    acc.1[j] += p.redeem[x] as f64;
                    acc.2[p.chan[x] as usize] += 1.0;
                }
                acc
            },
        )
        .reduce(
            || (0.0, vec![0.0; p.k], vec![0.0; p.channels.len()]),
            |mut a, b| {
                a.0 += b.0;
                a.1.iter_mut().zip(&b.1).for_each(|(x, y)| *x += y);
                a.2.iter_mut().zip(&b.2).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// Smallest multiplier in [0, ∞) at which `over(m)` is false, by doubling then bisection;
/// returns (feasible, infeasible) ends of the final bracket.
fn bisect(mut over: impl FnMut(f64) -> bool) -> (f64, f64) {
    if !over(0.0) {
        return (0.0, 0.0);
    }
    let (mut lo, mut hi) = (0.0, 1e-3);
    while over(hi) {
        lo = hi;
        hi *= 4.0;
        if hi > 1e12 {
            break;
        }
    }
    // To a relative precision of 1e-6: the fill step spends what the last halving leaves.
    while hi - lo > 1e-6 * hi {
        let mid = 0.5 * (lo + hi);
        if over(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (hi, lo)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Solution {
    /// Offer index per customer (None: no offer).
    #[serde(skip)]
    pub choice: Vec<Option<u8>>,
    pub budget: f64,
    pub objective_value: f64,
    pub spend: f64,
    pub upper_bound: f64,
    /// Upper bound minus the plan's value (≥ 0); relative to the bound in `gap_share`.
    pub duality_gap: f64,
    pub gap_share: f64,
    pub lambda: f64,
    pub assigned: usize,
}

/// The best plan within `budget` (see the module docs).
pub fn solve(p: &Problem, budget: f64) -> Solution {
    let budget = budget.max(0.0);
    let mut prices = Prices {
        lambda: 0.0,
        mu: vec![0.0; p.k],
        nu: vec![0.0; p.channels.len()],
    };
    let mut lambda_over = 0.0;
    for _round in 0..6 {
        let (ok, bad) = bisect(|l| {
            let pr = Prices {
                lambda: l,
                ..prices.clone()
            };
            usage(p, &pr).0 > budget
        });
        prices.lambda = ok;
        lambda_over = bad;
        let (_, redeem, sends) = usage(p, &prices);
        let mut changed = false;
        for (j, &used) in redeem.iter().enumerate() {
            if used > p.offer_caps[j] * (1.0 + 1e-9) {
                let (ok, _) = bisect(|m| {
                    let mut pr = prices.clone();
                    pr.mu[j] = prices.mu[j] + m;
                    usage(p, &pr).1[j] > p.offer_caps[j]
                });
                prices.mu[j] += ok;
                changed = true;
            }
        }
        for (c, &sent) in sends.iter().enumerate() {
            if sent > p.channel_caps[c] {
                let (ok, _) = bisect(|m| {
                    let mut pr = prices.clone();
                    pr.nu[c] = prices.nu[c] + m;
                    usage(p, &pr).2[c] > p.channel_caps[c]
                });
                prices.nu[c] += ok;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut choice: Vec<Option<(usize, f64)>> = (0..p.n)
        .into_par_iter()
        .map(|i| prices.choose(p, i))
        .collect();
    // Repair: drop the weakest assignments of any cap or the budget still exceeded.
    let (mut spend, mut redeem, mut sends) = (0.0, vec![0.0; p.k], vec![0.0; p.channels.len()]);
    for (i, c) in choice.iter().enumerate() {
        if let Some((j, _)) = c {
            let x = i * p.k + j;
            spend += p.cost[x] as f64;
            redeem[*j] += p.redeem[x] as f64;
            sends[p.chan[x] as usize] += 1.0;
        }
    }
    let over = |spend: f64, redeem: &[f64], sends: &[f64]| {
        spend > budget
            || redeem.iter().zip(&p.offer_caps).any(|(r, c)| r > c)
            || sends.iter().zip(&p.channel_caps).any(|(s, c)| s > c)
    };
    if over(spend, &redeem, &sends) {
        let mut order: Vec<usize> = (0..p.n).filter(|&i| choice[i].is_some()).collect();
        order.sort_by(|&a, &b| choice[a].unwrap().1.total_cmp(&choice[b].unwrap().1));
        for i in order {
            if !over(spend, &redeem, &sends) {
                break;
            }
            let (j, _) = choice[i].unwrap();
            let x = i * p.k + j;
            let offending = spend > budget
                || redeem[j] > p.offer_caps[j]
                || sends[p.chan[x] as usize] > p.channel_caps[p.chan[x] as usize];
            if offending {
                spend -= p.cost[x] as f64;
                redeem[j] -= p.redeem[x] as f64;
                sends[p.chan[x] as usize] -= 1.0;
                choice[i] = None;
            }
        }
    }
    // Fill: the changes one step cheaper in budget price would make, best value per cost first,
    // taken in order while they fit (a prefix, so more budget never buys less).
    if lambda_over < prices.lambda {
        let cheaper = Prices {
            lambda: lambda_over,
            ..prices.clone()
        };
        let mut ups: Vec<(usize, usize, f64, f64)> = (0..p.n)
            .into_par_iter()
            .filter_map(|i| {
                let (j, _) = cheaper.choose(p, i)?;
                let (dv, dc) = match choice[i] {
                    Some((cur, _)) if cur == j => return None,
                    Some((cur, _)) => (
                        p.value(i, j) - p.value(i, cur),
                        p.cost(i, j) - p.cost(i, cur),
                    ),
                    None => (p.value(i, j), p.cost(i, j)),
                };
                (dv > 0.0).then_some((i, j, dv, dc))
            })
            .collect();
        ups.sort_by(|a, b| (b.2 / b.3.max(1e-12)).total_cmp(&(a.2 / a.3.max(1e-12))));
        for (i, j, _, dc) in ups {
            let x = i * p.k + j;
            let old = choice[i].map(|(cur, _)| i * p.k + cur);
            let mut r2 = redeem.clone();
            let mut s2 = sends.clone();
            r2[j] += p.redeem[x] as f64;
            s2[p.chan[x] as usize] += 1.0;
            if let Some(o) = old {
                r2[o % p.k] -= p.redeem[o] as f64;
                s2[p.chan[o] as usize] -= 1.0;
            }
            if over(spend + dc, &r2, &s2) {
                break;
            }
            spend += dc;
            redeem = r2;
            sends = s2;
            choice[i] = Some((j, 0.0));
        }
    }
    let value: f64 = choice
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|(j, _)| p.value(i, j)))
        .sum();
    let relaxed: f64 = (0..p.n)
        .into_par_iter()
        .map(|i| prices.choose(p, i).map_or(0.0, |(_, r)| r))
        .sum();
    let finite = |caps: &[f64], m: &[f64]| -> f64 {
        caps.iter()
            .zip(m)
            .filter(|(c, _)| c.is_finite())
            .map(|(c, m)| c * m)
            .sum()
    };
    let bound = relaxed
        + prices.lambda * budget
        + finite(&p.offer_caps, &prices.mu)
        + finite(&p.channel_caps, &prices.nu);
    let gap = (bound - value).max(0.0);
    Solution {
        assigned: choice.iter().filter(|c| c.is_some()).count(),
        choice: choice.iter().map(|c| c.map(|(j, _)| j as u8)).collect(),
        budget,
        objective_value: value,
        spend,
        upper_bound: bound,
        duality_gap: gap,
        gap_share: if bound.abs() > 0.0 {
            gap / bound.abs()
        } else {
            0.0
        },
        lambda: prices.lambda,
    }
}

/// The expected figures per offer and in total (sums of the customers' rows) of an assignment
/// (offer index per customer, None = no offer).
pub fn plan_figures(
    t: &ResponseTable,
    f: &OffersFile,
    choice: &[Option<u8>],
) -> (Vec<Figures>, Figures) {
    let pricers = f.pricers(t);
    let mut per = vec![Figures::default(); f.offers.len()];
    for (i, c) in choice.iter().enumerate() {
        if let Some(j) = c {
            let j = *j as usize;
            per[j].add(&pricers[j].effect(i));
        }
    }
    let total = per.iter().fold(Figures::default(), |a, b| a.merge(b));
    (per, total)
}

/// The frontier as CSV (what `optimize --frontier` and the Plan screen write).
pub fn frontier_csv(points: &[FrontierPoint]) -> String {
    let mut csv = String::from("budget,spend,objective_value,upper_bound\n");
    for p in points {
        csv.push_str(&format!(
            "{:.2},{:.2},{:.2},{:.2}\n",
            p.budget, p.spend, p.objective_value, p.upper_bound
        ));
    }
    csv
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    pub budget: f64,
    pub spend: f64,
    pub objective_value: f64,
    pub upper_bound: f64,
}

/// The efficient frontier: the best objective value at `points` budgets from 0 to what the
/// unconstrained plan would spend.
pub fn frontier(p: &Problem, points: usize) -> Vec<FrontierPoint> {
    let full = solve(p, f64::MAX / 4.0).spend;
    let points = points.max(2);
    (0..points)
        .map(|q| {
            let b = full * q as f64 / (points - 1) as f64;
            let s = solve(p, b);
            FrontierPoint {
                budget: b,
                spend: s.spend,
                objective_value: s.objective_value,
                upper_bound: s.upper_bound,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three customers, two offers, by hand: values and costs chosen so the answer is clear.
    #[test]
    fn small_problem_by_hand() {
        // customer 0: offer A 10 for cost 2, offer B 12 for cost 6
        // customer 1: offer A 3 for cost 3, offer B -1
        // customer 2: offer A 5 for cost 1, offer B 6 for cost 4
        let p = Problem::from_matrices(
            3,
            2,
            vec![10.0, 12.0, 3.0, -1.0, 5.0, 6.0],
            vec![2.0, 6.0, 3.0, 1.0, 1.0, 4.0],
            vec![0.5; 6],
            vec![f64::INFINITY; 2],
        );
        // Unlimited: B for 0, A for 1, B for 2: value 21, spend 13.
        let s = solve(&p, 100.0);
        assert_eq!(s.choice, vec![Some(1), Some(0), Some(1)]);
        assert!((s.objective_value - 21.0).abs() < 1e-9 && (s.spend - 13.0).abs() < 1e-9);
        assert!(s.duality_gap < 1e-6);
        // Budget 3: A for 0 and A for 2 (value 15, spend 3) is optimal.
        let s = solve(&p, 3.0);
        assert_eq!(s.choice, vec![Some(0), None, Some(0)]);
        assert!((s.objective_value - 15.0).abs() < 1e-9);
        assert!(s.upper_bound >= 15.0 - 1e-9);
        // Budget 0: nothing.
        assert_eq!(solve(&p, 0.0).assigned, 0);
    }

    #[test]
    fn redemption_cap_is_respected() {
        let p = Problem::from_matrices(
            4,
            1,
            vec![4.0, 3.0, 2.0, 1.0],
            vec![1.0; 4],
            vec![1.0; 4],
            vec![2.0],
        );
        let s = solve(&p, 100.0);
        assert_eq!(s.choice, vec![Some(0), Some(0), None, None]);
        assert!((s.objective_value - 7.0).abs() < 1e-9);
    }
}
