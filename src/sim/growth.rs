//! Basket growth per customer: how much bigger a customer's basket gets per unit of discount
//! depth. Customers differ a lot here (in the sample generator from 0.2 to 1.5), and it decides
//! whether a discount pays: the customers who would buy anyway give the discount away on a basket
//! that barely grows, the bargain hunters fill theirs.
//!
//! The campaign's basket heads cannot tell: their ratio per customer is noise, and their pooled
//! figure is the growth of the arms' buyers, weighted toward the customers the offer brought in
//! (docs/models.md, "Basket growth per customer"). The order history can: each customer's
//! promotion orders (list-price basket and depth) against their regular orders, before the
//! campaign. One customer's few orders are noisy too, so the history is smoothed over customers
//! by a ridge regression on the profile features and the model's response columns: each customer
//! gets the growth of customers like them.

use crate::data::{Table, TableKind};
use crate::model::dataset::Dataset;
use crate::sim::response::Member;
use std::collections::HashMap;

/// Fewer customers with both promotion and regular orders than this: no per-customer growth.
pub const MIN_CUSTOMERS: usize = 200;

/// Ridge penalty on the standardized regressors (the fit is the same for 100 and 1,000 on the
/// sample data: 5,351 customers with both kinds of orders).
const RIDGE: f64 = 100.0;

/// One customer's growth from history, clamped to this range (a few orders can give anything).
const RAW_RANGE: (f64, f64) = (-3.0, 8.0);

/// Predictions are kept in the range the simulator allows.
const GROWTH_RANGE: (f64, f64) = (0.0, 5.0);

/// Each of `ids`' basket growth per unit of depth from their own orders before the first campaign
/// message: (mean list-price basket of promotion orders / mean of regular orders − 1) / mean
/// depth of the promotion orders. An order is a promotion order when a line has a discount or a
/// promotion id. None without both kinds of orders (or without order lines).
pub fn history_growth(tables: &[Table], ids: &[String]) -> Vec<Option<f64>> {
    let none = || vec![None; ids.len()];
    let find = |k| tables.iter().find(|t| t.kind == k);
    let Some(o) = find(TableKind::OrderLines) else {
        return none();
    };
    let (Some(cid), Some(oid)) = (o.text("customer_id"), o.text("order_id")) else {
        return none();
    };
    let cutoff = find(TableKind::Campaigns)
        .and_then(|c| c.time("sent_at"))
        .and_then(|s| s.iter().flatten().min().copied());
    let times = o.time("timestamp");
    let (qty, price) = (o.int("quantity"), o.float("unit_price"));
    let (disc, promo) = (o.float("discount_amount"), o.text("promo_id"));
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    // Per order: customer, list-price basket, discount, promotion.
    let mut orders: HashMap<&str, (usize, f64, f64, bool)> = HashMap::new();
    for r in 0..o.n_rows() {
        let (Some(c), Some(order)) = (cid[r].as_deref(), oid[r].as_deref()) else {
            continue;
        };
        let Some(&k) = index.get(c) else { continue };
        let before = match (cutoff, times.and_then(|t| t[r])) {
            (Some(cut), Some(t)) => t < cut,
            (Some(_), None) => false,
            (None, _) => true,
        };
        if !before {
            continue;
        }
        let gross =
            qty.and_then(|q| q[r]).unwrap_or(1) as f64 * price.and_then(|p| p[r]).unwrap_or(0.0);
        let d = disc.and_then(|d| d[r]).unwrap_or(0.0);
        let p = promo
            .and_then(|p| p[r].as_deref())
            .is_some_and(|p| !p.is_empty());
        let e = orders.entry(order).or_insert((k, 0.0, 0.0, false));
        e.1 += gross;
        e.2 += d;
        e.3 |= p || d > 0.0;
    }
    // Per customer: promotion orders' basket and depth sums and count, regular baskets and count.
    let mut acc = vec![(0.0, 0.0, 0usize, 0.0, 0usize); ids.len()];
    for &(k, gross, d, is_promo) in orders.values() {
        if gross <= 0.0 {
            continue;
        }
        let a = &mut acc[k];
        if is_promo {
            a.0 += gross;
            a.1 += d / gross;
            a.2 += 1;
        } else {
            a.3 += gross;
            a.4 += 1;
        }
    }
    acc.iter()
        .map(|&(pg, pd, pn, rg, rn)| {
            let (pn, rn) = (pn as f64, rn as f64);
            let depth = pd / pn.max(1.0);
            (pn > 0.0 && rn > 0.0 && depth > 0.0 && rg > 0.0)
                .then(|| ((pg / pn) / (rg / rn) - 1.0) / depth)
        })
        .map(|g| g.map(|g| g.clamp(RAW_RANGE.0, RAW_RANGE.1)))
        .collect()
}

/// Ridge regression of `y` (where known) on `k` regressors, regressor j of row i read through
/// `value(i, j)` (so no copy of them is made), each standardized over the rows fitted, with an
/// unpenalized intercept; the fitted values for every row. None with fewer than two rows.
pub fn ridge_predict(
    k: usize,
    value: impl Fn(usize, usize) -> f64,
    y: &[Option<f64>],
    lambda: f64,
) -> Option<Vec<f64>> {
    let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_some()).collect();
    if rows.len() < 2 {
        return None;
    }
    let n = rows.len() as f64;
    let yv = |i: usize| y[i].unwrap_or(0.0);
    let y_mean = rows.iter().map(|&i| yv(i)).sum::<f64>() / n;
    // Each regressor's mean and standard deviation over the fitted rows (a constant one gets
    // standard deviation 1 and so contributes nothing).
    let scale: Vec<(f64, f64)> = (0..k)
        .map(|j| {
            let m = rows.iter().map(|&i| value(i, j)).sum::<f64>() / n;
            let v = rows.iter().map(|&i| (value(i, j) - m).powi(2)).sum::<f64>() / n;
            (m, if v > 1e-12 { v.sqrt() } else { 1.0 })
        })
        .collect();
    let z = |j: usize, i: usize| (value(i, j) - scale[j].0) / scale[j].1;
    // Normal equations (Z'Z + λI) β = Z'(y − ȳ), augmented.
    let mut a = vec![vec![0.0; k + 1]; k];
    let mut zi = vec![0.0; k];
    for &i in &rows {
        zi.iter_mut().enumerate().for_each(|(j, v)| *v = z(j, i));
        for p in 0..k {
            for q in 0..k {
                a[p][q] += zi[p] * zi[q];
            }
            a[p][k] += zi[p] * (yv(i) - y_mean);
        }
    }
    for (p, row) in a.iter_mut().enumerate() {
        row[p] += lambda;
    }
    let beta = solve(a)?;
    Some(
        (0..y.len())
            .map(|i| y_mean + (0..k).map(|j| beta[j] * z(j, i)).sum::<f64>())
            .collect(),
    )
}

/// Solves the augmented system `a` (k rows of k + 1) by Gaussian elimination with partial
/// pivoting; None when singular.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for c in 0..k {
        let pivot = (c..k).max_by(|&u, &v| a[u][c].abs().total_cmp(&a[v][c].abs()))?;
        a.swap(c, pivot);
        if a[c][c].abs() < 1e-12 {
            return None;
        }
        let pivot_row = a[c].clone();
        for (_, row) in a.iter_mut().enumerate().filter(|(r, _)| *r != c) {
            let f = row[c] / pivot_row[c];
            for (x, p) in row.iter_mut().zip(&pivot_row).skip(c) {
                *x -= f * p;
            }
        }
    }
    Some((0..k).map(|p| a[p][k] / a[p][p]).collect())
}

/// Basket growth per customer of `ds` (see the module docs): the history's growth regressed on
/// the profile features and `mean`'s response columns (base logit and sensitivities). None when
/// fewer than `MIN_CUSTOMERS` customers have both promotion and regular orders.
pub fn customer_growth(tables: &[Table], ds: &Dataset, mean: &Member) -> Option<Vec<f32>> {
    let raw = history_growth(tables, &ds.ids);
    if raw.iter().flatten().count() < MIN_CUSTOMERS {
        return None;
    }
    let (n, d) = (ds.n(), ds.d());
    // Missing feature values (not finite) take the column's mean.
    let means: Vec<f64> = (0..d)
        .map(|j| {
            let known = (0..n)
                .map(|i| ds.row(i)[j] as f64)
                .filter(|x| x.is_finite());
            let (sum, count) = known.fold((0.0, 0usize), |(s, c), x| (s + x, c + 1));
            sum / count.max(1) as f64
        })
        .collect();
    let model_cols: Vec<&Vec<f32>> = std::iter::once(&mean.base_logit)
        .chain(&mean.sensitivity)
        .filter(|c| c.len() == n)
        .collect();
    let value = |i: usize, j: usize| match j.checked_sub(d) {
        None => Some(ds.row(i)[j] as f64)
            .filter(|x| x.is_finite())
            .unwrap_or(means[j]),
        Some(m) => model_cols[m][i] as f64,
    };
    let fitted = ridge_predict(d + model_cols.len(), value, &raw, RIDGE)?;
    Some(
        fitted
            .into_iter()
            .map(|g| g.clamp(GROWTH_RANGE.0, GROWTH_RANGE.1) as f32)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_by_hand() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // A: regular orders of 100 and 2 x 30 (mean 80), one promotion order of 120 at 20% off
        // before the campaign (growth (120 / 80 - 1) / 0.2 = 2.5) and one after it (ignored).
        // B: no promotion order. C: a promotion order (discount, no promo id) of 45 at 10% off
        // against regular 50: (0.9 - 1) / 0.1 = -1.
        let lines =
            "order_id,customer_id,product_id,timestamp,quantity,unit_price,discount_amount,promo_id
O1,A,P1,2026-01-01 10:00:00,1,100,0,
O2,A,P1,2026-02-01 10:00:00,2,30,0,
O3,A,P1,2026-03-01 10:00:00,1,120,24,PR-1
O4,A,P1,2026-07-01 10:00:00,1,500,250,PR-2
O5,B,P1,2026-01-05 10:00:00,1,50,0,
O6,C,P1,2026-01-05 10:00:00,1,50,0,
O7,C,P1,2026-02-05 10:00:00,1,45,4.5,
";
        let campaigns = "campaign_id,customer_id,offer_type,offer_value,min_spend,channel,sent_at,opened,redeemed,converted,revenue,control
K,A,pct_discount,10,0,sms,2026-06-01 10:00:00,0,0,0,0.00,0
K,B,none,0,0,sms,2026-06-01 10:00:00,0,0,0,0.00,1
";
        std::fs::write(dir.join("order_lines.csv"), lines).unwrap();
        std::fs::write(dir.join("campaigns.csv"), campaigns).unwrap();
        let tables = crate::data::load_paths(
            &[dir.join("order_lines.csv"), dir.join("campaigns.csv")],
            &Default::default(),
        )
        .unwrap();
        let ids: Vec<String> = ["A", "B", "C", "D"].map(String::from).into();
        let g = history_growth(&tables, &ids);
        assert!((g[0].unwrap() - 2.5).abs() < 1e-9, "{g:?}");
        assert_eq!(g[1], None);
        assert!((g[2].unwrap() + 1.0).abs() < 1e-9, "{g:?}");
        assert_eq!(g[3], None);
    }

    #[test]
    fn ridge_by_hand() {
        // y = 2 + 3x on x = 0, 1, 2, 3, with the last row unknown: without a penalty the line
        // itself, the unknown row included.
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = vec![Some(2.0), Some(5.0), Some(8.0), None];
        let exact = ridge_predict(1, |i, _| x[i], &y, 0.0).unwrap();
        for (got, want) in exact.iter().zip([2.0, 5.0, 8.0, 11.0]) {
            assert!((got - want).abs() < 1e-9, "{exact:?}");
        }
        // With λ = 1: x standardized over the three known rows is (−√1.5, 0, √1.5), Σz² = 3,
        // Σz(y − ȳ) = √1.5·6, β = √1.5·6 / (3 + 1); at x = 3 (z = 2√1.5): 5 + 2·1.5·6/4 = 9.5.
        let shrunk = ridge_predict(1, |i, _| x[i], &y, 1.0).unwrap();
        assert!((shrunk[3] - 9.5).abs() < 1e-9, "{shrunk:?}");
        assert!((shrunk[1] - 5.0).abs() < 1e-9);
        // Nothing to fit.
        assert!(ridge_predict(1, |_, _| 1.0, &[Some(1.0)], 1.0).is_none());
    }
}
