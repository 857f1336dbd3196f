//! The app shell: top bar with tabs, status bar with rows loaded and the compute device, and one
//! view per tab. Views return commands that the app applies after drawing.

use super::jobs::{self, Dialog, Job, LoadEvent, Loaded};
use super::project::{self, Project};
use super::{customers_view, data_view, models_view};
use crate::data::CleaningChoices;
use crate::model::device::DeviceChoice;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Tab {
    #[default]
    Data,
    Customers,
    Models,
    Scenarios,
    Plan,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Data,
        Tab::Customers,
        Tab::Models,
        Tab::Scenarios,
        Tab::Plan,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Data => "Data",
            Tab::Customers => "Customers",
            Tab::Models => "Models",
            Tab::Scenarios => "Scenarios",
            Tab::Plan => "Plan",
        }
    }
}

/// What views ask the app to do.
pub enum Command {
    Load(Vec<PathBuf>),
    OpenDialog,
    OpenProjectDialog,
    SaveProject,
    SaveProjectAs,
    ApplyCleaning(CleaningChoices),
    /// Reload the data with this column mapping for one file.
    ApplyMapping(PathBuf, crate::data::Mapping),
    CancelLoad,
}

/// Settings kept between sessions.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct Persisted {
    tab: Tab,
    dark: bool,
    /// The project last opened or saved, reopened at start when no files are given.
    last_project: Option<PathBuf>,
}

pub struct PromolabApp {
    persisted: Persisted,
    pub paths: Vec<PathBuf>,
    /// Column mappings the user chose, per file.
    pub mappings: jobs::Mappings,
    pub loaded: Option<Loaded>,
    pub data_view: data_view::DataView,
    pub customers_view: customers_view::CustomersView,
    pub models_view: models_view::ModelsView,
    pub scenarios_view: super::scenarios_view::ScenariosView,
    pub plan_view: super::plan_view::PlanView,
    load_job: Option<Job<LoadEvent>>,
    load_progress: Option<(usize, usize, String)>,
    device_job: Option<Job<Result<(String, String), String>>>,
    dialog_job: Option<(Dialog, Job<jobs::Picked>)>,
    /// The open project file, if any.
    pub project_path: Option<PathBuf>,
    pub device_label: String,
    pub device_reason: String,
    /// Errors to show until dismissed (their text can be selected and copied).
    pub messages: Vec<String>,
    /// Hints that are not errors, shown the same way.
    pub notices: Vec<String>,
    ctx: egui::Context,
}

impl PromolabApp {
    pub fn new(cc: &eframe::CreationContext<'_>, paths: Vec<PathBuf>) -> Self {
        let persisted: Persisted = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        cc.egui_ctx.set_visuals(if persisted.dark {
            egui::Visuals::dark()
        } else {
            egui::Visuals::light()
        });
        let mut app = Self {
            persisted,
            paths: Vec::new(),
            mappings: Default::default(),
            loaded: None,
            data_view: data_view::DataView::default(),
            customers_view: Default::default(),
            models_view: models_view::ModelsView::default(),
            scenarios_view: Default::default(),
            plan_view: Default::default(),
            load_job: None,
            load_progress: None,
            device_job: Some(jobs::probe_device(cc.egui_ctx.clone(), DeviceChoice::Auto)),
            dialog_job: None,
            project_path: None,
            device_label: "detecting…".into(),
            device_reason: String::new(),
            messages: Vec::new(),
            notices: Vec::new(),
            ctx: cc.egui_ctx.clone(),
        };
        if !paths.is_empty() {
            app.apply(Command::Load(paths));
        } else if let Some(last) = app.persisted.last_project.clone().filter(|p| p.exists()) {
            app.open_project(&last);
        }
        app
    }

    /// Everything the project file keeps, from the screens' current state.
    pub fn project(&self) -> Project {
        let model_dir = PathBuf::from(&self.models_view.save_path);
        Project {
            version: project::PROJECT_VERSION,
            data_files: self.paths.clone(),
            scenario: self.scenarios_view.scenario.clone(),
            saved_scenarios: self.scenarios_view.saved_scenarios(),
            budget: self.scenarios_view.budget,
            offers: self.scenarios_view.offers.clone(),
            model_dir: (self.models_view.result.is_some() && model_dir.join("meta.json").exists())
                .then_some(model_dir),
            plan_template: self.plan_view.template.clone(),
            send_time: self.plan_view.send_time.clone(),
            export_path: self.plan_view.path.clone(),
            segments: self.customers_view.segments.clone(),
            mappings: self
                .mappings
                .iter()
                .map(|(file, mapping)| project::FileMapping {
                    file: file.clone(),
                    mapping: mapping.clone(),
                })
                .collect(),
        }
    }

    pub fn save_project(&mut self, path: &std::path::Path) {
        let path = project::with_extension(path.to_path_buf());
        match project::save(&self.project(), &path) {
            Ok(()) => {
                self.notices
                    .push(format!("project saved to {}", path.display()));
                self.persisted.last_project = Some(path.clone());
                self.project_path = Some(path);
            }
            Err(e) => self.messages.push(e),
        }
    }

    /// Opens a project: loads its data in the background and restores the screens' settings.
    pub fn open_project(&mut self, path: &std::path::Path) {
        let p = match project::open(path) {
            Ok(p) => p,
            Err(e) => {
                self.messages.push(e);
                return;
            }
        };
        self.scenarios_view
            .restore(p.scenario, p.saved_scenarios, p.budget, p.offers);
        self.plan_view.template = p.plan_template;
        self.plan_view.send_time = p.send_time;
        self.plan_view.path = p.export_path;
        self.customers_view.segments = p.segments;
        self.mappings = p
            .mappings
            .into_iter()
            .map(|m| (jobs::mapping_key(&m.file), m.mapping))
            .collect();
        if let Some(dir) = p.model_dir {
            self.models_view.save_path = dir.display().to_string();
            self.models_view.load_saved(self.ctx.clone());
        }
        self.persisted.last_project = Some(path.to_path_buf());
        self.project_path = Some(path.to_path_buf());
        if !p.data_files.is_empty() {
            self.apply(Command::Load(p.data_files));
        }
    }

    fn open_dialog(&mut self, which: Dialog) {
        if self.dialog_job.is_none() {
            self.dialog_job = Some((which, jobs::pick(self.ctx.clone(), which)));
        }
    }

    fn on_dialog(&mut self, which: Dialog, paths: Vec<PathBuf>) {
        let Some(first) = paths.first().cloned() else {
            return;
        };
        match which {
            Dialog::OpenData => self.apply(Command::Load(paths)),
            Dialog::OpenProject => self.open_project(&first),
            Dialog::SaveProject => self.save_project(&first),
            Dialog::ExportPlan => self.plan_view.export_to(&first, &mut self.scenarios_view),
            Dialog::OpenOffers => {
                if let Err(e) = self.scenarios_view.open_offers(&first) {
                    self.messages.push(e);
                }
            }
            Dialog::SaveOffers => {
                if let Err(e) = self.scenarios_view.save_offers(&first) {
                    self.messages.push(e);
                }
            }
            Dialog::OpenResults => {
                self.plan_view.measure.results_path = first.display().to_string();
            }
            Dialog::OpenPlan => self.plan_view.path = first.display().to_string(),
        }
    }

    pub fn tab(&self) -> Tab {
        self.persisted.tab
    }

    pub fn set_tab(&mut self, tab: Tab) {
        self.persisted.tab = tab;
    }

    pub fn is_busy(&self) -> bool {
        self.load_job.is_some() || self.device_job.is_some()
    }

    /// Blocks until the background jobs have finished and applies their results (for tests
    /// and scripted runs; the UI itself only polls).
    pub fn wait_for_jobs(&mut self) {
        self.models_view.wait();
        if let Some(e) = self.scenarios_view.wait(self.loaded.as_ref()) {
            self.messages.push(e);
        }
        self.plan_view.wait(&mut self.scenarios_view);
        while self.is_busy() {
            if let Some(job) = &self.load_job
                && let Ok(e) = job.rx.recv()
            {
                self.on_load_event(e);
                continue;
            }
            if let Some(job) = &self.device_job {
                match job.rx.recv() {
                    Ok(r) => self.on_device(r),
                    Err(_) => self.device_job = None,
                }
            }
            if self.load_job.as_ref().is_some_and(|j| j.poll().1) {
                self.load_job = None;
            }
        }
    }

    fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::Load(paths) => {
                if let Some(job) = &self.load_job {
                    job.cancel();
                }
                self.paths = paths.clone();
                self.load_progress = None;
                self.load_job = Some(jobs::load(
                    self.ctx.clone(),
                    paths,
                    CleaningChoices::default(),
                    self.mappings.clone(),
                ));
            }
            Command::ApplyCleaning(choices) => {
                if self.load_job.is_some() {
                    self.messages
                        .push("wait for the current load to finish before cleaning".into());
                    return;
                }
                self.load_job = Some(jobs::load(
                    self.ctx.clone(),
                    self.paths.clone(),
                    choices,
                    self.mappings.clone(),
                ));
            }
            Command::ApplyMapping(file, mapping) => {
                self.mappings.insert(jobs::mapping_key(&file), mapping);
                self.data_view.draft = None;
                let paths = self.paths.clone();
                self.apply(Command::Load(paths));
            }
            Command::OpenDialog => self.open_dialog(Dialog::OpenData),
            Command::OpenProjectDialog => self.open_dialog(Dialog::OpenProject),
            Command::SaveProject => match self.project_path.clone() {
                Some(p) => self.save_project(&p),
                None => self.open_dialog(Dialog::SaveProject),
            },
            Command::SaveProjectAs => self.open_dialog(Dialog::SaveProject),
            Command::CancelLoad => {
                if let Some(job) = &self.load_job {
                    job.cancel();
                }
            }
        }
    }

    fn on_load_event(&mut self, e: LoadEvent) {
        match e {
            LoadEvent::Progress { done, total, file } => {
                self.load_progress = Some((done, total, file))
            }
            LoadEvent::NeedsMapping {
                path,
                headers,
                error,
            } => {
                let mapping = self.mappings.get(&path).cloned().unwrap_or_default();
                self.data_view.draft = Some(super::mapping_view::MappingDraft {
                    path,
                    headers,
                    mapping,
                    reason: Some(error),
                });
                self.data_view.pane = data_view::Pane::Mapping;
                self.persisted.tab = Tab::Data;
            }
            LoadEvent::Finished(Ok(loaded)) => {
                self.data_view.selected = 0;
                self.loaded = Some(loaded);
                self.load_job = None;
                self.load_progress = None;
            }
            LoadEvent::Finished(Err(e)) => {
                self.messages.push(e);
                self.load_job = None;
                self.load_progress = None;
            }
        }
    }

    fn on_device(&mut self, r: Result<(String, String), String>) {
        match r {
            Ok((label, reason)) => {
                self.device_label = label;
                self.device_reason = reason;
            }
            Err(e) => {
                self.device_label = "CPU (NdArray)".into();
                self.device_reason = e;
            }
        }
        self.device_job = None;
    }

    fn poll_jobs(&mut self) {
        if let Some(e) = self.scenarios_view.poll(self.loaded.as_ref()) {
            self.messages.push(e);
        }
        if let Some(job) = &self.load_job {
            let (events, gone) = job.poll();
            for e in events {
                self.on_load_event(e);
            }
            if gone && self.load_job.is_some() {
                self.load_job = None;
            }
        }
        if let Some(job) = &self.device_job {
            let (mut results, gone) = job.poll();
            if let Some(r) = results.pop() {
                self.on_device(r);
            } else if gone {
                self.device_job = None;
            }
        }
        if let Some((which, job)) = &self.dialog_job {
            let which = *which;
            let (mut results, gone) = job.poll();
            if let Some(r) = results.pop() {
                self.dialog_job = None;
                match r {
                    Ok(Some(paths)) if !paths.is_empty() => self.on_dialog(which, paths),
                    Ok(_) => self.notices.push(
                        "No files were chosen. If no file dialog appeared (no desktop portal on this system), type a path or drop files on the window.".into(),
                    ),
                    Err(e) => self.messages.push(e),
                }
            } else if gone {
                self.dialog_job = None;
            }
        }
    }

    /// Ctrl+Z / Ctrl+Shift+Z undo and redo scenario edits; Ctrl+E exports the plan; Ctrl+S
    /// saves the project, Ctrl+O opens one.
    fn shortcuts(&mut self, ctx: &egui::Context) -> Vec<Command> {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
        let export = KeyboardShortcut::new(Modifiers::COMMAND, Key::E);
        let save = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
        let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
        let (r, u, e, s, o) = ctx.input_mut(|i| {
            (
                i.consume_shortcut(&redo),
                i.consume_shortcut(&undo),
                i.consume_shortcut(&export),
                i.consume_shortcut(&save),
                i.consume_shortcut(&open),
            )
        });
        let mut commands = Vec::new();
        if s {
            commands.push(Command::SaveProject);
        }
        if o {
            commands.push(Command::OpenProjectDialog);
        }
        if r {
            self.scenarios_view.redo();
        } else if u {
            self.scenarios_view.undo();
        }
        if e && self.scenarios_view.optimized.is_some() {
            self.plan_view.export_and_report(&mut self.scenarios_view);
        }
        commands
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if !dropped.is_empty() {
            self.apply(Command::Load(dropped));
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        egui::Panel::top("top_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("promolab");
                ui.separator();
                for tab in Tab::ALL {
                    if ui
                        .selectable_label(self.persisted.tab == tab, tab.label())
                        .clicked()
                    {
                        self.persisted.tab = tab;
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .button("Save as...")
                        .on_hover_text("Save the project under a new name")
                        .clicked()
                    {
                        commands.push(Command::SaveProjectAs);
                    }
                    if ui
                        .button("Save project")
                        .on_hover_text("Ctrl+S: data files, scenarios, budget, offers, model folder and plan settings in one .promolab file")
                        .clicked()
                    {
                        commands.push(Command::SaveProject);
                    }
                    if ui
                        .button("Open project...")
                        .on_hover_text("Ctrl+O")
                        .clicked()
                    {
                        commands.push(Command::OpenProjectDialog);
                    }
                    if let Some(p) = &self.project_path {
                        ui.label(
                            p.file_name()
                                .map(|n| n.to_string_lossy().to_string())
                                .unwrap_or_default(),
                        )
                        .on_hover_text(p.display().to_string());
                    }
                    ui.separator();
                    let label = if self.persisted.dark {
                        "Light theme"
                    } else {
                        "Dark theme"
                    };
                    if ui
                        .button(label)
                        .on_hover_text("Switch between light and dark theme")
                        .clicked()
                    {
                        self.persisted.dark = !self.persisted.dark;
                        ui.ctx().set_visuals(if self.persisted.dark {
                            egui::Visuals::dark()
                        } else {
                            egui::Visuals::light()
                        });
                    }
                });
            });
        });
        commands
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) -> Option<Command> {
        let mut cmd = None;
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                match &self.loaded {
                    Some(l) => {
                        let rows: usize = l.tables.iter().map(|t| t.n_rows()).sum();
                        ui.label(format!(
                            "{} tables · {} rows loaded",
                            l.tables.len(),
                            thousands(rows)
                        ));
                    }
                    None => {
                        ui.label("no data loaded");
                    }
                }
                if let Some((done, total, file)) = &self.load_progress {
                    ui.separator();
                    ui.add(
                        egui::ProgressBar::new(*done as f32 / (*total).max(1) as f32)
                            .desired_width(120.0),
                    );
                    ui.label(format!("loading {file}"));
                    if ui.button("Cancel").clicked() {
                        cmd = Some(Command::CancelLoad);
                    }
                } else if self.load_job.is_some() {
                    ui.separator();
                    ui.spinner();
                    ui.label("validating…");
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.label(format!("Compute device: {}", self.device_label))
                        .on_hover_text(&self.device_reason);
                });
            });
        });
        cmd
    }

    /// The next step from data to an exported plan, for someone new to promolab: what to do and
    /// on which screen. `None` once a plan has been exported.
    pub fn next_step(&self) -> Option<(&'static str, Tab)> {
        let sv = &self.scenarios_view;
        if self.loaded.is_none() {
            Some((
                "Step 1 of 4: open your data (Open files…, or drop files on the window), or press Sample data.",
                Tab::Data,
            ))
        } else if sv.table.is_none() {
            Some((
                "Step 2 of 4: on Scenarios, press \"Train a planning model\" (about 15 seconds on the sample data, longer on more customers); it learns who responds to which offer.",
                Tab::Scenarios,
            ))
        } else if sv.optimized.is_none() {
            Some((
                "Step 3 of 4: try offers with the sliders, then set a budget and press Optimize (Scenarios, lower part).",
                Tab::Scenarios,
            ))
        } else if !self.plan_view.status.starts_with("wrote") {
            Some((
                "Step 4 of 4: on Plan, check the messages and press Export CSV.",
                Tab::Plan,
            ))
        } else {
            None
        }
    }

    fn guide(&mut self, ui: &mut egui::Ui) {
        let Some((text, tab)) = self.next_step() else {
            return;
        };
        egui::Panel::top("guide").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new(text).strong());
                if self.persisted.tab != tab
                    && ui.button(format!("Go to {}", tab.label())).clicked()
                {
                    self.persisted.tab = tab;
                }
            });
        });
    }

    fn messages(&mut self, ui: &mut egui::Ui) {
        if self.messages.is_empty() && self.notices.is_empty() {
            return;
        }
        egui::Panel::top("messages").show(ui, |ui| {
            let error = ui.visuals().error_fg_color;
            let note = ui.visuals().text_color();
            for (list, label, color) in [
                (&mut self.messages, "Error:", error),
                (&mut self.notices, "Note:", note),
            ] {
                let mut dismiss = None;
                for (i, m) in list.iter().enumerate() {
                    ui.horizontal(|ui| {
                        ui.colored_label(color, label);
                        ui.add(egui::Label::new(m).selectable(true));
                        if ui.small_button("Dismiss").clicked() {
                            dismiss = Some(i);
                        }
                    });
                }
                if let Some(i) = dismiss {
                    list.remove(i);
                }
            }
        });
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl eframe::App for PromolabApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.poll_jobs();
        self.messages.extend(jobs::take_crashes(&ctx));
        self.dropped_files(&ctx);
        let mut commands = self.top_bar(ui);
        commands.extend(self.status_bar(ui));
        self.guide(ui);
        self.messages(ui);
        egui::CentralPanel::default().show(ui, |ui| match self.persisted.tab {
            Tab::Data => commands.extend(self.data_view.ui(
                ui,
                self.loaded.as_ref(),
                self.load_job.is_some(),
                &self.mappings,
            )),
            Tab::Customers => {
                if let Some(customers_view::CustomersAction::Target(filters)) =
                    self.customers_view.ui(
                        ui,
                        self.loaded.as_ref(),
                        customers_view::Planning {
                            table: self.scenarios_view.table.as_deref(),
                            oracle: self.scenarios_view.oracle.as_deref(),
                            scenario: &self.scenarios_view.scenario,
                            plan: self.scenarios_view.optimized.as_ref().map(|o| &o.plan),
                        },
                    )
                {
                    let text: Vec<String> =
                        filters.iter().map(super::filter_edit::describe).collect();
                    self.notices.push(format!(
                        "The scenario now targets only customers where {}.",
                        text.join(" and ")
                    ));
                    self.scenarios_view.scenario.targeting.filters = filters;
                    self.persisted.tab = Tab::Scenarios;
                }
            }
            Tab::Models => self.models_view.ui(
                ui,
                self.loaded.as_ref(),
                (&self.device_label, &self.device_reason),
            ),
            Tab::Scenarios => {
                let spec = self
                    .loaded
                    .as_ref()
                    .map(|l| self.models_view.data_spec(l))
                    .unwrap_or_default();
                self.scenarios_view.ui(
                    ui,
                    self.loaded.as_ref(),
                    self.models_view.result.as_ref(),
                    spec,
                    self.models_view.device,
                )
            }
            Tab::Plan => self.plan_view.ui(ui, &mut self.scenarios_view),
        });
        commands.extend(self.shortcuts(&ctx));
        if std::mem::take(&mut self.plan_view.want_dialog) {
            self.open_dialog(Dialog::ExportPlan);
        }
        if let Some(which) = self.scenarios_view.want_dialog.take() {
            self.open_dialog(which);
        }
        if let Some(which) = self.plan_view.measure.want_dialog.take() {
            self.open_dialog(which);
        }
        for c in commands {
            self.apply(c);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::thousands(12), "12");
    }
}
