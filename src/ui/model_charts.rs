//! A trained model's test results as charts: headline metrics, ROC, calibration, per offer the Qini
//! curve and uplift by decile, permutation feature importance and recovered elasticities.

use super::chart_style::NiceAxes;
use super::glossary;
use crate::model::evaluate::{ArmEvaluation, Evaluation, SegmentElasticity};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, Points};

const CHART_HEIGHT: f32 = 170.0;

/// Formats an optional figure, "n/a" when there is none.
fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.digits$}"))
}

/// The charts of `m` under `title` (what was evaluated).
pub fn show(ui: &mut egui::Ui, title: &str, m: &Evaluation) {
    ui.strong(title);
    egui::Grid::new("headline").num_columns(2).show(ui, |ui| {
        glossary::row(ui, "AUC", opt(m.auc, 3), glossary::AUC);
        glossary::row(
            ui,
            "log loss",
            format!("{:.4}", m.log_loss),
            glossary::LOG_LOSS,
        );
        glossary::row(
            ui,
            "calibration error (ECE)",
            format!("{:.4}", m.ece),
            glossary::ECE,
        );
    });
    ui.columns(2, |cols| {
        cols[0].label("ROC curve").on_hover_text(glossary::ROC);
        let roc: Vec<[f64; 2]> = m.roc.iter().map(|&(x, y)| [x, y]).collect();
        Plot::new("roc")
            .nice_y()
            .nice_x()
            .allow_scroll(false)
            .height(CHART_HEIGHT)
            .include_x(0.0)
            .include_x(1.0)
            .include_y(0.0)
            .include_y(1.0)
            .legend(Legend::default())
            .x_axis_label("non-buyers flagged")
            .y_axis_label("buyers found")
            .show(&mut cols[0], |p| {
                p.line(Line::new("model", roc));
                p.line(Line::new("coin toss", vec![[0.0, 0.0], [1.0, 1.0]]));
            });
        cols[1]
            .label("Calibration")
            .on_hover_text(glossary::CALIBRATION);
        let points: Vec<[f64; 2]> = m
            .calibration
            .iter()
            .map(|b| [b.mean_predicted, b.observed_rate])
            .collect();
        let top = points
            .iter()
            .flat_map(|p| [p[0], p[1]])
            .fold(0.05, f64::max);
        Plot::new("calibration")
            .nice_y()
            .nice_x()
            .allow_scroll(false)
            .height(CHART_HEIGHT)
            .legend(Legend::default())
            .x_axis_label("predicted chance to buy")
            .y_axis_label("share that bought")
            .show(&mut cols[1], |p| {
                p.line(Line::new("perfect", vec![[0.0, 0.0], [top, top]]));
                p.line(Line::new("model", points.clone()));
                p.points(Points::new("groups", points).radius(3.0));
            });
    });
    for arm in &m.arms {
        arm_section(ui, arm);
    }
    importance(ui, m);
    elasticity_grid(
        ui,
        "elasticity",
        "Price elasticity per hidden segment (sample data)",
        &m.elasticity,
    );
    elasticity_grid(
        ui,
        "elasticity-rfm",
        "Price elasticity per customer segment (RFM, as targeted and priced; sample data)",
        &m.elasticity_by_rfm_segment,
    );
    elasticity_grid(
        ui,
        "elasticity-fifths",
        "Price elasticity per fifth of the customers by the model's estimate (sample data)",
        &m.elasticity_by_prediction,
    );
    if let Some(note) = crate::model::evaluate::elasticity_ranking_note(&m.elasticity_by_prediction)
    {
        ui.label(note);
    }
}

/// True vs recovered elasticity, one row per group of customers.
fn elasticity_grid(ui: &mut egui::Ui, id: &str, title: &str, list: &[SegmentElasticity]) {
    if list.is_empty() {
        return;
    }
    ui.label(title).on_hover_text(glossary::ELASTICITY);
    egui::Grid::new(id).striped(true).show(ui, |ui| {
        for h in ["customers of", "count", "true", "recovered", "error"] {
            ui.strong(h);
        }
        ui.end_row();
        for e in list {
            ui.label(&e.segment);
            ui.label(e.customers.to_string());
            ui.label(format!("{:+.3}", e.true_elasticity));
            ui.label(format!("{:+.3}", e.estimated));
            ui.label(format!("{:.0}%", 100.0 * e.relative_error));
            ui.end_row();
        }
    });
}

fn arm_section(ui: &mut egui::Ui, arm: &ArmEvaluation) {
    ui.separator();
    ui.strong(format!(
        "{} vs control ({} treated, {} control customers)",
        arm.arm, arm.treated_rows, arm.control_rows
    ));
    egui::Grid::new(format!("arm-{}", arm.arm))
        .num_columns(2)
        .show(ui, |ui| {
            if let Some(c) = &arm.curves {
                glossary::row(
                    ui,
                    "Qini coefficient",
                    format!("{:.5}", c.qini_coefficient),
                    glossary::QINI,
                );
                glossary::row(
                    ui,
                    "AUUC",
                    format!("{:.5} (random targeting {:.5})", c.auuc, c.auuc_random),
                    glossary::AUUC,
                );
            }
            glossary::row(
                ui,
                "uplift at 10% / 30%",
                format!(
                    "{} / {}",
                    opt(arm.uplift_at_10pct, 4),
                    opt(arm.uplift_at_30pct, 4)
                ),
                glossary::UPLIFT_AT,
            );
            if let Some(p) = arm.pehe {
                glossary::row(ui, "PEHE", format!("{p:.4}"), glossary::PEHE);
                glossary::row(
                    ui,
                    "correlation with true uplift",
                    opt(arm.truth_correlation, 3),
                    glossary::TRUTH_CORRELATION,
                );
            }
        });
    ui.columns(2, |cols| {
        if let Some(c) = &arm.curves {
            cols[0].label("Qini curve").on_hover_text(glossary::QINI);
            let curve: Vec<[f64; 2]> = c.qini.iter().map(|&(x, y)| [x, y]).collect();
            let end = c.qini.last().map_or(0.0, |p| p.1);
            Plot::new(format!("qini-{}", arm.arm))
                .nice_y()
                .nice_x()
                .allow_scroll(false)
                .height(CHART_HEIGHT)
                .legend(Legend::default())
                .x_axis_label("share targeted")
                .y_axis_label("extra buyers")
                .show(&mut cols[0], |p| {
                    p.line(Line::new("model", curve));
                    p.line(Line::new("random targeting", vec![[0.0, 0.0], [1.0, end]]));
                });
        }
        cols[1]
            .label("Uplift by decile")
            .on_hover_text(glossary::DECILES);
        let bars: Vec<Bar> = arm
            .deciles
            .iter()
            .filter_map(|d| Some(Bar::new(d.decile as f64, d.observed?).width(0.7)))
            .collect();
        let predicted: Vec<[f64; 2]> = arm
            .deciles
            .iter()
            .map(|d| [d.decile as f64, d.predicted])
            .collect();
        Plot::new(format!("deciles-{}", arm.arm))
            .nice_y()
            .numbered_x(1, 10)
            .allow_scroll(false)
            .height(CHART_HEIGHT)
            .legend(Legend::default())
            .x_axis_label("decile (1 = most persuadable)")
            .show(&mut cols[1], |p| {
                p.bar_chart(BarChart::new("observed uplift", bars));
                p.points(Points::new("predicted uplift", predicted).radius(4.0));
            });
    });
}

/// Horizontal bars of the most important features, the most important on top.
fn importance(ui: &mut egui::Ui, m: &Evaluation) {
    let top: Vec<_> = m.feature_importance.iter().take(12).collect();
    if top.is_empty() {
        return;
    }
    ui.separator();
    let by_uplift = top[0].uplift_change.is_some();
    ui.label(if by_uplift {
        "Feature importance (how much the predicted uplift moves when the feature is shuffled)"
    } else {
        "Feature importance (how much the log loss worsens when the feature is shuffled)"
    })
    .on_hover_text(glossary::IMPORTANCE);
    let n = top.len();
    let bars: Vec<Bar> = top
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let value = f.uplift_change.unwrap_or(f.log_loss_increase);
            Bar::new((n - 1 - k) as f64, value)
                .width(0.7)
                .name(&f.feature)
        })
        .collect();
    let names: Vec<String> = top.iter().map(|f| f.feature.clone()).collect();
    Plot::new("importance")
        .allow_scroll(false)
        .height(22.0 * n as f32 + 40.0)
        .y_axis_formatter(move |mark, _| {
            let k = mark.value.round();
            if (mark.value - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < n {
                names[n - 1 - k as usize].clone()
            } else {
                String::new()
            }
        })
        .y_axis_min_width(130.0)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("importance", bars).horizontal());
        });
}
