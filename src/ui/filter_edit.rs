//! An editor for a list of conditions on profile features ("recency_days <= 90"), shared by the
//! Customers tab's segment editor and the Scenarios tab's targeting.

use crate::sim::scenario::{Filter, Op};

const OPS: [(Op, &str); 6] = [
    (Op::Le, "<="),
    (Op::Lt, "<"),
    (Op::Ge, ">="),
    (Op::Gt, ">"),
    (Op::Eq, "=="),
    (Op::Ne, "!="),
];

fn op_label(op: Op) -> &'static str {
    OPS.iter().find(|(o, _)| *o == op).map_or("?", |(_, l)| l)
}

/// One condition as text, e.g. "recency_days <= 90".
pub fn describe(f: &Filter) -> String {
    format!("{} {} {}", f.feature, op_label(f.op), f.value)
}

/// Draws the conditions with feature and operator pickers, a value field and a remove button,
/// and an "add condition" button. Returns whether anything changed.
pub fn edit(ui: &mut egui::Ui, id: &str, filters: &mut Vec<Filter>, features: &[String]) -> bool {
    let mut changed = false;
    let mut remove = None;
    for (k, f) in filters.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt((id, k, "feature"))
                .selected_text(&f.feature)
                .width(150.0)
                .show_ui(ui, |ui| {
                    for name in features {
                        changed |= ui
                            .selectable_value(&mut f.feature, name.clone(), name)
                            .changed();
                    }
                });
            egui::ComboBox::from_id_salt((id, k, "op"))
                .selected_text(op_label(f.op))
                .width(50.0)
                .show_ui(ui, |ui| {
                    for (op, label) in OPS {
                        changed |= ui.selectable_value(&mut f.op, op, label).changed();
                    }
                });
            changed |= ui
                .add(egui::DragValue::new(&mut f.value).speed(1.0))
                .changed();
            if ui
                .small_button("x")
                .on_hover_text("Remove this condition")
                .clicked()
            {
                remove = Some(k);
            }
        });
    }
    if let Some(k) = remove {
        filters.remove(k);
        changed = true;
    }
    if let Some(first) = features.first()
        && ui
            .button("+ condition")
            .on_hover_text("Customers must meet every condition")
            .clicked()
    {
        filters.push(Filter {
            feature: first.clone(),
            op: Op::Le,
            value: 0.0,
        });
        changed = true;
    }
    changed
}
