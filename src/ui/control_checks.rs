//! The model and the plan checked against the past campaign's randomized control group, each as
//! a line that opens into its table (the numbers come from `sim::check` and `sim::holdout`).

use super::glossary;
use crate::sim::check::{MoneyCell, UpliftCheck, Verdict};
use crate::sim::holdout::{ChannelCheck, PlanCheck};

/// The plan checked against the past campaign's held-out customers, in a line and a table.
pub fn plan_check(ui: &mut egui::Ui, c: &PlanCheck) {
    let judged = c.offers.iter().any(|o| o.observed.judged);
    let title = match c.profit {
        // (Kept short: the table explains.)
        Some(f) if judged => format!(
            "Plan check vs the past campaign: profit before sending {:.0} ± {:.0} observed, {:.0} expected; conversions {:.0} ± {:.0}, {:.0}",
            f.observed,
            f.standard_error,
            f.predicted,
            c.observed_buyers,
            c.observed_buyers_se,
            c.predicted_buyers
        ),
        _ if judged => format!(
            "Plan check vs the past campaign: among the held-out customers it sends offers to, {:.0} ± {:.0} incremental conversions observed, {:.0} expected",
            c.observed_buyers, c.observed_buyers_se, c.predicted_buyers
        ),
        _ => "Plan check vs the past campaign: too few customers to judge".to_string(),
    };
    egui::CollapsingHeader::new(title)
        .id_salt("plan_check")
        .show(ui, |ui| {
            ui.label(format!(
                "{} held-out customers of the past campaign. {}",
                c.customers,
                glossary::PLAN_CHECK
            ));
            egui::Grid::new("plan_check_offers")
                .striped(true)
                .show(ui, |ui| {
                    for h in [
                        "offer",
                        "sent to",
                        "uplift: expected",
                        "observed",
                        "± (1 se)",
                        "not sent to",
                        "±",
                        "profit each: expected",
                        "observed",
                        "±",
                        "model",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    // (+ 0.0 turns a negative zero into a plain one.)
                    let points = |x: f64| format!("{:+.1}", 100.0 * x + 0.0);
                    for o in &c.offers {
                        ui.label(&o.offer);
                        ui.label(o.planned.to_string());
                        ui.label(if o.planned == 0 {
                            "-".to_string()
                        } else {
                            points(o.predicted)
                        });
                        for side in [&o.observed, &o.others] {
                            if side.judged {
                                ui.label(points(side.uplift));
                                ui.label(format!("{:.1}", 100.0 * side.standard_error));
                            } else {
                                ui.label("too few");
                                ui.label("");
                            }
                        }
                        match o.profit {
                            Some(f) => {
                                ui.label(format!("{:+.2}", f.predicted));
                                ui.label(format!("{:+.2}", f.observed));
                                ui.label(format!("{:.2}", f.standard_error));
                                verdict_label(ui, f.verdict());
                            }
                            None => {
                                ui.label("-");
                                ui.label("");
                                ui.label("");
                                ui.weak(c.unjudged(&o.offer));
                            }
                        }
                        ui.end_row();
                    }
                });
            for name in &c.unchecked {
                ui.label(format!("{name}: the past campaign never made this offer."));
            }
        });
    overstated_warning(ui, c);
}

/// A warning line naming the plan's offers the model overstates (nothing when there are none).
pub fn overstated_warning(ui: &mut egui::Ui, c: &PlanCheck) {
    let overstated = c.overstated();
    if !overstated.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "Warning: {}: the expected profit per customer is above what the past campaign shows for the customers the plan sends it to, by more than two standard errors; read its figures as optimistic.",
                overstated.join(", ")
            ),
        )
        .on_hover_text(glossary::PLAN_CHECK);
    }
}

/// A prediction's verdict against the control group, in a table cell.
pub fn verdict_label(ui: &mut egui::Ui, v: Verdict) {
    match v {
        Verdict::Overstated => ui.colored_label(ui.visuals().warn_fg_color, v.word()),
        _ => ui.label(v.word()),
    };
}

/// The model checked against the past campaign's control group, in a line and a table.
pub fn model_check(ui: &mut egui::Ui, c: &UpliftCheck, channel: Option<&ChannelCheck>) {
    let channel_summary = channel.map_or(String::new(), |ch| {
        format!(
            "; through the preferred channel {:+.1} points, another {:+.1}",
            100.0 * ch.preferred.uplift,
            100.0 * ch.other.uplift
        )
    });
    egui::CollapsingHeader::new(format!(
        "Model check vs control group: incremental buyers × {:.2} (± {:.2}), no-offer buying × {:.2} (± {:.2}){channel_summary}",
        c.uplift.factor, c.uplift.factor_se, c.baseline.factor, c.baseline.factor_se
    ))
    .id_salt("model_check")
    .show(ui, |ui| {
        ui.label(format!(
            "{} held-out customers of the past campaign. {}",
            c.customers,
            glossary::MODEL_CHECK
        ));
        egui::Grid::new("check_cells").striped(true).show(ui, |ui| {
            for h in [
                "offer",
                "third",
                "treated",
                "control",
                "predicted",
                "observed",
                "± (1 se)",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for cell in c.cells.iter().chain(&c.baseline_cells) {
                ui.label(&cell.arm);
                ui.label(cell.group.to_string());
                ui.label(cell.treated.to_string());
                ui.label(cell.control.to_string());
                ui.label(format!("{:+.3}", cell.predicted));
                ui.label(format!("{:+.3}", cell.observed));
                ui.label(format!("{:.3}", cell.standard_error));
                ui.end_row();
            }
        });
        if let Some(ch) = channel {
            channel_check(ui, ch);
        }
    })
    .header_response
    .on_hover_text(glossary::MODEL_CHECK);
    if !c.money.is_empty() {
        money_check(ui, &c.money);
    }
}

/// Incremental profit and revenue per offer, predicted and observed, in a line and a table.
fn money_check(ui: &mut egui::Ui, cells: &[MoneyCell]) {
    let within = cells
        .iter()
        .filter(|c| c.profit.verdict() == Verdict::Agrees)
        .count();
    egui::CollapsingHeader::new(format!(
        "Profit check vs control group: incremental profit per customer within 2 standard errors of the prediction for {within} of {} offers",
        cells.len()
    ))
    .id_salt("profit_check")
    .show(ui, |ui| {
        ui.label(glossary::PROFIT_CHECK);
        egui::Grid::new("profit_cells").striped(true).show(ui, |ui| {
            for h in [
                "offer",
                "treated",
                "control",
                "profit: predicted",
                "observed",
                "± (1 se)",
                "revenue: predicted",
                "observed",
                "± (1 se)",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for c in cells {
                ui.label(&c.arm);
                ui.label(c.treated.to_string());
                ui.label(c.control.to_string());
                for f in [&c.profit, &c.revenue] {
                    ui.label(format!("{:+.2}", f.predicted));
                    ui.label(format!("{:+.2}", f.observed));
                    ui.label(format!("{:.2}", f.standard_error));
                }
                ui.end_row();
            }
        });
    })
    .header_response
    .on_hover_text(glossary::PROFIT_CHECK);
}

/// What the preferred channel did in the past campaign, in a line.
pub fn channel_check(ui: &mut egui::Ui, c: &ChannelCheck) {
    ui.label(format!("{}.", c.line()))
        .on_hover_text(glossary::CHANNEL_CHECK);
}
