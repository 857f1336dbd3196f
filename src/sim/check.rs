//! The model checked against the randomized control group: on the held-out customers of the
//! past campaign, the uplift the model predicts is compared with the uplift observed (treated
//! minus control buying rate), per offer and per third of customers by predicted uplift. A
//! factor fitted through the cells says whether the model under- or overstates uplift, and how
//! precisely the control group can tell; the same is fitted for buying without an offer on the
//! held-out control customers. Both errors are included in the scenario intervals (the bootstrap
//! members alone miss a model's systematic bias).

use crate::model::metrics::Tally;
use serde::Serialize;

/// One offer × group comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckCell {
    pub arm: String,
    /// 1 = the third with the highest predicted uplift.
    pub group: usize,
    pub treated: usize,
    pub control: usize,
    /// Mean predicted uplift over the group's customers.
    pub predicted: f64,
    /// Treated buying rate minus control buying rate.
    pub observed: f64,
    /// Standard error of `observed` (binomial).
    pub standard_error: f64,
}

/// The check's cells and the relative error of predicted uplift they imply.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpliftCheck {
    pub cells: Vec<CheckCell>,
    /// Observed uplift ≈ factor × predicted over `cells` (factor 1 = the model is right on
    /// average; 1.2 = true uplift is 20% larger than predicted).
    pub uplift: Fit,
    /// Customers compared.
    pub customers: usize,
    /// The same check of buying without an offer: held-out control customers in as many groups
    /// by predicted probability as the uplift check (`arm` "no offer", `treated` 0; `observed`
    /// is the buying rate).
    pub baseline_cells: Vec<CheckCell>,
    pub baseline: Fit,
}

/// Observed ≈ factor × predicted over a set of cells, fitted by least squares weighted by 1/se².
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Fit {
    pub factor: f64,
    /// Standard error of `factor` (how precisely the control group pins it down).
    pub factor_se: f64,
    /// Scatter of the cells around factor × predicted beyond sampling noise, relative to the
    /// predictions: sqrt(max(0, Σ[(obs − factor·pred)² − se²]) / Σ pred²).
    pub scatter: f64,
    /// The relative error the intervals use: sqrt((factor − 1)² + factor_se² + scatter²).
    pub relative_sd: f64,
}

/// Fits observed ≈ factor × predicted by least squares weighted by 1/se²; the scatter is what
/// is left beyond sampling noise, relative to the predictions.
pub fn fit(cells: &[CheckCell]) -> Fit {
    let weight = |c: &CheckCell| 1.0 / c.standard_error.powi(2).max(1e-12);
    let sxx: f64 = cells.iter().map(|c| weight(c) * c.predicted.powi(2)).sum();
    let sxy: f64 = cells
        .iter()
        .map(|c| weight(c) * c.predicted * c.observed)
        .sum();
    if cells.is_empty() || sxx <= 0.0 {
        return Fit::default();
    }
    let factor = sxy / sxx;
    let factor_se = 1.0 / sxx.sqrt();
    let excess: f64 = cells
        .iter()
        .map(|c| (c.observed - factor * c.predicted).powi(2) - c.standard_error.powi(2))
        .sum();
    let scale: f64 = cells.iter().map(|c| c.predicted.powi(2)).sum();
    let scatter = (excess.max(0.0) / scale).sqrt();
    Fit {
        factor,
        factor_se,
        scatter,
        relative_sd: ((factor - 1.0).powi(2) + factor_se.powi(2) + scatter.powi(2)).sqrt(),
    }
}

/// Held-out control customers in `groups` equal parts by predicted buying probability `p0`:
/// predicted against observed buying rate.
fn baseline_cells(arm: &[usize], y: &[f32], p0: &[f32], groups: usize) -> Vec<CheckCell> {
    let mut rows: Vec<usize> = (0..arm.len()).filter(|&i| arm[i] == 0).collect();
    rows.sort_by(|&i, &j| p0[j].total_cmp(&p0[i]).then(i.cmp(&j)));
    let n = rows.len();
    (0..groups)
        .filter_map(|g| {
            let part = &rows[g * n / groups..(g + 1) * n / groups];
            if part.len() < MIN_CELL {
                return None;
            }
            let rate = part.iter().map(|&i| y[i] as f64).sum::<f64>() / part.len() as f64;
            Some(CheckCell {
                arm: "no offer".into(),
                group: g + 1,
                treated: 0,
                control: part.len(),
                predicted: part.iter().map(|&i| p0[i] as f64).sum::<f64>() / part.len() as f64,
                observed: rate,
                // At least one buyer's worth, so a group with no buyers is not certain.
                standard_error: (rate.max(1.0 / part.len() as f64) * (1.0 - rate)
                    / part.len() as f64)
                    .sqrt(),
            })
        })
        .collect()
}

/// Cells with fewer treated or control customers than this are left out (too noisy).
pub const MIN_CELL: usize = 30;

/// Compares predicted and observed uplift. `arm[i]` is the offer customer i got (0 = control),
/// `y[i]` whether they bought, `p[a][i]` the model's buying probability under arm `a`.
pub fn uplift_check(
    arm_names: &[String],
    arm: &[usize],
    y: &[f32],
    p: &[Vec<f32>],
    groups: usize,
) -> UpliftCheck {
    let groups = groups.max(1);
    let mut cells = Vec::new();
    for a in 1..p.len().min(arm_names.len()) {
        let mut rows: Vec<usize> = (0..arm.len())
            .filter(|&i| arm[i] == a || arm[i] == 0)
            .collect();
        let uplift = |i: usize| p[a][i] as f64 - p[0][i] as f64;
        rows.sort_by(|&i, &j| uplift(j).total_cmp(&uplift(i)).then(i.cmp(&j)));
        let n = rows.len();
        for g in 0..groups {
            let part = &rows[g * n / groups..(g + 1) * n / groups];
            let t = Tally::of(part, |i| arm[i] == a, y);
            let (nt, nc) = (t.treated, t.control);
            if nt < MIN_CELL || nc < MIN_CELL {
                continue;
            }
            cells.push(CheckCell {
                arm: arm_names[a].clone(),
                group: g + 1,
                treated: nt,
                control: nc,
                predicted: part.iter().map(|&i| uplift(i)).sum::<f64>() / part.len() as f64,
                // Both sides have customers (MIN_CELL each).
                observed: t.uplift().unwrap_or(0.0),
                standard_error: t.uplift_standard_error().unwrap_or(0.0),
            });
        }
    }
    let baseline_cells = p
        .first()
        .map_or_else(Vec::new, |p0| baseline_cells(arm, y, p0, groups));
    UpliftCheck {
        uplift: fit(&cells),
        customers: arm.len(),
        cells,
        baseline: fit(&baseline_cells),
        baseline_cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_by_hand() {
        // One offer, one group: 100 treated of whom 30 bought, 100 control of whom 10 bought.
        // Observed uplift 0.2; the model predicts 0.1 for everyone.
        let mut arm = vec![1; 100];
        arm.extend(vec![0; 100]);
        let mut y = vec![0.0; 200];
        y[..30].iter_mut().for_each(|v| *v = 1.0);
        y[100..110].iter_mut().for_each(|v| *v = 1.0);
        let p = vec![vec![0.1f32; 200], vec![0.2f32; 200]];
        let names = vec!["control".to_string(), "offer".to_string()];
        let c = uplift_check(&names, &arm, &y, &p, 1);
        assert_eq!(c.cells.len(), 1);
        let cell = &c.cells[0];
        assert!((cell.observed - 0.2).abs() < 1e-12);
        assert!((cell.predicted - 0.1).abs() < 1e-6);
        let se2: f64 = 0.3 * 0.7 / 100.0 + 0.1 * 0.9 / 100.0;
        assert!((cell.standard_error - se2.sqrt()).abs() < 1e-12);
        // One cell: the factor is observed / predicted = 2, known to ± se / predicted; no
        // scatter is left around it.
        let pred = cell.predicted;
        assert!((c.uplift.factor - 0.2 / pred).abs() < 1e-9);
        assert!((c.uplift.factor_se - se2.sqrt() / pred).abs() < 1e-9);
        assert_eq!(c.uplift.scatter, 0.0);
        let want = ((c.uplift.factor - 1.0).powi(2) + c.uplift.factor_se.powi(2)).sqrt();
        assert!((c.uplift.relative_sd - want).abs() < 1e-12);
        // A model that predicts the observed uplift keeps only the check's own precision.
        let exact = vec![vec![0.1f32; 200], vec![0.3f32; 200]];
        let e = uplift_check(&names, &arm, &y, &exact, 1);
        assert!((e.uplift.factor - 1.0).abs() < 1e-6);
        assert!((e.uplift.relative_sd - e.uplift.factor_se).abs() < 1e-6);
        // Buying without an offer: 100 control customers, 10 bought, 0.1 predicted: factor 1.
        assert_eq!(c.baseline_cells.len(), 1);
        assert!((c.baseline.factor - 1.0).abs() < 1e-6, "{:?}", c.baseline);
        assert!((c.baseline.factor_se - (0.1f64 * 0.9 / 100.0).sqrt() / 0.1).abs() < 1e-5);
        // Groups too small to judge are left out.
        assert!(uplift_check(&names, &arm, &y, &p, 10).cells.is_empty());
    }
}
