//! The column-mapping editor: which kind of table a file is and which of its columns is which,
//! starting from the automatic suggestions. Used for loaded tables and for files that could not
//! be loaded because a required column was not recognized.

use crate::data::Mapping;
use crate::data::schema::{self, TableKind};
use std::path::PathBuf;

/// A mapping being edited for one file.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingDraft {
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub mapping: Mapping,
    /// Why the editor opened by itself (the load error), if it did.
    pub reason: Option<String>,
}

/// What the editor asks for.
pub enum MappingAction {
    /// Reload the data with this mapping for this file.
    Apply(PathBuf, Mapping),
    /// Leave the editor without changing anything.
    Close,
}

const NOT_IN_FILE: &str = "— not in the file —";

impl MappingDraft {
    /// The table kind the mapping leads to: the chosen one, else the detected one.
    pub fn kind(&self) -> Option<TableKind> {
        schema::detect_kind(&self.headers, &self.mapping)
    }

    /// Required columns of the kind that no header is mapped to.
    pub fn missing(&self) -> Vec<&'static str> {
        let Some(kind) = self.kind() else {
            return Vec::new();
        };
        let matches = schema::match_columns(kind, &self.headers, &self.mapping);
        kind.spec()
            .iter()
            .filter(|c| c.required && !matches.iter().any(|m| m.canonical == c.name))
            .map(|c| c.name)
            .collect()
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<MappingAction> {
        let mut action = None;
        ui.heading(format!(
            "Column mapping: {}",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        ));
        if let Some(r) = &self.reason {
            ui.colored_label(ui.visuals().warn_fg_color, r);
        }
        ui.label("promolab suggested the mapping below from the column names. Change any choice; the files on disk are not changed.");
        let detected = schema::detect_kind(
            &self.headers,
            &Mapping {
                kind: None,
                ..self.mapping.clone()
            },
        );
        let auto_label = format!(
            "detect automatically ({})",
            detected.map_or("not recognized", |k| k.label())
        );
        egui::ComboBox::from_label("table kind")
            .selected_text(
                self.mapping
                    .kind
                    .map_or(auto_label.clone(), |k| k.label().to_string()),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.mapping.kind, None, auto_label);
                for k in TableKind::ALL {
                    ui.selectable_value(&mut self.mapping.kind, Some(k), k.label());
                }
            });
        let Some(kind) = self.kind() else {
            match schema::closest_kind(&self.headers, &self.mapping) {
                Some((close, missing)) => {
                    let names: Vec<&str> = missing.iter().map(|c| c.name).collect();
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!(
                            "This file looks most like {} {} table, which also needs {}.",
                            schema::article(close.label()),
                            close.label(),
                            names.join(" and ")
                        ),
                    );
                    if ui
                        .button(format!(
                            "Treat it as {} {} table",
                            schema::article(close.label()),
                            close.label()
                        ))
                        .on_hover_text(
                            "Then map one of the file's columns to each missing one below.",
                        )
                        .clicked()
                    {
                        self.mapping.kind = Some(close);
                    }
                }
                None => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        "This file does not look like any table promolab knows: choose its kind above.",
                    );
                }
            }
            return None;
        };
        let matches = schema::match_columns(kind, &self.headers, &self.mapping);
        egui::Grid::new("mapping")
            .striped(true)
            .num_columns(4)
            .show(ui, |ui| {
                for h in ["promolab column", "", "column in your file", "how"] {
                    ui.strong(h);
                }
                ui.end_row();
                for spec in kind.spec() {
                    let current = matches.iter().find(|m| m.canonical == spec.name);
                    ui.label(spec.name);
                    if spec.required {
                        ui.label("required");
                    } else {
                        ui.weak("optional");
                    }
                    let mut choice = current.map(|m| m.header.clone());
                    egui::ComboBox::from_id_salt(("map", spec.name))
                        .selected_text(choice.clone().unwrap_or_else(|| NOT_IN_FILE.into()))
                        .width(200.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut choice, None, NOT_IN_FILE);
                            for h in &self.headers {
                                ui.selectable_value(&mut choice, Some(h.clone()), h);
                            }
                        });
                    if choice != current.map(|m| m.header.clone()) {
                        match choice {
                            Some(h) => {
                                self.mapping.columns.insert(spec.name.to_string(), h);
                            }
                            // No header: map the column to a name no file has, so the
                            // automatic suggestion does not come back.
                            None => {
                                self.mapping
                                    .columns
                                    .insert(spec.name.to_string(), String::new());
                            }
                        }
                    }
                    match current {
                        Some(m) if m.how == "mapping file" => ui.label("your choice"),
                        Some(m) => ui.weak(format!("suggested ({})", m.how)),
                        None if spec.required => {
                            ui.colored_label(ui.visuals().error_fg_color, "missing")
                        }
                        None => ui.weak("—"),
                    };
                    ui.end_row();
                }
            });
        let used: Vec<&str> = matches.iter().map(|m| m.header.as_str()).collect();
        let extra: Vec<&str> = self
            .headers
            .iter()
            .map(String::as_str)
            .filter(|h| !used.contains(h))
            .collect();
        if !extra.is_empty() {
            ui.weak(format!("Kept as extra columns: {}", extra.join(", ")));
        }
        let missing = self.missing();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    missing.is_empty(),
                    egui::Button::new("Load with this mapping"),
                )
                .clicked()
            {
                action = Some(MappingAction::Apply(
                    self.path.clone(),
                    self.mapping.clone(),
                ));
            }
            if ui.button("Cancel").clicked() {
                action = Some(MappingAction::Close);
            }
            if ui
                .button("Back to suggestions")
                .on_hover_text("Forget the choices made here")
                .clicked()
            {
                self.mapping = Mapping::default();
            }
            if !missing.is_empty() {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Map the required columns first: {}", missing.join(", ")),
                );
            }
        });
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_reports_missing_required_columns_until_they_are_mapped() {
        let mut d = MappingDraft {
            path: "orders.csv".into(),
            headers: vec![
                "Bestellung".into(),
                "Kunde".into(),
                "Artikel".into(),
                "Menge".into(),
                "Preis".into(),
                "Zeit".into(),
            ],
            mapping: Mapping::default(),
            reason: None,
        };
        assert_eq!(d.kind(), None, "nothing recognizable");
        d.mapping.kind = Some(TableKind::OrderLines);
        assert!(d.missing().contains(&"order_id"));
        for (canonical, header) in [
            ("order_id", "Bestellung"),
            ("customer_id", "Kunde"),
            ("product_id", "Artikel"),
            ("quantity", "Menge"),
            ("unit_price", "Preis"),
            ("timestamp", "Zeit"),
        ] {
            d.mapping.columns.insert(canonical.into(), header.into());
        }
        assert_eq!(d.missing(), Vec::<&str>::new());
    }
}
