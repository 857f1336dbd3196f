//! Plan: the optimized plan per customer (filter, sort), the message template with a live
//! preview, and export to CSV (atomic, confirm before replacing a file, optional pseudonyms).

use super::glossary;
use super::jobs::{Job, spawn};
use super::scenarios_view::ScenariosView;
use crate::plan::{self, Plan};
use egui_extras::{Column, TableBuilder};

pub struct PlanView {
    /// Message template for every offer; empty keeps each offer's own message.
    pub template: String,
    pub send_time: String,
    pub path: String,
    pub salt: String,
    pub replace: bool,
    pub filter_offer: Option<String>,
    /// Show only this segment's rows (None: every segment).
    pub filter_segment: Option<String>,
    pub sort_by_profit: bool,
    pub status: String,
    /// Set by the "Choose..." button; the app opens the save dialog.
    pub want_dialog: bool,
    /// The plan being rebuilt with a new template, send time or salt in the background, with
    /// what it is built from (about 0.5 s for a million customers: too long for a keystroke).
    rebuild_job: Option<(Settings, Job<Plan>)>,
    /// What the shown plan was last built (or is being built) from.
    built_with: Option<Settings>,
    /// After the campaign: the exported plan measured against its control group.
    pub measure: super::measure_panel::MeasurePanel,
}

/// What a plan's rows are made from besides the optimization's choices: the optimization, the
/// template, the send time and the salt.
type Settings = (u64, String, String, Option<String>);

impl Default for PlanView {
    fn default() -> Self {
        Self {
            template: String::new(),
            send_time: (chrono::Local::now().date_naive() + chrono::Duration::days(1))
                .format("%Y-%m-%d 10:00")
                .to_string(),
            path: "promotion-plan.csv".into(),
            salt: String::new(),
            replace: false,
            filter_offer: None,
            filter_segment: None,
            sort_by_profit: true,
            status: String::new(),
            want_dialog: false,
            rebuild_job: None,
            built_with: None,
            measure: Default::default(),
        }
    }
}

impl PlanView {
    /// The offers that were optimized with the current template and send time (not the last
    /// plan's: its messages may already carry an earlier template).
    fn offers(&self, sv: &ScenariosView) -> crate::sim::optimize::OffersFile {
        let mut offers = sv.offers.clone();
        for o in &mut offers.offers {
            if !self.template.trim().is_empty() {
                o.message = self.template.clone();
            }
            o.channel.send_time = self.send_time.clone();
        }
        offers
    }

    fn salt(&self) -> Option<String> {
        (!self.salt.is_empty()).then(|| self.salt.clone())
    }

    /// What the plan should be built from now (None without a plan).
    fn settings(&self, sv: &ScenariosView) -> Option<Settings> {
        let opt = sv.optimized.as_ref()?;
        Some((
            opt.id,
            self.template.clone(),
            self.send_time.clone(),
            self.salt(),
        ))
    }

    /// Regenerates the plan's messages (and pseudonyms) with the current template and salt, now
    /// (exports and tests; the screen does it in the background).
    pub fn rebuild(&mut self, sv: &mut ScenariosView) {
        let offers = self.offers(sv);
        let settings = self.settings(sv);
        let (Some(t), Some(opt)) = (sv.table.clone(), sv.optimized.as_mut()) else {
            return;
        };
        let salt = self.salt();
        opt.plan = plan::plan_of_solution(&t, &offers, &opt.solution, salt.as_deref());
        self.built_with = settings;
    }

    /// `rebuild` in the background, when the plan was built from other settings than the
    /// current ones and no rebuild is running (one that is will be followed by another).
    fn rebuild_if_stale(&mut self, sv: &ScenariosView, ctx: &egui::Context) {
        let Some(wanted) = self.settings(sv) else {
            return;
        };
        if self.rebuild_job.is_some() || self.built_with.as_ref() == Some(&wanted) {
            return;
        }
        let (Some(t), Some(opt)) = (sv.table.clone(), sv.optimized.as_ref()) else {
            return;
        };
        let (offers, salt) = (self.offers(sv), wanted.3.clone());
        let solution = opt.solution.clone();
        let job = spawn("plan", ctx.clone(), move |send, _| {
            send(plan::plan_of_solution(
                &t,
                &offers,
                &solution,
                salt.as_deref(),
            ));
        });
        self.built_with = Some(wanted.clone());
        self.rebuild_job = Some((wanted, job));
    }

    /// Applies a finished background rebuild if it was made from the current settings (one made
    /// from older ones is dropped: the next frame builds from the new ones).
    pub fn poll(&mut self, sv: &mut ScenariosView) {
        let Some((made_from, job)) = &self.rebuild_job else {
            return;
        };
        let (mut plans, gone) = job.poll();
        let current = self.settings(sv).as_ref() == Some(made_from);
        if let (Some(plan), Some(opt), true) = (plans.pop(), sv.optimized.as_mut(), current) {
            opt.plan = plan;
        }
        if gone {
            if !current {
                self.built_with = None;
            }
            self.rebuild_job = None;
        }
    }

    /// Blocks until the background rebuild is done and applied, and builds the plan from the
    /// current settings if it was not (tests).
    pub fn wait(&mut self, sv: &mut ScenariosView) {
        self.measure.wait();
        while self.rebuild_job.is_some() {
            self.poll(sv);
            std::thread::yield_now();
        }
        let wanted = self.settings(sv);
        if wanted.is_some() && self.built_with != wanted {
            self.rebuild(sv);
        }
    }

    /// Writes the plan; refuses to replace an existing file unless `replace` is ticked.
    pub fn export(&mut self, sv: &mut ScenariosView) -> Result<String, String> {
        let path = std::path::PathBuf::from(self.path.trim());
        if path.as_os_str().is_empty() {
            return Err("choose a file name for the plan".into());
        }
        if path.exists() && !self.replace {
            return Err(format!(
                "{} exists: tick \"replace existing file\" to overwrite it",
                path.display()
            ));
        }
        self.rebuild(sv);
        let opt = sv
            .optimized
            .as_ref()
            .ok_or("optimize a plan first (Scenarios screen)")?;
        let written = plan::write_plan(&opt.plan, &path, opt.control_check.as_ref())
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        // The charts' data beside the plan: the frontier, and the current scenario's sweep,
        // per-segment figures and comparison with the saved scenarios.
        let mut charts = vec![(
            "frontier.csv",
            crate::sim::optimize::frontier_csv(&opt.frontier),
        )];
        let sweep = sv.current_sweep();
        if !sweep.is_empty() {
            let (label, _, _) = sv.scenario.offer.value_range();
            charts.push(("sweep.csv", crate::sim::simulate::sweep_csv(&sweep, label)));
        }
        if let Some(o) = &sv.outcome {
            charts.push(("segments.csv", crate::sim::simulate::segments_csv(o)));
        }
        let compared = sv.comparison();
        if !compared.is_empty() {
            charts.push((
                "comparison.csv",
                crate::sim::compare::comparison_csv(&compared),
            ));
        }
        let mut extra: Vec<String> = written[1..]
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        for (suffix, text) in charts {
            let p = plan::export::sidecar(&path, suffix);
            crate::util::write_atomic(&p, text.as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
            extra.push(p.display().to_string());
        }
        Ok(format!(
            "wrote {} rows to {} (and {})",
            opt.plan.rows.len(),
            path.display(),
            extra.join(", ")
        ))
    }

    /// Exports and shows the outcome (the button and Ctrl+E).
    /// Exports to a file chosen in the save dialog (which has asked about replacing it).
    pub fn export_to(&mut self, path: &std::path::Path, sv: &mut ScenariosView) {
        self.path = path.display().to_string();
        let replace = std::mem::replace(&mut self.replace, true);
        self.export_and_report(sv);
        self.replace = replace;
    }

    pub fn export_and_report(&mut self, sv: &mut ScenariosView) {
        self.status = self.export(sv).unwrap_or_else(|e| e);
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, sv: &mut ScenariosView) {
        self.poll(sv);
        ui.heading("Plan");
        if sv.optimized.is_none() {
            ui.label(
                "No plan yet: train a planning model and press Optimize on the Scenarios screen.",
            );
            self.measure.ui(ui, &mut self.path, &mut self.salt, true);
            return;
        }
        ui.horizontal(|ui| {
            ui.label("Message template");
            ui.add(
                egui::TextEdit::singleline(&mut self.template)
                    .hint_text("each offer's own message")
                    .desired_width(420.0),
            );
            ui.label("Send time");
            ui.text_edit_singleline(&mut self.send_time);
            // Edits, a new plan, or an edit made while a rebuild ran.
            self.rebuild_if_stale(sv, ui.ctx());
            if self.rebuild_job.is_some() {
                ui.spinner();
            }
        })
        .response
        .on_hover_text("Placeholders: {name}, {discount}, {category}, {offer}, {customer_id}");
        let plan: &Plan = &sv.optimized.as_ref().expect("checked").plan;
        if let Some(first) = plan.rows.first() {
            ui.label(format!(
                "Preview ({}): {}",
                first.customer_id, first.message
            ));
        }
        ui.horizontal(|ui| {
            ui.label("File");
            ui.text_edit_singleline(&mut self.path);
            if ui
                .button("Choose...")
                .on_hover_text("Pick where to save the plan in a file dialog")
                .clicked()
            {
                self.want_dialog = true;
            }
            ui.label("Pseudonymize with salt");
            ui.add(egui::TextEdit::singleline(&mut self.salt).desired_width(100.0))
                .on_hover_text("Leave empty to keep real customer ids. With a salt, ids become keyed hashes that only the salt maps back.");
            ui.checkbox(&mut self.replace, "replace existing file");
            if ui.button("Export CSV").on_hover_text("Ctrl+E").clicked() {
                self.export_and_report(sv);
            }
        });
        if !self.status.is_empty() {
            ui.label(&self.status);
        }
        self.measure.ui(ui, &mut self.path, &mut self.salt, false);
        let opt = sv.optimized.as_ref().expect("checked");
        let plan: &Plan = &opt.plan;
        summary(ui, plan, opt.control_check.as_ref());
        if let Some(c) = &opt.control_check {
            super::control_checks::overstated_warning(ui, c);
        }
        by_segment(ui, plan);
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("offer")
                .selected_text(self.filter_offer.as_deref().unwrap_or("all"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.filter_offer, None, "all");
                    for o in &plan.offers.offers {
                        ui.selectable_value(&mut self.filter_offer, Some(o.name.clone()), &o.name);
                    }
                });
            egui::ComboBox::from_label("segment")
                .selected_text(self.filter_segment.as_deref().unwrap_or("all"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.filter_segment, None, "all");
                    for s in plan.segments_reached() {
                        let name = Some(s.segment.clone());
                        ui.selectable_value(&mut self.filter_segment, name, &s.segment);
                    }
                });
            ui.checkbox(&mut self.sort_by_profit, "most profitable first");
        });
        let shown = |i: &usize| {
            let r = &plan.rows[*i];
            self.filter_offer.as_ref().is_none_or(|f| &r.offer == f)
                && self.filter_segment.as_ref().is_none_or(|s| &r.segment == s)
        };
        let rows: Vec<usize> = if self.sort_by_profit {
            opt.by_profit.iter().copied().filter(shown).collect()
        } else {
            (0..plan.rows.len()).filter(shown).collect()
        };
        ui.label(format!("{} customers", rows.len()));
        let heads = [
            ("customer", ""),
            ("segment", ""),
            ("offer", ""),
            ("channel", ""),
            ("send time", ""),
            ("uplift", glossary::UPLIFT),
            ("profit", glossary::EXPECTED_PROFIT),
            ("cost", glossary::COST),
            ("message", ""),
        ];
        // Widths for the content (truncated labels do not size their columns); the message
        // takes what is left.
        let mut builder = TableBuilder::new(ui).striped(true);
        for w in [80.0, 85.0, 120.0, 60.0, 120.0, 60.0, 60.0, 60.0] {
            builder = builder.column(Column::initial(w).at_least(40.0).resizable(true));
        }
        builder = builder.column(Column::remainder().at_least(100.0));
        builder
            .header(22.0, |mut h| {
                for (name, tip) in heads {
                    h.col(|ui| glossary::header(ui, name, tip));
                }
            })
            .body(|body| {
                body.rows(18.0, rows.len(), |mut row| {
                    let r = &plan.rows[rows[row.index()]];
                    for text in [
                        r.customer_id.clone(),
                        r.segment.clone(),
                        r.offer.clone(),
                        r.channel.clone(),
                        r.send_time.clone(),
                        format!("{:+.3}", r.expected_uplift),
                        format!("{:.2}", r.expected_incremental_profit),
                        format!("{:.2}", r.expected_cost),
                        r.message.clone(),
                    ] {
                        row.col(|ui| {
                            ui.add(egui::Label::new(text).truncate());
                        });
                    }
                });
            });
    }
}

/// The plan's customers and expected figures per segment, with each one's 5–95% range of
/// incremental profit (collapsed at first).
fn by_segment(ui: &mut egui::Ui, plan: &Plan) {
    let parts: Vec<_> = plan.segments_reached().collect();
    egui::CollapsingHeader::new(format!("By segment: {} segments reached", parts.len()))
        .id_salt("plan-by-segment")
        .show(ui, |ui| {
            let held = !plan.control.is_empty();
            egui::Grid::new("plan-segments")
                .striped(true)
                .show(ui, |ui| {
                    figures_header(ui, "segment", held, &[]);
                    for s in &parts {
                        let held_back = held.then(|| plan.control_in_segment(&s.segment));
                        figures_cells(ui, &s.segment, &s.figures, held_back, &s.profit_range);
                        ui.end_row();
                    }
                });
        });
}

/// The header row of a table of plan figures: `first`, customers, held back (when `held`),
/// buyers, spend, profit and its range, then `extra` columns.
fn figures_header(ui: &mut egui::Ui, first: &str, held: bool, extra: &[(&str, &str)]) {
    glossary::header(ui, first, "");
    glossary::header(ui, "customers", glossary::TARGETED);
    if held {
        glossary::header(ui, "held back", glossary::CONTROL_SHARE);
    }
    let common = [
        ("+buyers", glossary::INCREMENTAL),
        ("spend", glossary::SPEND),
        ("+profit", glossary::INCREMENTAL),
        ("5-95%", glossary::INTERVAL),
    ];
    for &(h, tip) in common.iter().chain(extra) {
        glossary::header(ui, h, tip);
    }
    ui.end_row();
}

/// One row's cells under `figures_header` (without its extra columns or the row's end).
fn figures_cells(
    ui: &mut egui::Ui,
    name: &str,
    f: &crate::sim::simulate::Figures,
    held_back: Option<usize>,
    p: &crate::sim::simulate::Interval,
) {
    ui.label(name);
    ui.label(f.targeted.to_string());
    if let Some(n) = held_back {
        ui.label(n.to_string());
    }
    ui.label(format!("{:.0}", f.incremental_buyers));
    ui.label(format!("{:.0}", f.spend()));
    ui.label(format!("{:.0}", f.incremental_profit));
    ui.label(format!("{:.0} to {:.0}", p.p5, p.p95));
}

/// What the plan is expected to do, per offer and in total, with the 5–95% ranges.
fn summary(ui: &mut egui::Ui, plan: &Plan, check: Option<&crate::sim::holdout::PlanCheck>) {
    let held = !plan.control.is_empty();
    egui::Grid::new("plan-summary")
        .striped(true)
        .show(ui, |ui| {
            figures_header(
                ui,
                "offer",
                held,
                &[("past campaign", glossary::PLAN_CHECK)],
            );
            let offers = plan.offers.offers.iter().map(|o| o.name.as_str());
            let parts = offers.zip(plan.per_offer.iter().zip(&plan.per_offer_intervals));
            let rows = parts.filter(|(_, (f, _))| f.targeted > 0);
            for (name, (f, iv)) in rows.chain([("total", (&plan.total, &plan.intervals))]) {
                let held_back = held.then(|| plan.control_of((name != "total").then_some(name)));
                figures_cells(ui, name, f, held_back, &iv.incremental_profit);
                // The model's profit for this offer's customers against the past campaign's.
                match check.map(|c| (c.profit_of(name), c)) {
                    Some((Some(f), _)) => super::control_checks::verdict_label(ui, f.verdict()),
                    Some((None, c)) if name != "total" => {
                        ui.weak(c.unjudged(name));
                    }
                    _ => {
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}
