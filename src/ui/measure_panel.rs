//! After the campaign, on the Plan screen: an exported plan measured against the customers it
//! held back, from the campaign's results (`promolab measure` on screen).

use super::glossary;
use super::jobs::{Dialog, Job, spawn};
use crate::data::{Mapping, load_table};
use crate::plan::measure::{self, Measurement};
use crate::sim::check::MIN_CELL;
use std::path::PathBuf;

#[derive(Default)]
pub struct MeasurePanel {
    /// The campaign's results: a campaign history table.
    pub results_path: String,
    pub job: Option<Job<Result<Measurement, String>>>,
    pub result: Option<Measurement>,
    pub status: String,
    /// A file dialog the panel asks the app to open (the results, or the plan).
    pub want_dialog: Option<Dialog>,
}

impl MeasurePanel {
    /// Measures the plan at `plan` (its control file beside it) with the results, in the
    /// background; `salt` as the plan was exported with.
    pub fn start(&mut self, ctx: egui::Context, plan: PathBuf, salt: Option<String>) {
        let results = PathBuf::from(self.results_path.trim());
        self.status = "measuring…".into();
        self.result = None;
        self.job = Some(spawn("measure", ctx, move |send, _| {
            let r = (|| {
                let groups = measure::read_groups(&plan)?;
                let table = load_table(&results, &Mapping::default()).map_err(|e| e.to_string())?;
                let outcomes = measure::results_of(&table, salt.as_deref())?;
                Ok(measure::measure(
                    &groups,
                    &outcomes,
                    crate::sim::build::DEFAULT_MARGIN_RATE,
                ))
            })();
            send(r);
        }));
    }

    fn on_result(&mut self, r: Result<Measurement, String>) {
        match r {
            Ok(m) => {
                self.status.clear();
                self.result = Some(m);
            }
            Err(e) => self.status = e,
        }
    }

    pub fn poll(&mut self) {
        let Some(job) = &self.job else { return };
        let (events, gone) = job.poll();
        for r in events {
            self.on_result(r);
        }
        if gone {
            self.job = None;
        }
    }

    /// Blocks until the measurement is done (tests).
    pub fn wait(&mut self) {
        while let Some(job) = &self.job {
            match job.rx.recv() {
                Ok(r) => self.on_result(r),
                Err(_) => self.job = None,
            }
        }
    }

    /// The panel; `plan` is the exported plan file to measure, `salt` its pseudonym salt. With
    /// `own_fields` (no plan on screen, whose export fields name them) the panel edits both
    /// itself and starts open.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        plan: &mut String,
        salt: &mut String,
        own_fields: bool,
    ) {
        self.poll();
        egui::CollapsingHeader::new("After the campaign: measure a plan against its control group")
            .id_salt("measure_plan")
            .default_open(own_fields)
            .show(ui, |ui| {
                if own_fields {
                    ui.horizontal(|ui| {
                        ui.label("Plan file");
                        ui.text_edit_singleline(plan);
                        if ui.button("Choose...").clicked() {
                            self.want_dialog = Some(Dialog::OpenPlan);
                        }
                        ui.label("its salt");
                        ui.add(egui::TextEdit::singleline(salt).desired_width(100.0));
                    });
                } else {
                    ui.label(format!(
                        "Plan file: {plan} (the File above; its .control.csv must lie beside it)"
                    ));
                }
                ui.horizontal(|ui| {
                    ui.label("Campaign results");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.results_path)
                            .hint_text("a campaign history CSV: customer_id, converted, revenue, …")
                            .desired_width(360.0),
                    );
                    if ui
                        .button("Choose...")
                        .on_hover_text("Pick the results file in a file dialog")
                        .clicked()
                    {
                        self.want_dialog = Some(Dialog::OpenResults);
                    }
                    let ready = self.job.is_none() && !self.results_path.trim().is_empty();
                    if ui
                        .add_enabled(ready, egui::Button::new("Measure"))
                        .on_hover_text(glossary::MEASURE)
                        .clicked()
                    {
                        let salt = (!salt.is_empty()).then(|| salt.clone());
                        self.start(ui.ctx().clone(), PathBuf::from(&*plan), salt);
                    }
                    if self.job.is_some() {
                        ui.spinner();
                    }
                });
                if !self.status.is_empty() {
                    ui.colored_label(ui.visuals().warn_fg_color, &self.status);
                }
                if let Some(m) = &self.result {
                    table(ui, m);
                }
            });
    }
}

fn table(ui: &mut egui::Ui, m: &Measurement) {
    egui::Grid::new("measured").striped(true).show(ui, |ui| {
        for h in [
            "offer",
            "sent",
            "held back",
            "bought (sent / held back)",
            "uplift, points (expected)",
            "profit per customer sent it (expected)",
        ] {
            ui.strong(h);
        }
        ui.end_row();
        for o in &m.offers {
            ui.label(&o.offer);
            ui.label(o.sent.customers.to_string());
            ui.label(o.held_back.customers.to_string());
            ui.label(format!(
                "{:.1}% / {:.1}%",
                o.sent.rate() * 100.0,
                o.held_back.rate() * 100.0
            ));
            match (o.buyers, o.profit) {
                (Some(b), Some(p)) => {
                    ui.label(format!(
                        "{:+.1} ± {:.1} ({:+.1})",
                        b.observed * 100.0,
                        b.standard_error * 100.0,
                        b.predicted * 100.0
                    ));
                    ui.label(format!(
                        "{:+.2} ± {:.2} ({:+.2})",
                        p.observed, p.standard_error, p.predicted
                    ));
                }
                _ if o.sent.customers + o.held_back.customers == 0 => {
                    ui.weak("not in the plan");
                    ui.label("");
                }
                _ => {
                    ui.weak(format!("too few to judge (at least {MIN_CELL} each)"));
                    ui.label("");
                }
            }
            ui.end_row();
        }
    });
    if let Some(line) = m.total_line() {
        ui.label(line);
    }
    if m.not_in_results > 0 {
        ui.weak(format!(
            "{} customers of the plan or its control group have no row in the results",
            m.not_in_results
        ));
    }
}
