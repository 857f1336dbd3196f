//! Who may receive an offer: the rules a scenario and the optimizer's offers share (a control
//! group held back, a frequency cap, filters on profile features, segments).

use super::glossary;
use crate::sim::ResponseTable;
use crate::sim::scenario::Targeting;

/// Edits `tg`'s eligibility rules. `id` keeps two editors on one screen apart; `hide_segment`
/// leaves out segments known to be empty (unless ticked).
pub fn who_may_receive(
    ui: &mut egui::Ui,
    id: &str,
    tg: &mut Targeting,
    t: &ResponseTable,
    hide_segment: impl Fn(&String) -> bool,
) {
    ui.push_id(id, |ui| {
        ui.add(egui::Slider::new(&mut tg.control_share, 0.0..=0.5).text("control group held back"))
            .on_hover_text(glossary::CONTROL_SHARE);
        frequency_cap(ui, tg, t);
        ui.label("Only customers where").on_hover_text(
            "Conditions on profile features; define and check segments on the Customers tab",
        );
        let features: Vec<String> = t.features.iter().map(|(n, _)| n.clone()).collect();
        super::filter_edit::edit(ui, id, &mut tg.filters, &features);
        ui.label("Segments (none ticked: all)");
        for name in &t.segment_names {
            let mut on = tg.segments.contains(name);
            if hide_segment(name) && !on {
                continue;
            }
            if ui.checkbox(&mut on, name).changed() {
                if on {
                    tg.segments.push(name.clone());
                } else {
                    tg.segments.retain(|x| x != name);
                }
            }
        }
    });
}

/// "Leave out customers contacted in the last N days", when the data has a campaign history.
fn frequency_cap(ui: &mut egui::Ui, tg: &mut Targeting, t: &ResponseTable) {
    if t.days_since_contact.is_empty() {
        ui.weak("no campaign history: no frequency cap")
            .on_hover_text(glossary::FREQUENCY_CAP);
        return;
    }
    ui.horizontal(|ui| {
        let mut on = tg.exclude_contacted_within_days.is_some();
        if ui
            .checkbox(&mut on, "leave out customers messaged in the last")
            .on_hover_text(glossary::FREQUENCY_CAP)
            .changed()
        {
            tg.exclude_contacted_within_days = on.then_some(30.0);
        }
        if let Some(days) = &mut tg.exclude_contacted_within_days {
            ui.add(
                egui::DragValue::new(days)
                    .range(1.0..=365.0)
                    .speed(1.0)
                    .max_decimals(0)
                    .suffix(" days"),
            );
        }
    });
}

/// The rules in words, for a collapsed editor's header: "everyone" or what leaves customers out.
pub fn summary(tg: &Targeting) -> String {
    let mut parts = Vec::new();
    if tg.control_share > 0.0 {
        parts.push(format!(
            "{:.0}% held back as control",
            tg.control_share * 100.0
        ));
    }
    if let Some(d) = tg.exclude_contacted_within_days {
        parts.push(format!("none messaged in the last {d:.0} days"));
    }
    if !tg.filters.is_empty() {
        parts.push(format!("{} feature conditions", tg.filters.len()));
    }
    if !tg.segments.is_empty() {
        parts.push(format!("segments {}", tg.segments.join(", ")));
    }
    if parts.is_empty() {
        "everyone".into()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_each_rule() {
        let mut tg = Targeting::default();
        assert_eq!(summary(&tg), "everyone");
        tg.control_share = 0.1;
        tg.exclude_contacted_within_days = Some(14.0);
        tg.segments = vec!["champions".into()];
        assert_eq!(
            summary(&tg),
            "10% held back as control; none messaged in the last 14 days; segments champions"
        );
    }
}
