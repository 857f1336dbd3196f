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

use super::fold_ranges;
use super::offer::Offer;
use super::response::ResponseTable;
use super::scenario::{Channel, Scenario, Targeting};
use super::select::{Eligibility, held_back};
use super::simulate::{
    Figures, Increments, Interval, Intervals, Pricer, intervals, pricing, profit_interval,
    sum_member_by_segment,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
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
    /// The five offers of the sample campaign, each through the customer's preferred channel,
    /// with 10% of the customers the plan would reach held back as a control group (so that the
    /// plan can be measured after the campaign): what the app optimizes over when no offers file
    /// is given.
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
            targeting: Targeting {
                control_share: 0.1,
                ..Targeting::default()
            },
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
            // Plans, summaries and checks name offers: two of one name could not be told apart.
            if self.offers[..k].iter().any(|p| p.name == o.name) {
                return Err(format!(
                    "two offers are named '{}'; give each its own name",
                    o.name
                ));
            }
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
    /// Held back as a control group: never assigned (their values are kept, for
    /// `Solution::control`).
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
        // Each offer's channel, None for the customer's preferred one.
        let offer_chan: Vec<Option<u8>> = scenarios
            .iter()
            .map(|s| (s.channel.name != "preferred").then(|| chan_of(&s.channel.name)))
            .collect();
        let eligibility: Vec<Eligibility> =
            scenarios.iter().map(|s| Eligibility::new(t, s)).collect();
        let pricers = f.pricers(t);
        let held_out: Vec<bool> = t
            .ids
            .par_iter()
            .map(|id| held_back(id, f.targeting.control_share))
            .collect();
        let mut value = vec![f32::NEG_INFINITY; n * k];
        let (mut cost, mut redeem, mut chan) =
            (vec![0.0; n * k], vec![0.0; n * k], vec![0u8; n * k]);
        // Blocks of customers, each offer's effects for a whole block at once.
        const BLOCK: usize = 256;
        let width = (k * BLOCK).max(1);
        value
            .par_chunks_mut(width)
            .zip(cost.par_chunks_mut(width))
            .zip(redeem.par_chunks_mut(width))
            .zip(chan.par_chunks_mut(width))
            .enumerate()
            .for_each(|(b, (((v, c), r), ch))| {
                let start = b * BLOCK;
                let customers: Vec<u32> = (start..start + v.len() / k.max(1))
                    .map(|i| i as u32)
                    .collect();
                let preferred: Vec<u8> = customers
                    .iter()
                    .map(|&i| t.channel.get(i as usize).map_or(0, |c| chan_of(c)))
                    .collect();
                let mut effects = Vec::with_capacity(customers.len());
                for j in 0..k {
                    pricers[j].effects(&customers, &mut effects);
                    for (at, e) in effects.iter().enumerate() {
                        let (i, x) = (start + at, at * k + j);
                        ch[x] = offer_chan[j].unwrap_or(preferred[at]);
                        // A held-back customer's values stay: the control group is who the
                        // plan's rule would have chosen among them (`Solution::control`).
                        if !eligibility[j].allows(i) {
                            continue;
                        }
                        v[x] = match f.objective {
                            Objective::Profit => e.incremental_profit,
                            Objective::Revenue => e.incremental_revenue,
                        } as f32;
                        c[x] = (e.redemption_cost + e.send_cost) as f32;
                        r[x] = e.p1 as f32;
                    }
                }
            });
        Problem {
            n,
            k,
            value,
            cost,
            redeem,
            chan,
            offer_caps: f.offers.iter().map(OfferOption::cap).collect(),
            channel_caps: channels
                .iter()
                .map(|c| f.channel_caps.get(c).copied().unwrap_or(f64::INFINITY))
                .collect(),
            channels,
            held_out,
        }
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

/// No offer, in a vector of choices (offers are numbered 0..255).
const NONE: u8 = u8::MAX;

impl Prices {
    fn reduced(&self, p: &Problem, i: usize, j: usize) -> f64 {
        let x = i * p.k + j;
        p.value[x] as f64
            - self.lambda * p.cost[x] as f64
            - self.mu[j] * p.redeem[x] as f64
            - self.nu[p.chan[x] as usize]
    }

    /// The customer's best offer at these prices and its reduced value, if positive; nothing
    /// for a customer held back as control.
    fn choose(&self, p: &Problem, i: usize) -> Option<(usize, f64)> {
        if p.held_out[i] {
            return None;
        }
        self.best(p, i)
    }

    /// `choose` for any customer, held back or not.
    fn best(&self, p: &Problem, i: usize) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for j in 0..p.k {
            let r = self.reduced(p, i, j);
            if r > 0.0 && best.is_none_or(|(_, b)| r > b) {
                best = Some((j, r));
            }
        }
        best
    }

    /// `choose`'s offer, or `NONE`.
    fn pick(&self, p: &Problem, i: usize) -> u8 {
        self.choose(p, i).map_or(NONE, |(j, _)| j as u8)
    }

    /// Everyone's `pick`.
    fn picks(&self, p: &Problem) -> Vec<u8> {
        (0..p.n)
            .into_par_iter()
            .with_min_len(1 << 14)
            .map(|i| self.pick(p, i))
            .collect()
    }

    fn moved(&self, mv: Moving, m: f64) -> Prices {
        let mut moved = self.clone();
        match mv {
            Moving::Budget => moved.lambda += m,
            Moving::Offer(j) => moved.mu[j] += m,
            Moving::Channel(c) => moved.nu[c] += m,
        }
        moved
    }
}

/// The multiplier a search moves, and so the constraint it enforces.
#[derive(Debug, Clone, Copy)]
enum Moving {
    Budget,
    Offer(usize),
    Channel(usize),
}

impl Moving {
    /// What customer `i` choosing `c` adds to the constrained quantity.
    fn used(self, p: &Problem, i: usize, c: u8) -> f64 {
        if c == NONE {
            return 0.0;
        }
        let x = i * p.k + c as usize;
        match self {
            Moving::Budget => p.cost[x] as f64,
            Moving::Offer(j) if c as usize == j => p.redeem[x] as f64,
            Moving::Channel(ch) if p.chan[x] as usize == ch => 1.0,
            _ => 0.0,
        }
    }

    fn total(self, p: &Problem, choices: &[u8]) -> f64 {
        let each = |r: Range<usize>| r.map(|i| self.used(p, i, choices[i])).sum::<f64>();
        fold_ranges(choices.len(), 1 << 14, each, 0.0, |a, b| a + b)
    }
}

/// Spend, per-offer redemptions and per-channel sends of a choice per customer.
fn usage(p: &Problem, choices: &[u8]) -> (f64, Vec<f64>, Vec<f64>) {
    let zero = || (0.0, vec![0.0; p.k], vec![0.0; p.channels.len()]);
    let each = |r: Range<usize>| {
        let mut acc = zero();
        for i in r {
            let c = choices[i];
            if c != NONE {
                let x = i * p.k + c as usize;
                acc.0 += p.cost[x] as f64;
                acc.1[c as usize] += p.redeem[x] as f64;
                acc.2[p.chan[x] as usize] += 1.0;
            }
        }
        acc
    };
    fold_ranges(choices.len(), 1 << 14, each, zero(), |mut a, b| {
        a.0 += b.0;
        a.1.iter_mut().zip(&b.1).for_each(|(x, y)| *x += y);
        a.2.iter_mut().zip(&b.2).for_each(|(x, y)| *x += y);
        a
    })
}

/// Where a multiplier search ended: the multiplier added (`ok`, the constraint holds), the
/// largest tried below it at which it does not (`bad`), and every customer's choice at each.
struct Bracket {
    ok: f64,
    bad: f64,
    at_ok: Vec<u8>,
    at_bad: Vec<u8>,
}

/// The smallest m ≥ 0, to a relative 1e-6, at which the choices at `prices` moved by m keep the
/// constrained quantity within `cap`: doubling, then bisection.
///
/// Each offer's reduced value is linear in the multiplier, so the multipliers at which one offer
/// is a customer's choice form an interval: a customer with the same choice at both ends of the
/// bracket keeps it everywhere between, and only the others are evaluated again. Each halving
/// of the bracket leaves fewer of them, so the whole bisection costs about one pass over the
/// customers whose choice changes in the first bracket.
fn search(p: &Problem, prices: &Prices, mv: Moving, cap: f64) -> Bracket {
    let everyone = |m: f64| {
        let c = prices.moved(mv, m).picks(p);
        let used = mv.total(p, &c);
        (c, used)
    };
    let (mut at_bad, used) = everyone(0.0);
    if used <= cap {
        return Bracket {
            ok: 0.0,
            bad: 0.0,
            at_ok: at_bad.clone(),
            at_bad,
        };
    }
    // The bracket: infeasible at `lo` (choices `at_bad`), feasible at `hi` (`at_ok`). From a
    // guess, steps grow from 5% (squared each step) up or down; without one, from 1e-3 up, four
    // times each step.
    let guessed = guess(p, prices, mv, cap);
    let (mut lo, mut hi) = (0.0, guessed.unwrap_or(1e-3));
    let mut step = if guessed.is_some() { 1.05 } else { 4.0 };
    let mut at_ok = loop {
        let (c, used) = everyone(hi);
        if used <= cap || hi > 1e12 {
            break c;
        }
        (lo, at_bad) = (hi, c);
        hi *= step;
        if guessed.is_some() {
            step *= step;
        }
    };
    if guessed.is_some() && lo == 0.0 {
        // The guess was feasible: walk down to an infeasible multiplier (0 is one).
        let mut step = 1.05;
        while hi / step > 1e-9 {
            let m = hi / step;
            let (c, used) = everyone(m);
            if used > cap {
                (lo, at_bad) = (m, c);
                break;
            }
            (hi, at_ok) = (m, c);
            step *= step;
        }
    }
    let (mut active, mut fixed) = (Vec::new(), 0.0);
    for i in 0..p.n {
        if at_ok[i] == at_bad[i] {
            fixed += mv.used(p, i, at_ok[i]);
        } else {
            active.push(i);
        }
    }
    // To a relative precision of 1e-6: the fill step spends what the last halving leaves.
    while hi - lo > 1e-6 * hi {
        let mid = 0.5 * (lo + hi);
        let at = prices.moved(mv, mid);
        let at_mid: Vec<u8> = active
            .par_iter()
            .with_min_len(1 << 12)
            .map(|&i| at.pick(p, i))
            .collect();
        let each = |r: Range<usize>| r.map(|k| mv.used(p, active[k], at_mid[k])).sum::<f64>();
        let used = fold_ranges(active.len(), 1 << 12, each, 0.0, |a, b| a + b);
        let over = fixed + used > cap;
        let end = if over {
            lo = mid;
            &mut at_bad
        } else {
            hi = mid;
            &mut at_ok
        };
        for (&i, &c) in active.iter().zip(&at_mid) {
            end[i] = c;
        }
        active.retain(|&i| {
            let same = at_ok[i] == at_bad[i];
            if same {
                fixed += mv.used(p, i, at_ok[i]);
            }
            !same
        });
    }
    Bracket {
        ok: hi,
        bad: lo,
        at_ok,
        at_bad,
    }
}

/// A first guess of `search`'s multiplier from every 64th customer (the cap scaled to match), to
/// a relative 1e-3; None for problems under 65,536 customers or when the sample needs none.
fn guess(p: &Problem, prices: &Prices, mv: Moving, cap: f64) -> Option<f64> {
    const EVERY: usize = 64;
    if p.n < 1 << 16 {
        return None;
    }
    let rows: Vec<usize> = (0..p.n).step_by(EVERY).collect();
    let cap = cap * rows.len() as f64 / p.n as f64;
    let over = |m: f64| {
        let at = prices.moved(mv, m);
        let each = |r: Range<usize>| {
            let rows = &rows[r];
            rows.iter()
                .map(|&i| mv.used(p, i, at.pick(p, i)))
                .sum::<f64>()
        };
        let used = fold_ranges(rows.len(), 1 << 10, each, 0.0, |a, b| a + b);
        used > cap
    };
    if !over(0.0) {
        return None;
    }
    let (mut lo, mut hi) = (0.0, 1e-3);
    while over(hi) {
        (lo, hi) = (hi, hi * 4.0);
        if hi > 1e12 {
            return None;
        }
    }
    while hi - lo > 1e-3 * hi {
        let mid = 0.5 * (lo + hi);
        if over(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi)
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
    /// The control group: each customer held back (`OffersFile::targeting.control_share`) whom
    /// the plan's rule (the final prices) would have given an offer, with that offer. They are
    /// sent nothing; their purchases afterwards, against those of the customers sent the same
    /// offer, measure the plan's real uplift.
    #[serde(skip)]
    pub control: Vec<(u32, u8)>,
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
    // Everyone's choice at `prices`, and at the budget search's infeasible end while no cap's
    // multiplier has moved since.
    let mut choices = Vec::new();
    let mut cheaper = None;
    let mut used = (0.0, Vec::new(), Vec::new());
    for _round in 0..6 {
        prices.lambda = 0.0;
        let b = search(p, &prices, Moving::Budget, budget);
        (prices.lambda, lambda_over) = (b.ok, b.bad);
        (choices, cheaper) = (b.at_ok, Some(b.at_bad));
        used = usage(p, &choices);
        let (_, redeem, sends) = &used;
        let over_caps: Vec<(Moving, f64)> = (redeem.iter().zip(&p.offer_caps))
            .enumerate()
            .map(|(j, (&used, &cap))| (Moving::Offer(j), used, cap))
            .chain(
                (sends.iter().zip(&p.channel_caps))
                    .enumerate()
                    .map(|(c, (&used, &cap))| (Moving::Channel(c), used, cap)),
            )
            .filter(|&(_, used, cap)| used > cap * (1.0 + 1e-9))
            .map(|(mv, _, cap)| (mv, cap))
            .collect();
        for &(mv, cap) in &over_caps {
            let b = search(p, &prices, mv, cap);
            prices = prices.moved(mv, b.ok);
            (choices, cheaper) = (b.at_ok, None);
        }
        if over_caps.is_empty() {
            break;
        }
    }
    let mut choice: Vec<Option<(usize, f64)>> = choices
        .par_iter()
        .enumerate()
        .map(|(i, &c)| (c != NONE).then(|| (c as usize, prices.reduced(p, i, c as usize))))
        .collect();
    // The relaxation's value at these prices (for the bound).
    let each = |r: Range<usize>| {
        let choice = &choice[r];
        choice
            .iter()
            .map(|c| c.map_or(0.0, |(_, r)| r))
            .sum::<f64>()
    };
    let relaxed = fold_ranges(choice.len(), 1 << 14, each, 0.0, |a, b| a + b);
    // Repair: drop the weakest assignments of any cap or the budget still exceeded. The last
    // round's usage still holds unless a cap's search moved the choices after it (then
    // `cheaper` is gone too).
    let (mut spend, mut redeem, mut sends) = if cheaper.is_some() {
        used
    } else {
        usage(p, &choices)
    };
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
        let cheaper = cheaper.unwrap_or_else(|| {
            Prices {
                lambda: lambda_over,
                ..prices.clone()
            }
            .picks(p)
        });
        let mut ups: Vec<(usize, usize, f64, f64)> = (0..p.n)
            .into_par_iter()
            .filter_map(|i| {
                let j = cheaper[i];
                if j == NONE {
                    return None;
                }
                let j = j as usize;
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
        control: (0..p.n)
            .into_par_iter()
            .filter(|&i| p.held_out[i])
            .filter_map(|i| prices.best(p, i).map(|(j, _)| (i as u32, j as u8)))
            .collect(),
    }
}

/// The expected figures per offer and in total (sums of the customers' rows) of an assignment
/// (offer index per customer, None = no offer).
pub fn plan_figures(
    t: &ResponseTable,
    f: &OffersFile,
    choice: &[Option<u8>],
) -> (Vec<Figures>, Figures) {
    let per = figures_by(t, f, choice, f.offers.len(), |_, j| j);
    let total = per.iter().fold(Figures::default(), |a, b| a.merge(b));
    (per, total)
}

/// The sums of an assignment's customers' figures in `groups` groups, customer i sent offer j
/// counted in `group(i, j)`.
fn figures_by(
    t: &ResponseTable,
    f: &OffersFile,
    choice: &[Option<u8>],
    groups: usize,
    group: impl Fn(usize, usize) -> usize + Sync,
) -> Vec<Figures> {
    let pricers = f.pricers(t);
    let zero = || vec![Figures::default(); groups];
    let each = |r: Range<usize>| {
        let mut per = zero();
        for i in r {
            if let Some(j) = choice[i] {
                let j = j as usize;
                per[group(i, j)].add(&pricers[j].effect(i));
            }
        }
        per
    };
    fold_ranges(choice.len(), 1 << 13, each, zero(), |a, b| {
        a.iter().zip(&b).map(|(x, y)| x.merge(y)).collect()
    })
}

/// A plan's part in one segment: its customers sent an offer, their expected figures and the
/// 5–95% range of their incremental profit (drawn as a scenario's segment ranges are).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentPart {
    pub segment: String,
    pub figures: Figures,
    pub profit_range: Interval,
}

/// Each bootstrap member's sums over an assignment's customers, per offer and, within an offer,
/// per segment (`nseg` of them; 1 for per offer only): `[member][j * nseg + s]`.
fn member_sums(
    t: &ResponseTable,
    f: &OffersFile,
    choice: &[Option<u8>],
    nseg: usize,
) -> Vec<Vec<Increments>> {
    let k = f.offers.len();
    let scenarios: Vec<Scenario> = (0..k).map(|j| f.scenario(j)).collect();
    let mut sent: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (i, c) in choice.iter().enumerate() {
        if let Some(j) = c {
            sent[*j as usize].push(i as u32);
        }
    }
    t.members
        .iter()
        .map(|m| {
            let each =
                |j: usize| sum_member_by_segment(t, m, &sent[j], &pricing(t, &scenarios[j]), nseg);
            (0..k).flat_map(each).collect()
        })
        .collect()
}

/// The intervals of each offer's part and of the whole, from each member's sums per offer
/// (`[member][j]`).
fn offer_intervals(
    t: &ResponseTable,
    members: &[Vec<Increments>],
    per_offer: &[Figures],
    total: &Figures,
) -> (Vec<Intervals>, Intervals) {
    let per = (0..per_offer.len())
        .map(|j| intervals(t, members.iter().map(|m| m[j]).collect(), &per_offer[j]))
        .collect();
    let whole = members.iter().map(|m| merged(m.iter().copied())).collect();
    (per, intervals(t, whole, total))
}

fn merged(sums: impl Iterator<Item = Increments>) -> Increments {
    sums.fold(Increments::default(), Increments::merge)
}

/// The 5–95% intervals of each offer's part of a plan and of the whole plan, around
/// `plan_figures`' sums (`per_offer`, `total`): the scenario simulator's Monte Carlo over the
/// customers' outcomes, the bootstrap members (each member's sums over the same customers and
/// offers) and the model's error against the control group.
pub fn plan_intervals(
    t: &ResponseTable,
    f: &OffersFile,
    choice: &[Option<u8>],
    per_offer: &[Figures],
    total: &Figures,
) -> (Vec<Intervals>, Intervals) {
    offer_intervals(t, &member_sums(t, f, choice, 1), per_offer, total)
}

/// `plan_intervals`, and the plan's parts per segment of the table (in its segment order, those
/// with no customer sent an offer included, with zeros), from one pass of the members over the
/// plan's customers.
pub fn plan_ranges(
    t: &ResponseTable,
    f: &OffersFile,
    choice: &[Option<u8>],
    per_offer: &[Figures],
    total: &Figures,
) -> (Vec<Intervals>, Intervals, Vec<SegmentPart>) {
    let (k, nseg) = (f.offers.len(), t.segment_names.len().max(1));
    let sums = member_sums(t, f, choice, nseg);
    let by_offer: Vec<Vec<Increments>> = sums
        .iter()
        .map(|m| {
            (0..k)
                .map(|j| merged(m[j * nseg..(j + 1) * nseg].iter().copied()))
                .collect()
        })
        .collect();
    let (per_offer_intervals, intervals) = offer_intervals(t, &by_offer, per_offer, total);
    let seg = |i: usize| (t.segment.get(i).copied().unwrap_or(0) as usize).min(nseg - 1);
    let figures = figures_by(t, f, choice, nseg, |i, _| seg(i));
    let parts = t
        .segment_labels()
        .into_iter()
        .zip(figures)
        .enumerate()
        .map(|(s, (segment, figures))| {
            let members: Vec<Increments> = sums
                .iter()
                .map(|m| merged((0..k).map(|j| m[j * nseg + s])))
                .collect();
            SegmentPart {
                segment,
                profit_range: profit_interval(t, &members, &figures),
                figures,
            }
        })
        .collect();
    (per_offer_intervals, intervals, parts)
}

/// The frontier as CSV (what `optimize --frontier` and the Plan screen write).
pub fn frontier_csv(points: &[FrontierPoint]) -> String {
    let mut csv =
        String::from("budget,spend,objective_value,upper_bound,objective_p5,objective_p95\n");
    for p in points {
        csv.push_str(&format!(
            "{:.2},{:.2},{:.2},{:.2},{:.2},{:.2}\n",
            p.budget, p.spend, p.objective_value, p.upper_bound, p.range.p5, p.range.p95
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
    /// 5–95% of the objective (incremental profit or revenue) of the plan at this budget
    /// (`plan_intervals`).
    pub range: Interval,
}

/// The efficient frontier: the best objective value at `points` budgets from 0 to what the
/// unconstrained plan would spend, each with its plan's 5–95% range, in budget order.
pub fn frontier(
    t: &ResponseTable,
    f: &OffersFile,
    p: &Problem,
    points: usize,
) -> Vec<FrontierPoint> {
    let full = solve(p, f64::MAX / 4.0).spend;
    let points = points.max(2);
    // The budgets are independent: solved side by side (each solve's own sums run in fixed
    // chunks, so the figures do not depend on the number of threads).
    (0..points)
        .into_par_iter()
        .map(|q| {
            let b = full * q as f64 / (points - 1) as f64;
            let s = solve(p, b);
            let (per_offer, total) = plan_figures(t, f, &s.choice);
            let (_, iv) = plan_intervals(t, f, &s.choice, &per_offer, &total);
            FrontierPoint {
                budget: b,
                spend: s.spend,
                objective_value: s.objective_value,
                upper_bound: s.upper_bound,
                range: match f.objective {
                    Objective::Profit => iv.incremental_profit,
                    Objective::Revenue => iv.incremental_revenue,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offers are told apart by name (plans, summaries and checks name them).
    #[test]
    fn two_offers_of_one_name_are_refused() {
        let t = crate::sim::bench::random_table(100, 0, 1);
        let mut f = OffersFile::standard();
        assert!(f.validate(&t).is_ok());
        f.offers[1].name = f.offers[0].name.clone();
        let e = f.validate(&t).unwrap_err();
        assert!(e.contains("two offers are named 'coupon 10 off 60'"), "{e}");
    }

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

    /// Held-back customers get nothing, and the control group is who the plan's rule would have
    /// chosen among them: one offer, cost 1 each, values 6, 5, 4, 3, 2, 1, customers 1 and 4
    /// held back, budget 2. The plan sends to 0 and 2 (values 6 and 4; its budget price lies
    /// between 3 and 4), so held-back 1 (value 5) is the control and 4 (value 2) would not
    /// have been chosen.
    #[test]
    fn the_control_group_is_who_the_plan_would_have_chosen_by_hand() {
        let mut p = Problem::from_matrices(
            6,
            1,
            vec![6.0, 5.0, 4.0, 3.0, 2.0, 1.0],
            vec![1.0; 6],
            vec![0.5; 6],
            vec![f64::INFINITY],
        );
        p.held_out = vec![false, true, false, false, true, false];
        let s = solve(&p, 2.0);
        assert_eq!(s.choice, vec![Some(0), None, Some(0), None, None, None]);
        assert!((s.objective_value - 10.0).abs() < 1e-9);
        assert_eq!(s.control, vec![(1, 0)]);
        // With budget for everyone, both held-back customers are the control.
        let s = solve(&p, 100.0);
        assert_eq!(s.assigned, 4);
        assert_eq!(s.control, vec![(1, 0), (4, 0)]);
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
    /// A random problem: values, costs (some negative: price rises pay back) and redemptions.
    fn random_problem(n: usize, k: usize, seed: u64) -> Problem {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut m = |lo: f32, hi: f32| (0..n * k).map(|_| rng.random_range(lo..hi)).collect();
        let (value, cost, redeem) = (m(-2.0, 10.0), m(-0.5, 6.0), m(0.0, 1.0));
        Problem::from_matrices(n, k, value, cost, redeem, vec![f64::INFINITY; k])
    }

    /// `search` against its definition: the constraint holds at `ok` and not at `bad`, the two
    /// are within the precision, and the choices it returns are everyone's at each end —
    /// with and without the sample's first guess (from 65,536 customers), for the budget and
    /// for an offer's cap.
    #[test]
    fn search_brackets_the_multiplier_with_everyones_choices() {
        for (n, seed) in [(3_000, 1), (70_000, 2)] {
            let p = random_problem(n, 4, seed);
            let prices = Prices {
                lambda: 0.0,
                mu: vec![0.0; p.k],
                nu: vec![0.0; 1],
            };
            let (free_spend, free_redeem, _) = usage(&p, &prices.picks(&p));
            for (mv, cap) in [
                (Moving::Budget, free_spend * 0.3),
                (Moving::Offer(1), free_redeem[1] * 0.5),
            ] {
                let b = search(&p, &prices, mv, cap);
                assert!(b.bad > 0.0 && b.ok > b.bad && b.ok - b.bad <= 1e-6 * b.ok);
                let at_ok = prices.moved(mv, b.ok).picks(&p);
                let at_bad = prices.moved(mv, b.bad).picks(&p);
                assert!(at_ok == b.at_ok && at_bad == b.at_bad, "n {n}, {mv:?}");
                assert!(mv.total(&p, &at_ok) <= cap, "n {n}, {mv:?}");
                assert!(mv.total(&p, &at_bad) > cap, "n {n}, {mv:?}");
            }
        }
    }
    /// Large enough for the sampled first guess: every plan fits its budget, sits under its
    /// bound with a small gap, and more budget never buys less.
    #[test]
    fn large_problems_fit_their_budgets() {
        let p = random_problem(70_000, 4, 9);
        let full = solve(&p, f64::MAX / 4.0).spend;
        let mut last = f64::NEG_INFINITY;
        for share in [0.05, 0.2, 0.5, 0.8] {
            let s = solve(&p, full * share);
            let what = (share, s.spend, s.objective_value, s.upper_bound);
            assert!(s.spend <= s.budget * (1.0 + 1e-9), "{what:?}");
            assert!(s.objective_value <= s.upper_bound + 1e-6, "{what:?}");
            assert!(s.gap_share < 1e-3 && s.objective_value >= last, "{what:?}");
            last = s.objective_value;
        }
    }
}
