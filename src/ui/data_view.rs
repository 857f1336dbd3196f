//! The Data tab: open files (dialog, typed path, drag-and-drop), the loaded tables in a
//! virtualized grid, and the validation report with cleaning choices.

use super::app::Command;
use super::jobs::{Loaded, Mappings, mapping_key};
use super::mapping_view::{MappingAction, MappingDraft};
use crate::data::CleaningChoices;
use crate::data::validate::Severity;
use egui_extras::{Column, TableBuilder};
use std::path::PathBuf;

#[derive(Default, PartialEq, Clone, Copy)]
pub enum Pane {
    #[default]
    Preview,
    Report,
    /// The column-mapping editor for `DataView::draft`.
    Mapping,
}

#[derive(Default)]
pub struct DataView {
    pub selected: usize,
    pub pane: Pane,
    pub path_input: String,
    pub cleaning: CleaningChoices,
    pub draft: Option<MappingDraft>,
    /// A row to scroll the preview to (position in the table), set from the report.
    pub jump_to: Option<usize>,
}

impl DataView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        loaded: Option<&Loaded>,
        busy: bool,
        mappings: &Mappings,
    ) -> Vec<Command> {
        let mut cmds = Vec::new();
        ui.horizontal(|ui| {
            if ui.button("Open files…").on_hover_text("Choose CSV or Parquet files (customers, products, order lines, campaigns, events, or one flat campaign table)").clicked() {
                cmds.push(Command::OpenDialog);
            }
            ui.label("or path:");
            let edit = ui.add(egui::TextEdit::singleline(&mut self.path_input).hint_text("/path/to/file.csv or folder").desired_width(320.0));
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Load").clicked() || enter) && !self.path_input.trim().is_empty() {
                cmds.push(Command::Load(vec![PathBuf::from(self.path_input.trim())]));
            }
            if ui.button("Sample data").on_hover_text("Reload the bundled sample data").clicked()
                && let Ok(dir) = crate::data::sample::default_sample_dir()
            {
                cmds.push(Command::Load(vec![dir]));
            }
            ui.weak("…or drop files on the window");
        });
        ui.separator();
        // A file that could not be recognized opens the mapping editor even with nothing loaded.
        if self.pane == Pane::Mapping
            && self
                .draft
                .as_ref()
                .is_some_and(|d| loaded.is_none() || d.reason.is_some())
        {
            cmds.extend(self.mapping_pane(ui));
            return cmds;
        }
        let Some(loaded) = loaded else {
            ui.label(if busy {
                "Loading…"
            } else {
                "No data loaded yet."
            });
            return cmds;
        };
        egui::Panel::left("tables")
            .default_size(260.0)
            .show(ui, |ui| {
                ui.strong("Tables");
                for (i, t) in loaded.tables.iter().enumerate() {
                    let problems: usize = loaded
                        .report
                        .problems
                        .iter()
                        .filter(|p| p.file == t.file_name() && p.kind.severity() == Severity::Error)
                        .map(|p| p.count)
                        .sum();
                    let text = format!(
                        "{}\n{} · {} rows{}",
                        t.file_name(),
                        t.kind.label(),
                        t.n_rows(),
                        if problems > 0 {
                            format!(" · {problems} problems")
                        } else {
                            String::new()
                        }
                    );
                    if ui.selectable_label(self.selected == i, text).clicked() {
                        self.selected = i;
                        self.pane = Pane::Preview;
                    }
                }
                ui.separator();
                let total = loaded.report.problems.len();
                if ui
                    .selectable_label(
                        self.pane == Pane::Report,
                        format!("Validation report ({total} findings)"),
                    )
                    .clicked()
                {
                    self.pane = Pane::Report;
                }
            });
        match self.pane {
            Pane::Preview => {
                if let Some(t) = loaded.tables.get(self.selected) {
                    if ui
                        .button("Column mapping…")
                        .on_hover_text(
                            "See and change which of the file's columns promolab reads as which",
                        )
                        .clicked()
                    {
                        let path = mapping_key(&t.source);
                        self.draft = Some(MappingDraft {
                            mapping: mappings.get(&path).cloned().unwrap_or_default(),
                            path,
                            headers: t.columns.iter().map(|c| c.header.clone()).collect(),
                            reason: None,
                        });
                        self.pane = Pane::Mapping;
                    }
                    preview(ui, t, self.jump_to.take());
                }
            }
            Pane::Mapping => cmds.extend(self.mapping_pane(ui)),
            Pane::Report => {
                if let Some(c) = self.report(ui, loaded) {
                    cmds.push(c);
                }
            }
        }
        cmds
    }

    /// The mapping editor for the draft, and what its buttons ask for; without a draft, back to
    /// the preview.
    fn mapping_pane(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        match self.draft.as_mut().map(|d| d.ui(ui)) {
            Some(Some(MappingAction::Apply(path, m))) => {
                return Some(Command::ApplyMapping(path, m));
            }
            Some(Some(MappingAction::Close)) | None => {
                self.draft = None;
                self.pane = Pane::Preview;
            }
            Some(None) => {}
        }
        None
    }

    fn report(&mut self, ui: &mut egui::Ui, loaded: &Loaded) -> Option<Command> {
        let mut cmd = None;
        let mut jump: Option<(String, usize)> = None;
        let report = &loaded.report;
        ui.heading("Validation report");
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.cleaning.drop_duplicates, "Drop duplicates");
            ui.checkbox(&mut self.cleaning.drop_invalid, "Drop invalid rows");
            ui.checkbox(&mut self.cleaning.impute, "Impute missing optional values");
            ui.checkbox(&mut self.cleaning.clip_outliers, "Clip outliers");
            if ui
                .button("Apply cleaning")
                .on_hover_text(
                    "Reload the files and apply these choices; the files on disk are not changed",
                )
                .clicked()
            {
                cmd = Some(Command::ApplyCleaning(self.cleaning));
            }
        });
        egui::ScrollArea::vertical().show(ui, |ui| {
            if report.problems.is_empty() {
                ui.label("No problems found.");
            }
            egui::Grid::new("problems")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for h in ["", "file", "column", "rows", "problem"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for p in &report.problems {
                        let (icon, color) = match p.kind.severity() {
                            Severity::Error => ("error", ui.visuals().error_fg_color),
                            Severity::Warning => ("warning", ui.visuals().warn_fg_color),
                        };
                        ui.colored_label(color, icon);
                        ui.label(&p.file);
                        ui.label(p.column.as_deref().unwrap_or("—"));
                        ui.label(p.count.to_string());
                        let vals = if p.example_values.is_empty() {
                            String::new()
                        } else {
                            format!("; values {}", p.example_values.join(", "))
                        };
                        ui.horizontal(|ui| {
                            ui.label(format!("{}{vals}", p.kind.describe()))
                                .on_hover_text(format!("Fix: {}", p.kind.fix()));
                            if !p.example_rows.is_empty() {
                                ui.weak("rows:");
                            }
                            for &r in &p.example_rows {
                                if ui
                                    .small_button(r.to_string())
                                    .on_hover_text("Show this row of the file")
                                    .clicked()
                                {
                                    jump = Some((p.file.clone(), r));
                                }
                            }
                        });
                        ui.end_row();
                    }
                });
            if !report.cleaning.is_empty() {
                ui.separator();
                ui.strong("Cleaning applied");
                for a in &report.cleaning {
                    ui.label(format!(
                        "{}{}: {} ({} rows)",
                        a.file,
                        a.column
                            .as_deref()
                            .map(|c| format!(", {c}"))
                            .unwrap_or_default(),
                        a.action,
                        a.rows
                    ));
                }
            }
        });
        if let Some((file, row)) = jump {
            self.show_row(loaded, &file, row);
        }
        cmd
    }

    /// Shows the preview of `file` scrolled to its data row `row` (as numbered in the file).
    pub fn show_row(&mut self, loaded: &Loaded, file: &str, row: usize) {
        let Some(k) = loaded.tables.iter().position(|t| t.file_name() == file) else {
            return;
        };
        self.selected = k;
        self.pane = Pane::Preview;
        // Rows dropped by cleaning are not in the table; the nearest kept row is shown instead.
        let numbers = &loaded.tables[k].row_numbers;
        self.jump_to = Some(
            numbers
                .partition_point(|&n| n < row)
                .min(numbers.len().saturating_sub(1)),
        );
    }
}

/// A virtualized grid: only the visible rows are laid out, so a million rows scroll smoothly.
fn preview(ui: &mut egui::Ui, t: &crate::data::Table, jump_to: Option<usize>) {
    ui.horizontal(|ui| {
        ui.strong(t.file_name());
        ui.label(format!(
            "{} · {} rows · {} columns · {}",
            t.kind.label(),
            t.n_rows(),
            t.columns.len(),
            t.encoding
        ));
    });
    egui::ScrollArea::horizontal().show(ui, |ui| {
        // One line per cell: long values are cut, not wrapped, so rows keep their height.
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
        let mut builder = TableBuilder::new(ui)
            .id_salt(t.source.display().to_string())
            .striped(true)
            .column(Column::auto().at_least(50.0));
        for c in &t.columns {
            let width = if matches!(c.values, crate::data::table::Values::Time(_)) {
                150.0
            } else {
                90.0
            };
            builder = builder.column(Column::auto().at_least(width).resizable(true));
        }
        if let Some(row) = jump_to {
            builder = builder.scroll_to_row(row, Some(egui::Align::Center));
        }
        builder
            .header(22.0, |mut header| {
                header.col(|ui| {
                    ui.strong("row");
                });
                for c in &t.columns {
                    header.col(|ui| {
                        ui.strong(&c.name).on_hover_text(format!(
                            "header in file: {}\ntype: {}",
                            c.header,
                            c.values.type_name()
                        ));
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, t.n_rows(), |mut row| {
                    let i = row.index();
                    row.set_selected(jump_to == Some(i));
                    row.col(|ui| {
                        ui.weak(t.row_numbers[i].to_string());
                    });
                    for c in &t.columns {
                        row.col(|ui| {
                            ui.label(c.values.display(i));
                        });
                    }
                });
            });
    });
}
