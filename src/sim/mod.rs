//! Scenario simulation over per-customer response parameters: plain slices, no burn, no egui, so
//! a slider move can re-simulate every customer within a frame.
//!
//! Method (percentage discount to a targeted group): for customer i with base logit b, contact
//! effect c, sensitivity s per unit of depth and expected basket B, a discount of depth d gives
//! p0 = σ(b) without a message and p1 = σ(b + c + s·d) with it. Everyone who buys under the offer
//! gets the discount, including those who would have bought anyway, so
//!   discount cost       = p1 · B · d
//!   incremental buyers  = p1 − p0
//!   incremental revenue = p1 · B · (1 − d) − p0 · B
//!   incremental profit  = p1 · B · (m − d) − p0 · B · m − send cost, with m the gross margin rate.
//! Untargeted customers contribute nothing incremental. Pull-forward (buying now instead of later)
//! and cannibalization of other products are not modelled: the figures are for the response window.
//! The 5–95% interval covers the randomness of customer outcomes (a normal approximation of the
//! sum of independent purchases), not the models' own uncertainty.

pub mod bench;
pub mod input;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Per-customer response parameters (from `promolab score` of a response model).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseTable {
    pub ids: Vec<String>,
    pub base_logit: Vec<f32>,
    pub contact: Vec<f32>,
    /// Logit shift per unit of discount depth (0.10 = 10% off).
    pub sensitivity: Vec<f32>,
    pub basket_eur: Vec<f32>,
}

impl ResponseTable {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Percentage discount, 0–100.
    pub discount_pct: f64,
    /// Share of customers targeted, best expected incremental profit first (0–1).
    pub target_share: f64,
    pub send_cost_eur: f64,
    /// Gross margin rate of the basket (price − cost of goods) / price.
    pub margin_rate: f64,
}

/// Expected effects of one customer under the scenario (zero when not targeted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CustomerEffect {
    pub targeted: bool,
    pub incremental_buyers: f64,
    pub incremental_revenue: f64,
    pub discount_cost: f64,
    pub incremental_profit: f64,
    /// Variance of the customer's realized profit under the offer.
    pub profit_variance: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub customers: usize,
    pub targeted: usize,
    pub incremental_buyers: f64,
    pub incremental_revenue: f64,
    pub discount_cost: f64,
    pub send_cost: f64,
    pub incremental_profit: f64,
    /// 5% and 95% bounds of incremental profit over customer outcomes.
    pub incremental_profit_interval: (f64, f64),
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The expected effect of offering customer `i` a discount of `depth`.
pub fn effect(t: &ResponseTable, i: usize, depth: f64, s: &Scenario) -> CustomerEffect {
    let (b, basket, m) = (
        t.base_logit[i] as f64,
        t.basket_eur[i] as f64,
        s.margin_rate,
    );
    let p0 = sigmoid(b);
    let p1 = sigmoid(b + t.contact[i] as f64 + t.sensitivity[i] as f64 * depth);
    let per_buyer_profit = basket * (m - depth);
    CustomerEffect {
        targeted: true,
        incremental_buyers: p1 - p0,
        incremental_revenue: p1 * basket * (1.0 - depth) - p0 * basket,
        discount_cost: p1 * basket * depth,
        incremental_profit: p1 * per_buyer_profit - p0 * basket * m - s.send_cost_eur,
        profit_variance: p1 * (1.0 - p1) * per_buyer_profit * per_buyer_profit,
    }
}

/// Simulates the scenario: targets the top `target_share` by expected incremental profit and
/// returns the per-customer effects (in table order) and their totals.
pub fn simulate(t: &ResponseTable, s: &Scenario) -> (Vec<CustomerEffect>, Totals) {
    let depth = (s.discount_pct / 100.0).clamp(0.0, 1.0);
    let mut effects: Vec<CustomerEffect> = (0..t.len())
        .into_par_iter()
        .map(|i| effect(t, i, depth, s))
        .collect();
    let k = ((t.len() as f64) * s.target_share.clamp(0.0, 1.0)).round() as usize;
    if k < t.len() {
        let mut order: Vec<usize> = (0..t.len()).collect();
        // Partial selection: the k best, in O(n).
        if k > 0 {
            order.select_nth_unstable_by(k - 1, |&a, &b| {
                effects[b]
                    .incremental_profit
                    .total_cmp(&effects[a].incremental_profit)
            });
        }
        for &i in &order[k..] {
            effects[i] = CustomerEffect::default();
        }
    }
    let totals = totals(&effects, s);
    (effects, totals)
}

/// Expected incremental profit of offering customer `i` a discount of `depth`, in f32 (the fast
/// path that ranks customers; totals are then summed in f64 from `effect`).
fn profit_f32(t: &ResponseTable, i: usize, depth: f32, s: &Scenario) -> f32 {
    let sig = |x: f32| 1.0 / (1.0 + (-x).exp());
    let (basket, m) = (t.basket_eur[i], s.margin_rate as f32);
    let p0 = sig(t.base_logit[i]);
    let p1 = sig(t.base_logit[i] + t.contact[i] + t.sensitivity[i] * depth);
    p1 * basket * (m - depth) - p0 * basket * m - s.send_cost_eur as f32
}

/// The same totals as `simulate` without building a row per customer: fast enough to follow a
/// slider. Customers are ranked by `profit_f32`, so a tie at the cut may resolve differently from
/// `simulate` in the last bit; the totals agree to rounding.
pub fn simulate_totals(t: &ResponseTable, s: &Scenario) -> Totals {
    let n = t.len();
    let depth = (s.discount_pct / 100.0).clamp(0.0, 1.0);
    let k = ((n as f64) * s.target_share.clamp(0.0, 1.0)).round() as usize;
    let profit: Vec<f32> = (0..n)
        .into_par_iter()
        .map(|i| profit_f32(t, i, depth as f32, s))
        .collect();
    // The k-th best profit is the cut; customers above it are in, and ties at it fill up to k.
    let cut = if k == 0 || k >= n {
        None
    } else {
        let mut sorted = profit.clone();
        let (_, kth, _) = sorted.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        Some(*kth)
    };
    let above = cut.map_or(0, |c| profit.par_iter().filter(|&&p| p > c).count());
    let mut ties_left = k.saturating_sub(above);
    let mut chosen = Vec::with_capacity(k);
    for (i, &p) in profit.iter().enumerate() {
        let take = match cut {
            None => k >= n,
            Some(c) if p > c => true,
            Some(c) if p == c && ties_left > 0 => {
                ties_left -= 1;
                true
            }
            _ => false,
        };
        if take {
            chosen.push(i);
        }
    }
    let effects: Vec<CustomerEffect> = chosen.par_iter().map(|&i| effect(t, i, depth, s)).collect();
    Totals {
        customers: n,
        ..totals(&effects, s)
    }
}

/// Totals are exactly the sums of the per-customer rows.
pub fn totals(effects: &[CustomerEffect], s: &Scenario) -> Totals {
    let sum = |f: fn(&CustomerEffect) -> f64| effects.par_iter().map(f).sum::<f64>();
    let targeted = effects.iter().filter(|e| e.targeted).count();
    let profit = sum(|e| e.incremental_profit);
    let sd = sum(|e| e.profit_variance).sqrt();
    Totals {
        customers: effects.len(),
        targeted,
        incremental_buyers: sum(|e| e.incremental_buyers),
        incremental_revenue: sum(|e| e.incremental_revenue),
        discount_cost: sum(|e| e.discount_cost),
        send_cost: targeted as f64 * s.send_cost_eur,
        incremental_profit: profit,
        incremental_profit_interval: (profit - 1.645 * sd, profit + 1.645 * sd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> ResponseTable {
        ResponseTable {
            ids: vec!["a".into(), "b".into()],
            base_logit: vec![0.0, -2.0],
            contact: vec![0.0, 0.0],
            sensitivity: vec![0.0, 10.0],
            basket_eur: vec![100.0, 50.0],
        }
    }

    #[test]
    fn effects_by_hand() {
        let s = Scenario {
            discount_pct: 20.0,
            target_share: 1.0,
            send_cost_eur: 1.0,
            margin_rate: 0.5,
        };
        let (e, t) = simulate(&table(), &s);
        // Customer a: p0 = p1 = 0.5, insensitive: pays 0.5 * 100 * 0.2 = 10 of discount for nothing.
        assert!((e[0].incremental_buyers).abs() < 1e-12);
        assert!((e[0].discount_cost - 10.0).abs() < 1e-9);
        assert!(
            (e[0].incremental_profit - (0.5 * 100.0 * 0.3 - 0.5 * 100.0 * 0.5 - 1.0)).abs() < 1e-9
        );
        // Customer b: p0 = σ(−2), p1 = σ(0) = 0.5.
        let p0 = 1.0 / (1.0 + 2f64.exp());
        assert!((e[1].incremental_buyers - (0.5 - p0)).abs() < 1e-9);
        assert!(
            (e[1].incremental_profit - (0.5 * 50.0 * 0.3 - p0 * 50.0 * 0.5 - 1.0)).abs() < 1e-9
        );
        assert!(
            (t.incremental_profit - e[0].incremental_profit - e[1].incremental_profit).abs() < 1e-9
        );
        assert_eq!(t.targeted, 2);
        assert!(
            t.incremental_profit_interval.0 < t.incremental_profit
                && t.incremental_profit < t.incremental_profit_interval.1
        );
    }

    #[test]
    fn targeting_picks_the_most_profitable_half() {
        let s = Scenario {
            discount_pct: 20.0,
            target_share: 0.5,
            send_cost_eur: 0.0,
            margin_rate: 0.5,
        };
        let (e, t) = simulate(&table(), &s);
        assert!(!e[0].targeted && e[1].targeted);
        assert_eq!(t.targeted, 1);
        assert_eq!(t.incremental_profit, e[1].incremental_profit);
    }
}
