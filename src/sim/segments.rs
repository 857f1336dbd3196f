//! Customer segments a marketer can see and target: the observable RFM segments, and custom
//! segments defined by filters on profile features. Sizes and revenue shares for the overview.

use super::scenario::Filter;
use crate::data::features::Profiles;
use serde::{Deserialize, Serialize};

/// The RFM segments, in the order of their index.
pub const RFM_NAMES: [&str; 5] = ["champions", "regulars", "new", "lapsing", "dormant"];

/// The RFM rule: recent and frequent buyers are champions, then regulars, recently signed-up
/// customers are new, others lapsing when they ordered within the year and dormant when they did
/// not (built profiles cap recency at 365 days, so no order in the year is what tells).
pub fn rfm_segment(recency_days: f32, frequency_365d: f32, tenure_days: Option<f32>) -> u16 {
    if recency_days <= 45.0 && frequency_365d >= 4.0 {
        0
    } else if recency_days <= 120.0 && frequency_365d >= 2.0 {
        1
    } else if tenure_days.is_some_and(|t| t <= 120.0) {
        2
    } else if recency_days <= 365.0 && frequency_365d >= 1.0 {
        3
    } else {
        4
    }
}

/// Each customer's RFM segment, or `None` when the profiles lack recency or frequency (a flat
/// campaign table without purchase history).
pub fn rfm_of_profiles(p: &Profiles) -> Option<Vec<u16>> {
    let (r, f) = (p.column("recency_days")?, p.column("frequency_365d")?);
    let tenure = p.column("tenure_days");
    Some(
        (0..p.n_rows())
            .map(|i| rfm_segment(r[i], f[i], tenure.map(|t| t[i])))
            .collect(),
    )
}

/// A named segment defined by filters on profile features (all must hold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomSegment {
    pub name: String,
    pub filters: Vec<Filter>,
}

/// Which customers pass every filter. A filter on a feature the profiles lack is reported.
pub fn members(p: &Profiles, filters: &[Filter]) -> Result<Vec<bool>, String> {
    let mut keep = vec![true; p.n_rows()];
    for f in filters {
        let col = p
            .column(&f.feature)
            .ok_or_else(|| format!("no profile feature named '{}'", f.feature))?;
        for (k, &x) in keep.iter_mut().zip(col) {
            *k = *k && f.accepts(x);
        }
    }
    Ok(keep)
}

/// Size and value of one group of customers.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentStats {
    pub customers: usize,
    /// Share of all customers.
    pub share: f64,
    /// Share of all revenue of the last 365 days (`None` without a monetary feature).
    pub revenue_share: Option<f64>,
    pub mean_recency_days: Option<f64>,
    pub mean_frequency: Option<f64>,
    pub mean_monetary: Option<f64>,
}

/// Statistics of the customers where `member` is true.
pub fn stats(p: &Profiles, member: &[bool]) -> SegmentStats {
    let customers = member.iter().filter(|&&m| m).count();
    let mean = |name: &str| {
        let col = p.column(name)?;
        (customers > 0).then(|| {
            col.iter()
                .zip(member)
                .filter(|(_, m)| **m)
                .map(|(&x, _)| x as f64)
                .sum::<f64>()
                / customers as f64
        })
    };
    let revenue_share = p.column("monetary_365d").and_then(|m| {
        let total: f64 = m.iter().map(|&x| x as f64).sum();
        let mine: f64 = m
            .iter()
            .zip(member)
            .filter(|(_, k)| **k)
            .map(|(&x, _)| x as f64)
            .sum();
        (total > 0.0).then(|| mine / total)
    });
    SegmentStats {
        customers,
        share: customers as f64 / p.n_rows().max(1) as f64,
        revenue_share,
        mean_recency_days: mean("recency_days"),
        mean_frequency: mean("frequency_365d"),
        mean_monetary: mean("monetary_365d"),
    }
}

/// Equal-width histogram of `values` over [lo, hi] (values outside are counted in the edge bins):
/// (bin start, count) per bin.
pub fn histogram(values: &[f32], lo: f64, hi: f64, bins: usize) -> Vec<(f64, usize)> {
    let bins = bins.max(1);
    let width = ((hi - lo) / bins as f64).max(f64::MIN_POSITIVE);
    let mut counts = vec![0usize; bins];
    for &x in values.iter().filter(|x| x.is_finite()) {
        let b = ((x as f64 - lo) / width)
            .floor()
            .clamp(0.0, (bins - 1) as f64) as usize;
        counts[b] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(b, c)| (lo + b as f64 * width, c))
        .collect()
}

/// The value below which 99% of the finite `values` lie (at least 1): the right edge of a
/// histogram that a few very large values should not flatten.
pub fn upper_clip(values: &[f32]) -> f64 {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 1.0;
    }
    let k = (v.len() - 1) * 99 / 100;
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    (*x as f64).max(1.0)
}

/// A histogram over [0, hi] as (bin start, share of the counted customers), counting only the
/// customers where `member` is true (all when `None`).
pub fn histogram_shares(
    values: &[f32],
    member: Option<&[bool]>,
    hi: f64,
    bins: usize,
) -> Vec<(f64, f64)> {
    let chosen: Vec<f32> = match member {
        Some(m) => values
            .iter()
            .zip(m)
            .filter(|(_, k)| **k)
            .map(|(&v, _)| v)
            .collect(),
        None => values.to_vec(),
    };
    let n = chosen.len().max(1) as f64;
    histogram(&chosen, 0.0, hi, bins)
        .into_iter()
        .map(|(x, c)| (x, c as f64 / n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Op;

    fn profiles() -> Profiles {
        Profiles {
            customer_ids: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            names: vec![
                "recency_days".into(),
                "frequency_365d".into(),
                "monetary_365d".into(),
            ],
            columns: vec![
                vec![10.0, 100.0, 200.0, 400.0],
                vec![5.0, 2.0, 1.0, 0.0],
                vec![500.0, 300.0, 200.0, 0.0],
            ],
            as_of: 0,
        }
    }

    #[test]
    fn rfm_rule_by_hand() {
        let p = profiles();
        // a: recent and frequent; b: within 120 days, twice; c: lapsing; d: dormant.
        assert_eq!(rfm_of_profiles(&p).unwrap(), vec![0, 1, 3, 4]);
        assert_eq!(rfm_segment(300.0, 0.0, Some(30.0)), 2);
        // Built profiles cap recency at 365 days when nobody ordered within the year: no order
        // in the year is dormant, whatever the cap.
        assert_eq!(rfm_segment(365.0, 0.0, Some(900.0)), 4);
        assert_eq!(rfm_segment(365.0, 1.0, Some(900.0)), 3);
    }

    #[test]
    fn custom_segment_members_and_stats_by_hand() {
        let p = profiles();
        let filters = vec![Filter {
            feature: "recency_days".into(),
            op: Op::Le,
            value: 200.0,
        }];
        let m = members(&p, &filters).unwrap();
        assert_eq!(m, vec![true, true, true, false]);
        let s = stats(&p, &m);
        assert_eq!(s.customers, 3);
        assert!((s.share - 0.75).abs() < 1e-12);
        // All revenue (1000) is in the segment.
        assert!((s.revenue_share.unwrap() - 1.0).abs() < 1e-12);
        assert!((s.mean_recency_days.unwrap() - 310.0 / 3.0).abs() < 1e-9);
        assert!((s.mean_monetary.unwrap() - 1000.0 / 3.0).abs() < 1e-9);
        let top = stats(&p, &[true, false, false, false]);
        assert!((top.revenue_share.unwrap() - 0.5).abs() < 1e-12);
        let bad = [Filter {
            feature: "age".into(),
            op: Op::Gt,
            value: 1.0,
        }];
        assert!(members(&p, &bad).unwrap_err().contains("'age'"));
        assert_eq!(stats(&p, &[false; 4]).mean_recency_days, None);
    }

    #[test]
    fn clipped_histogram_shares_by_hand() {
        let v: Vec<f32> = (1..=100).map(|x| x as f32).collect();
        // 99% of 1..100 lie at or below 99 (the 99th of 100 sorted values, 0-based 98).
        assert_eq!(upper_clip(&v), 99.0);
        assert_eq!(upper_clip(&[0.2, 0.1]), 1.0, "at least 1");
        let h = histogram_shares(
            &[0.5, 1.5, 1.7, 9.0],
            Some(&[true, true, false, true]),
            2.0,
            2,
        );
        // Members 0.5, 1.5 and 9 (clamped into the last bin): one third, two thirds.
        assert_eq!(h.len(), 2);
        assert!((h[0].1 - 1.0 / 3.0).abs() < 1e-12 && (h[1].1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn histogram_by_hand() {
        let h = histogram(&[0.0, 0.5, 1.0, 1.5, 9.0, -3.0, f32::NAN], 0.0, 2.0, 2);
        // [0,1): 0, 0.5 and -3 (clamped); [1,2]: 1, 1.5 and 9 (clamped); NaN is skipped.
        assert_eq!(h, vec![(0.0, 3), (1.0, 3)]);
    }
}
