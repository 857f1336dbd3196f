//! The best price index per segment: the logistic response has no closed-form optimum, so each
//! segment's expected incremental profit is searched over a grid of price indices and refined
//! by golden-section search around the best grid point; a stock limit on expected units sold
//! excludes indices that would sell more than the stock.

use super::offer::{Lever, Offer};
use super::response::ResponseTable;
use super::scenario::Scenario;
use super::simulate::{Figures, Interval, Pricer, Pricing};
use crate::util::sigmoid;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentPrice {
    pub segment: String,
    pub customers: usize,
    pub best_index: f64,
    pub at_best: Figures,
    /// 5–95% of the incremental profit at the best index: the segment simulated at that price
    /// as a scenario (customer outcomes, bootstrap members, the model's error against the
    /// control group).
    pub profit_range: Interval,
    /// The best index lies outside what the past campaign tried (deeper than its deepest
    /// discount, or above list): the model extrapolates there (`Outcome::beyond_seen_share`).
    pub extrapolated: bool,
    /// Conversion elasticity with respect to price at the list price (mean over customers; with
    /// latent classes each customer's class-weighted expectation, as the Models screen reports).
    pub elasticity_at_list: f64,
    /// Expected buyers at the list price.
    pub buyers_at_list: f64,
}

/// A segment at a price index as a scenario: everyone in the segment (everyone, when the table
/// has no segments), no sending cost (a price is not a message), at `margin`.
pub fn segment_scenario(t: &ResponseTable, segment: &str, index: f64, margin: f64) -> Scenario {
    let mut s = Scenario::new(
        &format!("{segment}: price index {index:.3}"),
        Offer::DynamicPrice { price_index: index },
    );
    if !t.segment_names.is_empty() {
        s.targeting.segments = vec![segment.to_string()];
    }
    s.channel.send_cost_eur = 0.0;
    s.margin_rate = Some(margin);
    s
}

fn figures(t: &ResponseTable, rows: &[usize], index: f64, margin: f64) -> Figures {
    let offer = Offer::DynamicPrice { price_index: index };
    let p = Pricing {
        offer: &offer,
        margin,
        send_cost: 0.0,
        serve: 1.0,
    };
    let pricer = Pricer::new(t, &t.mean, &p);
    // In parallel, in fixed chunks merged in order: the same sums on any number of threads.
    let each = |r: std::ops::Range<usize>| {
        let mut f = Figures::default();
        for &i in &rows[r] {
            f.add(&pricer.effect(i));
        }
        f
    };
    super::fold_ranges(rows.len(), 1 << 13, each, Figures::default(), |a, b| {
        a.merge(&b)
    })
}

/// Best price index in [lo, hi] for each segment; `stock_units` caps expected buyers per segment.
pub fn optimize_prices(
    t: &ResponseTable,
    lo: f64,
    hi: f64,
    margin: f64,
    stock_units: Option<f64>,
) -> Vec<SegmentPrice> {
    let nseg = t.segment_names.len().max(1);
    let mut rows = vec![Vec::new(); nseg];
    for i in 0..t.len() {
        rows[(t.segment.get(i).copied().unwrap_or(0) as usize).min(nseg - 1)].push(i);
    }
    let score = |rows: &[usize], x: f64| {
        let f = figures(t, rows, x, margin);
        let sold = f.buyers_with_offer;
        if stock_units.is_some_and(|s| sold > s) {
            f64::NEG_INFINITY
        } else {
            f.incremental_profit
        }
    };
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty())
        .map(|(s, r)| {
            let steps = 60;
            let grid: Vec<f64> = (0..=steps)
                .map(|k| lo + (hi - lo) * k as f64 / steps as f64)
                .collect();
            let (mut best, mut best_v) = (1.0f64.clamp(lo, hi), f64::NEG_INFINITY);
            for &x in &grid {
                let v = score(r, x);
                if v > best_v {
                    (best, best_v) = (x, v);
                }
            }
            // Golden-section refinement within one grid step either side: each step keeps one
            // of its two inner points, so it evaluates one new one.
            let step = (hi - lo) / steps as f64;
            let (mut a, mut b) = ((best - step).max(lo), (best + step).min(hi));
            let g = 0.618_033_988_749_895;
            let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
            let (mut fc, mut fd) = (score(r, c), score(r, d));
            for _ in 0..30 {
                if fc >= fd {
                    (b, d, fd) = (d, c, fc);
                    c = b - g * (b - a);
                    fc = score(r, c);
                } else {
                    (a, c, fc) = (c, d, fd);
                    d = a + g * (b - a);
                    fd = score(r, d);
                }
            }
            let refined = 0.5 * (a + b);
            if score(r, refined) > best_v {
                best = refined;
            }
            let lever = t.lever_column(&t.mean, &Offer::DynamicPrice { price_index: 1.0 });
            // With latent classes, the class-weighted expectation (what the Models screen
            // checks against the truth); else the one curve's d ln p / d ln price at price 1:
            // −s·(1 − p0). In parallel, in fixed chunks merged in order.
            let of_customer = |i: usize| {
                t.mean
                    .classes
                    .expected_elasticity(i, Lever::Pct)
                    .unwrap_or_else(|| {
                        let p0 = sigmoid(t.mean.base_logit[i] as f64);
                        -lever.map_or(0.0, |c| c[i] as f64) * (1.0 - p0)
                    })
            };
            let each = |range: std::ops::Range<usize>| -> f64 {
                r[range].iter().map(|&i| of_customer(i)).sum()
            };
            let elasticity =
                super::fold_ranges(r.len(), 1 << 13, each, 0.0, |a, b| a + b) / r.len() as f64;
            let segment = t
                .segment_names
                .get(s)
                .cloned()
                .unwrap_or_else(|| "all".into());
            let at = super::simulate::simulate(t, &segment_scenario(t, &segment, best, margin));
            SegmentPrice {
                segment,
                customers: r.len(),
                best_index: best,
                at_best: figures(t, r, best, margin),
                profit_range: at.intervals.incremental_profit,
                extrapolated: at.beyond_seen_share > 0.0,
                elasticity_at_list: elasticity,
                buyers_at_list: figures(t, r, 1.0, margin).buyers_with_offer,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::response::one_segment;

    /// One segment of 50 customers alike: base logit −2, price sensitivity 5 per unit of depth,
    /// basket 100, margin 40%. At price index x the depth is 1 − x, so each customer's
    /// incremental profit is σ(−2 + 5(1 − x)) · (100x − 60) − σ(−2) · 40; the search finds the
    /// maximum of that curve, and with stock for half the buyers there, the price at which
    /// demand meets the stock.
    #[test]
    fn best_price_and_stock_limit_by_hand() {
        let n = 50;
        let t = one_segment(std::array::from_fn(|_| vec![5.0; n]), vec![100.0; n]);
        let sig = |z: f64| 1.0 / (1.0 + (-z).exp());
        let buy = |x: f64| sig(-2.0 + 5.0 * (1.0 - x));
        let profit = |x: f64| n as f64 * (buy(x) * (100.0 * x - 60.0) - buy(1.0) * 40.0);
        let (mut want, mut best) = (0.0, f64::NEG_INFINITY);
        for k in 0..=200_000 {
            let x = 0.5 + k as f64 * 1e-5;
            if profit(x) > best {
                (want, best) = (x, profit(x));
            }
        }
        let r = &optimize_prices(&t, 0.5, 2.5, 0.4, None)[0];
        assert_eq!(r.customers, n);
        assert!(
            (r.best_index - want).abs() < 1e-4,
            "{} vs {want}",
            r.best_index
        );
        assert!((r.at_best.incremental_profit - best).abs() < 1e-3 * best.abs());
        assert!((r.buyers_at_list - n as f64 * buy(1.0)).abs() < 1e-4);
        // d ln p / d ln price at list: −5 (1 − σ(−2)).
        assert!((r.elasticity_at_list + 5.0 * (1.0 - buy(1.0))).abs() < 1e-6);
        // The range is the same segment simulated at that price: it holds the figure.
        let iv = r.profit_range;
        assert!(iv.p5 <= r.at_best.incremental_profit && r.at_best.incremental_profit <= iv.p95);
        // Stock for half the buyers at the best price: the price rises until demand fits.
        let stock = 0.5 * n as f64 * buy(want);
        let r = &optimize_prices(&t, 0.5, 2.5, 0.4, Some(stock))[0];
        assert!(r.at_best.buyers_with_offer <= stock + 1e-9);
        // σ(−2 + 5(1 − x)) = stock / n  ⇔  x = 1 − (logit(stock / n) + 2) / 5.
        let q = stock / n as f64;
        let at_stock = 1.0 - ((q / (1.0 - q)).ln() + 2.0) / 5.0;
        assert!(
            r.best_index >= at_stock - 1e-9 && r.best_index - at_stock < 1e-3,
            "{} vs {at_stock}",
            r.best_index
        );
    }
}
