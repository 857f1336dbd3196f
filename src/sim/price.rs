//! The best price index per segment: the logistic response has no closed-form optimum, so each
//! segment's expected incremental profit is searched over a grid of price indices and refined
//! by golden-section search around the best grid point; a stock limit on expected units sold
//! excludes indices that would sell more than the stock.

use super::offer::Offer;
use super::response::ResponseTable;
use super::simulate::{Figures, Pricer, Pricing};
use crate::util::sigmoid;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentPrice {
    pub segment: String,
    pub customers: usize,
    pub best_index: f64,
    pub at_best: Figures,
    /// Conversion elasticity with respect to price at the list price (mean over customers).
    pub elasticity_at_list: f64,
    /// Expected buyers at the list price.
    pub buyers_at_list: f64,
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
    let mut f = Figures::default();
    for &i in rows {
        f.add(&pricer.effect(i));
    }
    f
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
            // Golden-section refinement within one grid step either side.
            let step = (hi - lo) / steps as f64;
            let (mut a, mut b) = ((best - step).max(lo), (best + step).min(hi));
            let g = 0.618_033_988_749_895;
            for _ in 0..30 {
                let (c, d) = (b - g * (b - a), a + g * (b - a));
                if score(r, c) >= score(r, d) {
                    b = d;
                } else {
                    a = c;
                }
            }
            let refined = 0.5 * (a + b);
            if score(r, refined) > best_v {
                best = refined;
            }
            let elasticity = r
                .iter()
                .map(|&i| {
                    let p0 = sigmoid(t.mean.base_logit[i] as f64);
                    let s = t
                        .lever_column(&t.mean, &Offer::DynamicPrice { price_index: 1.0 })
                        .map_or(0.0, |c| c[i] as f64);
                    // d ln p / d ln price at price 1: −s·(1 − p0).
                    -s * (1.0 - p0)
                })
                .sum::<f64>()
                / r.len() as f64;
            SegmentPrice {
                segment: t
                    .segment_names
                    .get(s)
                    .cloned()
                    .unwrap_or_else(|| "all".into()),
                customers: r.len(),
                best_index: best,
                at_best: figures(t, r, best, margin),
                elasticity_at_list: elasticity,
                buyers_at_list: figures(t, r, 1.0, margin).buyers_with_offer,
            }
        })
        .collect()
}
