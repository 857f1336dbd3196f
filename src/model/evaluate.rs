//! Honest model evaluation on held-out rows: classification metrics of the observed arm, and per
//! offer arm the uplift metrics against the randomized control; with ground truth, PEHE too.

use super::dataset::Dataset;
use super::metrics::{self, CalibrationBin, DecileUplift, UpliftCurves};
use super::train::Scores;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArmEvaluation {
    pub arm: String,
    pub treated_rows: usize,
    pub control_rows: usize,
    pub curves: Option<UpliftCurves>,
    pub uplift_at_10pct: Option<f64>,
    pub uplift_at_30pct: Option<f64>,
    /// Mean predicted uplift over the evaluated rows of this arm and control.
    pub mean_predicted_uplift: f64,
    /// Root mean squared error of predicted against true uplift (sample data only).
    pub pehe: Option<f64>,
    pub truth_correlation: Option<f64>,
    /// Observed vs predicted uplift in ten slices by predicted uplift.
    #[serde(default)]
    pub deciles: Vec<DecileUplift>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    pub rows: usize,
    pub auc: Option<f64>,
    pub log_loss: f64,
    pub ece: f64,
    pub calibration: Vec<CalibrationBin>,
    pub arms: Vec<ArmEvaluation>,
    /// Response model on sample data: recovered price elasticity per true segment.
    #[serde(default)]
    pub elasticity: Vec<SegmentElasticity>,
    /// Response model on sample data: the same per RFM segment (the observable segments a
    /// marketer targets and prices).
    #[serde(default)]
    pub elasticity_by_rfm_segment: Vec<SegmentElasticity>,
    /// Response model on sample data: the same per fifth of the customers by the model's own
    /// estimate, most elastic first (does the truth follow the model's ranking and level?).
    #[serde(default)]
    pub elasticity_by_prediction: Vec<SegmentElasticity>,
    /// ROC curve of the observed arm's purchase probability (at most 101 points).
    #[serde(default)]
    pub roc: Vec<(f64, f64)>,
    /// Permutation importance on the evaluated rows, most important first.
    #[serde(default)]
    pub feature_importance: Vec<FeatureImportance>,
}

/// How much the model leans on one feature: its values are shuffled among the evaluated
/// customers and the predictions compared with the unshuffled ones.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeatureImportance {
    pub feature: String,
    /// Rise in test log loss (purchase prediction gets worse by this much).
    pub log_loss_increase: f64,
    /// Mean absolute change of the predicted uplift over all offers (uplift models only).
    pub uplift_change: Option<f64>,
}

/// Conversion elasticity with respect to price at the list price (−sensitivity × (1 − p)),
/// averaged over a segment's customers: what the model recovered and what is true.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentElasticity {
    pub segment: String,
    pub customers: usize,
    pub true_elasticity: f64,
    pub estimated: f64,
    pub relative_error: f64,
}

/// Whether the truth follows the model's ranking of elasticities: small errors per fifth mean
/// little when the true elasticity is the same in every fifth (a flat estimate has them too).
pub fn elasticity_ranking_note(fifths: &[SegmentElasticity]) -> Option<String> {
    let (first, last) = (fifths.first()?, fifths.last()?);
    let ordered = fifths
        .windows(2)
        .all(|w| w[0].true_elasticity < w[1].true_elasticity);
    let ratio = first.true_elasticity / last.true_elasticity;
    Some(if ordered && ratio >= 1.5 {
        format!(
            "The truth follows the model's ranking: customers in the first fifth are {ratio:.1}x as price-sensitive as those in the last."
        )
    } else {
        format!(
            "The true elasticity barely differs between the fifths ({:+.2} in the first, {:+.2} in the last): this model does not tell price-sensitive customers from the rest, however small the errors.",
            first.true_elasticity, last.true_elasticity
        )
    })
}

/// Evaluates `scores` on `ds`. `truth_uplift[arm]` optionally holds each row's true uplift.
pub fn evaluate(ds: &Dataset, scores: &Scores, truth_uplift: Option<&[Vec<f32>]>) -> Evaluation {
    let (observed, labels) = observed_arm(ds, scores);
    let (calibration, ece) = metrics::calibration(&observed, &labels, 10);
    let mut arms = Vec::new();
    if scores.n_arms > 1 {
        for a in 1..scores.n_arms {
            let rows: Vec<usize> = (0..ds.n())
                .filter(|&i| ds.arm[i] == a || ds.arm[i] == 0)
                .collect();
            let all = scores.uplift(a);
            let score: Vec<f32> = rows.iter().map(|&i| all[i]).collect();
            let y: Vec<f32> = rows.iter().map(|&i| ds.y[i]).collect();
            let treated: Vec<bool> = rows.iter().map(|&i| ds.arm[i] == a).collect();
            let (pehe, truth_correlation) = match truth_uplift.and_then(|t| t.get(a)) {
                Some(t) => (Some(metrics::pehe(&all, t)), metrics::correlation(&all, t)),
                None => (None, None),
            };
            arms.push(ArmEvaluation {
                arm: ds.arm_names[a].clone(),
                treated_rows: treated.iter().filter(|&&t| t).count(),
                control_rows: treated.iter().filter(|&&t| !t).count(),
                curves: metrics::uplift_curves(&score, &y, &treated),
                uplift_at_10pct: metrics::uplift_at(&score, &y, &treated, 0.1),
                uplift_at_30pct: metrics::uplift_at(&score, &y, &treated, 0.3),
                mean_predicted_uplift: score.iter().map(|&s| s as f64).sum::<f64>()
                    / score.len().max(1) as f64,
                pehe,
                truth_correlation,
                deciles: metrics::uplift_by_decile(&score, &y, &treated, 10),
            });
        }
    }
    Evaluation {
        rows: ds.n(),
        auc: metrics::auc(&observed, &labels),
        log_loss: metrics::log_loss(&observed, &labels),
        ece,
        calibration,
        arms,
        elasticity: Vec::new(),
        elasticity_by_rfm_segment: Vec::new(),
        elasticity_by_prediction: Vec::new(),
        roc: metrics::roc_curve(&observed, &labels, 101),
        feature_importance: Vec::new(),
    }
}

/// Each row's predicted purchase probability under the arm it actually got, and its outcome.
fn observed_arm(ds: &Dataset, scores: &Scores) -> (Vec<f32>, Vec<bool>) {
    let observed = (0..ds.n())
        .map(|i| scores.p(i, ds.arm[i].min(scores.n_arms - 1)))
        .collect();
    (observed, ds.y.iter().map(|&y| y > 0.5).collect())
}

/// One feature's permutation importance: `shuffled` are the scores of the same rows with that
/// feature's values shuffled among them.
pub fn permutation_importance(
    feature: &str,
    ds: &Dataset,
    base: &Scores,
    shuffled: &Scores,
) -> FeatureImportance {
    let loss = |s: &Scores| {
        let (p, labels) = observed_arm(ds, s);
        metrics::log_loss(&p, &labels)
    };
    let uplift_change = (base.n_arms > 1).then(|| {
        let arms = base.n_arms - 1;
        let total: f64 = (1..base.n_arms)
            .map(|a| {
                let (u, v) = (base.uplift(a), shuffled.uplift(a));
                u.iter()
                    .zip(&v)
                    .map(|(x, y)| (x - y).abs() as f64)
                    .sum::<f64>()
            })
            .sum();
        total / (arms * ds.n()).max(1) as f64
    });
    FeatureImportance {
        feature: feature.to_string(),
        log_loss_increase: loss(shuffled) - loss(base),
        uplift_change,
    }
}

impl Evaluation {
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let auc = self.auc.map_or("n/a".into(), |a| format!("{a:.4}"));
        let _ = writeln!(
            s,
            "rows evaluated: {}   AUC {auc}   log loss {:.4}   ECE {:.4}",
            self.rows, self.log_loss, self.ece
        );
        for a in &self.arms {
            let _ = write!(
                s,
                "  {} vs control ({} treated, {} control): ",
                a.arm, a.treated_rows, a.control_rows
            );
            match &a.curves {
                Some(c) => {
                    let _ = write!(
                        s,
                        "Qini {:.5}  AUUC {:.5} (random {:.5})",
                        c.qini_coefficient, c.auuc, c.auuc_random
                    );
                }
                None => s.push_str("no curves (an arm is empty)"),
            }
            let f = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{v:+.4}"));
            let _ = write!(
                s,
                "  uplift@10% {}  @30% {}",
                f(a.uplift_at_10pct),
                f(a.uplift_at_30pct)
            );
            if let Some(p) = a.pehe {
                let _ = write!(
                    s,
                    "  PEHE {p:.4}  corr(true, predicted) {}",
                    a.truth_correlation
                        .map_or("n/a".into(), |c| format!("{c:.3}"))
                );
            }
            s.push('\n');
        }
        if !self.feature_importance.is_empty() {
            let top: Vec<String> = self
                .feature_importance
                .iter()
                .take(5)
                .map(|f| match f.uplift_change {
                    Some(u) => format!("{} (uplift moves {u:.4})", f.feature),
                    None => format!("{} (log loss +{:.4})", f.feature, f.log_loss_increase),
                })
                .collect();
            let _ = writeln!(
                s,
                "  features the model leans on most (values shuffled): {}",
                top.join(", ")
            );
        }
        for (title, list) in [
            (
                "price elasticity of conversion per hidden segment (true vs recovered)",
                &self.elasticity,
            ),
            (
                "price elasticity per customer segment (RFM, as targeted and priced; true vs recovered)",
                &self.elasticity_by_rfm_segment,
            ),
            (
                "price elasticity per fifth of the customers by the model's estimate (true vs recovered)",
                &self.elasticity_by_prediction,
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(s, "  {title}:");
            for e in list {
                let _ = writeln!(
                    s,
                    "    {:<22} {:>5} customers  true {:+.3}  recovered {:+.3}  error {:.0}%",
                    e.segment,
                    e.customers,
                    e.true_elasticity,
                    e.estimated,
                    100.0 * e.relative_error
                );
            }
        }
        if let Some(note) = elasticity_ranking_note(&self.elasticity_by_prediction) {
            let _ = writeln!(s, "    {note}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elasticity_ranking_note_tells_a_real_ranking_from_a_flat_one() {
        let fifths = |t: [f64; 5]| -> Vec<SegmentElasticity> {
            t.iter()
                .map(|&t| SegmentElasticity {
                    segment: String::new(),
                    customers: 10,
                    true_elasticity: t,
                    estimated: t,
                    relative_error: 0.0,
                })
                .collect()
        };
        let real = elasticity_ranking_note(&fifths([-8.0, -5.0, -4.0, -3.0, -2.0])).unwrap();
        assert!(real.contains("4.0x"), "{real}");
        let flat = elasticity_ranking_note(&fifths([-4.2, -4.3, -4.3, -4.7, -4.3])).unwrap();
        assert!(flat.contains("barely differs"), "{flat}");
        assert!(elasticity_ranking_note(&[]).is_none());
    }
}
