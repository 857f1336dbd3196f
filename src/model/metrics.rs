//! Model metrics, written here and tested against hand-computed values: AUC, log loss,
//! calibration and ECE, Qini curve and coefficient, AUUC, uplift at k%, and on data with ground
//! truth PEHE and the correlation of true and predicted uplift.
//!
//! Uplift curves sort customers by predicted uplift (highest first). With `n_t(k)`, `y_t(k)` the
//! treated customers and their conversions among the top k (same for control, `c`):
//! * Qini(k) = y_t(k) − y_c(k) · n_t(k) / n_c(k): incremental conversions if the top k were treated,
//!   per customer of the population (divided by N). The Qini coefficient is the area between this
//!   curve and the straight line of random targeting, over the fraction targeted 0..1.
//! * cumulative gain(k) = (y_t(k)/n_t(k) − y_c(k)/n_c(k)) · k/N. AUUC is its area over 0..1; the
//!   random baseline is overall uplift / 2.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve via the rank-sum statistic; ties share their average rank.
/// `None` if only one class is present.
pub fn auc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    let n_pos = labels.iter().filter(|&&l| l).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    Some((rank_sum_pos - (n_pos * (n_pos + 1)) as f64 / 2.0) / (n_pos * n_neg) as f64)
}

/// Mean binary cross-entropy, probabilities clipped to [1e-7, 1 − 1e-7].
pub fn log_loss(p: &[f32], labels: &[bool]) -> f64 {
    let sum: f64 = p
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = (p as f64).clamp(1e-7, 1.0 - 1e-7);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    sum / p.len().max(1) as f64
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// `n_bins` equal-width bins over [0, 1] (empty bins are left out) and the expected calibration
/// error: the count-weighted mean gap between predicted and observed rates.
pub fn calibration(p: &[f32], labels: &[bool], n_bins: usize) -> (Vec<CalibrationBin>, f64) {
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0f64; n_bins];
    let mut sum_y = vec![0.0f64; n_bins];
    for (&p, &y) in p.iter().zip(labels) {
        let b = ((p as f64 * n_bins as f64) as usize).min(n_bins - 1);
        count[b] += 1;
        sum_p[b] += p as f64;
        sum_y[b] += f64::from(u8::from(y));
    }
    let n = p.len().max(1) as f64;
    let mut ece = 0.0;
    let mut bins = Vec::new();
    for b in 0..n_bins {
        if count[b] == 0 {
            continue;
        }
        let (mp, obs) = (sum_p[b] / count[b] as f64, sum_y[b] / count[b] as f64);
        ece += count[b] as f64 / n * (mp - obs).abs();
        bins.push(CalibrationBin {
            lower: b as f64 / n_bins as f64,
            upper: (b + 1) as f64 / n_bins as f64,
            count: count[b],
            mean_predicted: mp,
            observed_rate: obs,
        });
    }
    (bins, ece)
}

/// Treated and control customers and their conversions, counted together.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub treated: usize,
    pub control: usize,
    pub treated_conversions: f64,
    pub control_conversions: f64,
}

impl Tally {
    pub fn add(&mut self, treated: bool, y: f32) {
        if treated {
            self.treated += 1;
            self.treated_conversions += y as f64;
        } else {
            self.control += 1;
            self.control_conversions += y as f64;
        }
    }

    /// Counts `rows` of `y` by `treated`.
    pub fn of(rows: &[usize], treated: impl Fn(usize) -> bool, y: &[f32]) -> Tally {
        let mut t = Tally::default();
        for &i in rows {
            t.add(treated(i), y[i]);
        }
        t
    }

    pub fn treated_rate(&self) -> f64 {
        self.treated_conversions / self.treated as f64
    }

    pub fn control_rate(&self) -> f64 {
        self.control_conversions / self.control as f64
    }

    /// Treated conversion rate minus control conversion rate (`None` if a side is empty).
    pub fn uplift(&self) -> Option<f64> {
        (self.treated > 0 && self.control > 0).then(|| self.treated_rate() - self.control_rate())
    }

    /// The binomial standard error of `uplift` (`None` if a side is empty).
    pub fn uplift_standard_error(&self) -> Option<f64> {
        (self.treated > 0 && self.control > 0).then(|| {
            let (rt, rc) = (self.treated_rate(), self.control_rate());
            (rt * (1.0 - rt) / self.treated as f64 + rc * (1.0 - rc) / self.control as f64).sqrt()
        })
    }
}

/// Uplift evaluation on a randomized treated/control sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpliftCurves {
    /// (fraction targeted, Qini value per customer), at most 101 points for charts.
    pub qini: Vec<(f64, f64)>,
    /// (fraction targeted, cumulative gain), at most 101 points.
    pub gain: Vec<(f64, f64)>,
    pub qini_coefficient: f64,
    pub auuc: f64,
    /// AUUC of random targeting: overall uplift / 2.
    pub auuc_random: f64,
    /// Observed uplift (treated rate − control rate) over everyone.
    pub overall_uplift: f64,
}

/// Qini and cumulative-gain curves for predicted uplift `score`, outcome `y` and treatment flag.
/// Returns `None` when there are no treated or no control customers.
pub fn uplift_curves(score: &[f32], y: &[f32], treated: &[bool]) -> Option<UpliftCurves> {
    let n = score.len();
    let (nt_all, nc_all) = (
        treated.iter().filter(|&&t| t).count(),
        treated.iter().filter(|&&t| !t).count(),
    );
    if nt_all == 0 || nc_all == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let (mut nt, mut nc, mut yt, mut yc) = (0.0, 0.0, 0.0, 0.0);
    let mut qini = Vec::with_capacity(n + 1);
    let mut gain = Vec::with_capacity(n + 1);
    qini.push((0.0, 0.0));
    gain.push((0.0, 0.0));
    let nf = n as f64;
    let mut i = 0;
    // Customers with equal scores enter together, so the curve does not depend on input order.
    while i < n {
        let mut j = i;
        while j + 1 < n && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            if treated[k] {
                nt += 1.0;
                yt += y[k] as f64;
            } else {
                nc += 1.0;
                yc += y[k] as f64;
            }
        }
        let x = (j + 1) as f64 / nf;
        let q = if nc > 0.0 { yt - yc * nt / nc } else { yt };
        let g = if nt > 0.0 && nc > 0.0 {
            (yt / nt - yc / nc) * x
        } else {
            0.0
        };
        qini.push((x, q / nf));
        gain.push((x, g));
        i = j + 1;
    }
    let area = |pts: &[(f64, f64)]| {
        pts.windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
            .sum::<f64>()
    };
    let qini_end = qini.last().map_or(0.0, |p| p.1);
    let overall_uplift = gain.last().map_or(0.0, |p| p.1);
    let curves = UpliftCurves {
        qini_coefficient: area(&qini) - qini_end / 2.0,
        auuc: area(&gain),
        auuc_random: overall_uplift / 2.0,
        overall_uplift,
        qini: thin(&qini, 101),
        gain: thin(&gain, 101),
    };
    Some(curves)
}

fn thin(pts: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if pts.len() <= max {
        return pts.to_vec();
    }
    (0..max)
        .map(|i| pts[i * (pts.len() - 1) / (max - 1)])
        .collect()
}

/// Observed uplift (treated rate − control rate) among the top `fraction` by predicted uplift.
pub fn uplift_at(score: &[f32], y: &[f32], treated: &[bool], fraction: f64) -> Option<f64> {
    if score.is_empty() {
        return None;
    }
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let k = ((score.len() as f64 * fraction).round() as usize).clamp(1, score.len());
    Tally::of(&idx[..k], |i| treated[i], y).uplift()
}

/// ROC curve: (false-positive rate, true-positive rate) as the threshold falls from the highest
/// score, tied scores entering together; at most `max_points` points (always both ends).
/// Empty when only one class is present.
pub fn roc_curve(scores: &[f32], labels: &[bool], max_points: usize) -> Vec<(f64, f64)> {
    let n_pos = labels.iter().filter(|&&l| l).count() as f64;
    let n_neg = labels.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return Vec::new();
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut pts = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            if labels[k] {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
        }
        pts.push((fp / n_neg, tp / n_pos));
        i = j + 1;
    }
    thin(&pts, max_points.max(2))
}

/// Observed and predicted uplift in one slice of customers ranked by predicted uplift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileUplift {
    /// 1 = the customers with the highest predicted uplift.
    pub decile: usize,
    pub treated: usize,
    pub control: usize,
    /// Treated conversion rate − control conversion rate in this slice (`None` if a side is empty).
    pub observed: Option<f64>,
    pub predicted: f64,
}

/// Splits customers into `n` equal slices by predicted uplift (highest first) and compares, in
/// each, the observed uplift (treated minus control rate) with the mean predicted uplift. A good
/// model's observed bars fall from left to right.
pub fn uplift_by_decile(score: &[f32], y: &[f32], treated: &[bool], n: usize) -> Vec<DecileUplift> {
    let len = score.len();
    if len == 0 || n == 0 {
        return Vec::new();
    }
    let mut idx: Vec<usize> = (0..len).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    (0..n)
        .filter_map(|d| {
            let rows = &idx[d * len / n..(d + 1) * len / n];
            if rows.is_empty() {
                return None;
            }
            let t = Tally::of(rows, |i| treated[i], y);
            Some(DecileUplift {
                decile: d + 1,
                treated: t.treated,
                control: t.control,
                observed: t.uplift(),
                predicted: rows.iter().map(|&i| score[i] as f64).sum::<f64>() / rows.len() as f64,
            })
        })
        .collect()
}

/// Precision in estimating heterogeneous effects: root mean squared error of predicted uplift.
pub fn pehe(predicted: &[f32], truth: &[f32]) -> f64 {
    let s: f64 = predicted
        .iter()
        .zip(truth)
        .map(|(&p, &t)| (p as f64 - t as f64).powi(2))
        .sum();
    (s / predicted.len().max(1) as f64).sqrt()
}

/// Pearson correlation; `None` when either side is constant.
pub fn correlation(a: &[f32], b: &[f32]) -> Option<f64> {
    let n = a.len() as f64;
    let ma = a.iter().map(|&x| x as f64).sum::<f64>() / n;
    let mb = b.iter().map(|&x| x as f64).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn roc_curve_by_hand() {
        // Scores 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.7 (neg), 0.1 (neg): two positives, three negatives.
        let s = [0.9, 0.8, 0.7, 0.7, 0.1];
        let l = [true, false, true, false, false];
        let roc = roc_curve(&s, &l, 100);
        let want = [
            (0.0, 0.0),
            (0.0, 0.5),
            (1.0 / 3.0, 0.5),
            (2.0 / 3.0, 1.0),
            (1.0, 1.0),
        ];
        assert_eq!(roc.len(), want.len());
        for (a, b) in roc.iter().zip(want) {
            assert!(close(a.0, b.0) && close(a.1, b.1), "{roc:?}");
        }
        // The area under these points is the AUC: 0.5·(1/3) + 0.75·(1/3) + 1·(1/3) = 0.75.
        let area: f64 = roc
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
            .sum();
        assert!(close(area, auc(&s, &l).unwrap()));
        assert!(roc_curve(&s, &[true; 5], 100).is_empty());
    }

    #[test]
    fn uplift_by_decile_by_hand() {
        // Four customers in two halves. Top half (scores 0.4, 0.3): treated bought, control did
        // not: observed uplift 1. Bottom half (0.2, 0.1): both bought: uplift 0.
        let s = [0.1, 0.4, 0.2, 0.3];
        let y = [1.0, 1.0, 1.0, 0.0];
        let t = [false, true, true, false];
        let d = uplift_by_decile(&s, &y, &t, 2);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].decile, d[0].treated, d[0].control), (1, 1, 1));
        assert!(close(d[0].observed.unwrap(), 1.0));
        assert!((d[0].predicted - 0.35).abs() < 1e-6);
        assert!(close(d[1].observed.unwrap(), 0.0));
        assert!((d[1].predicted - 0.15).abs() < 1e-6);
        // A slice with no control customers has no observed uplift.
        let one_sided = uplift_by_decile(&s, &y, &[true, true, false, true], 2);
        assert_eq!(one_sided[0].observed, None);
    }

    #[test]
    fn auc_by_hand() {
        // Positives 0.8, 0.4; negatives 0.6, 0.2: pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) = 3/4.
        assert!(close(
            auc(&[0.8, 0.6, 0.4, 0.2], &[true, false, true, false]).unwrap(),
            0.75
        ));
        // A tie between a positive and a negative counts one half.
        assert!(close(auc(&[0.5, 0.5], &[true, false]).unwrap(), 0.5));
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn log_loss_by_hand() {
        let expected = -(0.8f64.ln() + 0.5f64.ln()) / 2.0;
        assert!((log_loss(&[0.8, 0.5], &[true, false]) - expected).abs() < 1e-6);
    }

    #[test]
    fn calibration_by_hand() {
        // Bin [0.1,0.2): p 0.1, 0.1 with outcomes 0, 1 -> gap 0.4; bin [0.9,1]: p 0.9 outcome 1 -> gap 0.1.
        let (bins, ece) = calibration(&[0.1, 0.1, 0.9], &[false, true, true], 10);
        assert_eq!(bins.len(), 2);
        assert_eq!(bins[0].count, 2);
        assert!((bins[0].observed_rate - 0.5).abs() < 1e-9);
        assert!((ece - (2.0 / 3.0 * 0.4 + 1.0 / 3.0 * 0.1)).abs() < 1e-6);
    }

    #[test]
    fn qini_and_gain_by_hand() {
        // Sorted by score: T1(y=1), C(y=0), T(y=0), C(y=1).
        let score = [0.9, 0.7, 0.5, 0.3];
        let y = [1.0, 0.0, 0.0, 1.0];
        let treated = [true, false, true, false];
        let c = uplift_curves(&score, &y, &treated).unwrap();
        // Qini per customer at k=1..4: (1-0)/4, (1-0)/4, (1-0*2/1)/4, (1-1*2/2)/4 = .25 .25 .25 0
        let q: Vec<f64> = c.qini.iter().map(|p| p.1).collect();
        assert_eq!(q, vec![0.0, 0.25, 0.25, 0.25, 0.0]);
        // Area: .25*(.125)+.25*.25+.25*.25+.25*.125 = 0.1875; random line ends at 0 -> coefficient 0.1875.
        assert!(close(c.qini_coefficient, 0.1875));
        // Gain: k=1 no control -> 0; k=2: (1/1-0/1)*.5=.5; k=3: (1/2-0)*.75=.375; k=4: (1/2-1/2)*1=0.
        let g: Vec<f64> = c.gain.iter().map(|p| p.1).collect();
        assert_eq!(g, vec![0.0, 0.0, 0.5, 0.375, 0.0]);
        assert!(close(
            c.auuc,
            0.25 * (0.0 + 0.5) / 2.0 + 0.25 * (0.5 + 0.375) / 2.0 + 0.25 * 0.375 / 2.0
        ));
        assert!(close(c.overall_uplift, 0.0));
        assert!(close(uplift_at(&score, &y, &treated, 0.5).unwrap(), 1.0));
        assert_eq!(uplift_at(&[], &[], &[], 0.1), None);
    }

    #[test]
    fn random_scores_have_qini_near_zero_and_perfect_order_is_positive() {
        // Treated customers with y=1 first: an informative ranking has a positive coefficient.
        let n = 1000;
        let treated: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
        let y: Vec<f32> = (0..n)
            .map(|i| if i % 2 == 0 && i < 500 { 1.0 } else { 0.0 })
            .collect();
        let good: Vec<f32> = (0..n).map(|i| (n - i) as f32).collect();
        let flat = vec![0.0f32; n];
        assert!(uplift_curves(&good, &y, &treated).unwrap().qini_coefficient > 0.05);
        assert!(close(
            uplift_curves(&flat, &y, &treated).unwrap().qini_coefficient,
            0.0
        ));
    }

    #[test]
    fn pehe_and_correlation_by_hand() {
        assert!(close(pehe(&[1.0, 3.0], &[0.0, 3.0]), (0.5f64).sqrt()));
        assert!(close(
            correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap(),
            1.0
        ));
        assert_eq!(correlation(&[1.0, 1.0], &[1.0, 2.0]), None);
    }
}
