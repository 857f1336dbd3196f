//! The Models tab: choose model, device and settings; train in the background with live loss
//! curves and cancel; see test metrics and Qini curves; save and load models.

use super::chart_style::NiceAxes;
use super::glossary;
use super::jobs::{Job, Loaded, spawn};
use crate::data::TableKind;
use crate::model::dataset::FlatSpec;
use crate::model::device::{self, DeviceChoice};
use crate::model::evaluate::Evaluation;
use crate::model::pipeline::{self, DataSpec};
use crate::model::store::{self, ModelMeta};
use crate::model::train::{EpochStats, TrainConfig, TrainEvent};
use crate::model::uplift::{ModelKind, TrainedModel};
use egui_plot::{Legend, Line, Plot};
use std::path::PathBuf;
use std::sync::atomic::Ordering;

pub enum ModelEvent {
    /// What the training runs on (the device's label and why it was chosen), and whether it is
    /// a GPU.
    Device(String, bool),
    Progress(TrainEvent),
    Finished(Box<Result<(TrainedModel, ModelMeta), String>>),
    Loaded(PathBuf, Box<Result<(TrainedModel, ModelMeta), String>>),
    /// The current model evaluated on the loaded data: what was evaluated, in words, and the
    /// metrics.
    Evaluated(Box<Result<(String, Evaluation), String>>),
}

pub struct ModelsView {
    pub kind: ModelKind,
    pub device: DeviceChoice,
    pub cfg: TrainConfig,
    pub control: String,
    /// A flat table's treatment to compare with the control; empty: every other value.
    pub treatment: String,
    pub outcome: String,
    pub job: Option<Job<ModelEvent>>,
    pub history: Vec<EpochStats>,
    pub batch: (usize, usize, usize),
    /// The training under way runs on a GPU (its first batch waits for kernels to compile).
    on_gpu: bool,
    /// Estimated seconds left (at most the epoch limit; early stopping may end sooner).
    pub eta_seconds: Option<f64>,
    pub result: Option<(TrainedModel, ModelMeta)>,
    /// `result` evaluated on the loaded data ("Evaluate on this data"), shown instead of the
    /// test metrics saved with it: what was evaluated, in words, and the metrics.
    pub evaluation: Option<(String, Evaluation)>,
    pub status: String,
    pub save_path: String,
    /// Saved models found next to `save_path` and in the cache, read when asked (not per frame).
    saved: Option<Vec<(PathBuf, ModelMeta)>>,
}

impl Default for ModelsView {
    fn default() -> Self {
        Self {
            kind: ModelKind::Uplift,
            device: DeviceChoice::Auto,
            cfg: TrainConfig {
                epochs: 10,
                ..TrainConfig::default()
            },
            control: String::new(),
            treatment: String::new(),
            outcome: String::new(),
            job: None,
            history: Vec::new(),
            batch: (0, 0, 0),
            on_gpu: false,
            eta_seconds: None,
            result: None,
            evaluation: None,
            status: String::new(),
            save_path: "models/uplift".into(),
            saved: None,
        }
    }
}

/// A flat table's revenue column, when it has one ("spend" or "revenue") that is not `outcome`:
/// the baskets, and so the revenue and profit, come from it.
fn flat_value(loaded: &Loaded, outcome: &str) -> Option<String> {
    let t = loaded
        .tables
        .iter()
        .find(|t| t.kind == TableKind::FlatCampaign)?;
    ["spend", "revenue"]
        .into_iter()
        .find(|v| *v != outcome && t.column(v).is_some())
        .map(String::from)
}

impl ModelsView {
    fn on_event(&mut self, e: ModelEvent) {
        match e {
            ModelEvent::Device(d, gpu) => {
                self.status = format!("training on {d}");
                self.on_gpu = gpu;
            }
            ModelEvent::Progress(TrainEvent::Batch {
                epoch,
                batch,
                batches,
                ..
            }) => self.batch = (epoch, batch, batches),
            ModelEvent::Progress(TrainEvent::Epoch {
                stats, eta_seconds, ..
            }) => {
                self.history.push(stats);
                self.eta_seconds = Some(eta_seconds);
            }
            ModelEvent::Finished(r) => {
                self.job = None;
                match *r {
                    Ok(m) => {
                        self.status =
                            format!("trained in {:.1} s on {}", m.1.train_seconds, m.1.device);
                        self.result = Some(m);
                        self.evaluation = None;
                    }
                    Err(e) => self.status = format!("training failed: {e}"),
                }
            }
            ModelEvent::Loaded(dir, r) => {
                self.job = None;
                match *r {
                    Ok((m, meta)) => {
                        self.status =
                            format!("loaded {} from {}", meta.kind.label(), dir.display());
                        // The settings show the model on screen: its kind and how it was
                        // trained (Train trains another like it).
                        self.kind = meta.kind;
                        self.cfg = meta.train.clone();
                        self.history = meta
                            .nets
                            .first()
                            .map(|n| n.history.clone())
                            .unwrap_or_default();
                        self.result = Some((m, meta));
                        self.evaluation = None;
                    }
                    Err(e) => self.status = e,
                }
            }
            ModelEvent::Evaluated(r) => {
                self.job = None;
                match *r {
                    Ok((what, m)) => {
                        self.status = "evaluated on the loaded data: results on the right".into();
                        self.evaluation = Some((what, m));
                    }
                    Err(e) => self.status = format!("evaluation failed: {e}"),
                }
            }
        }
    }

    /// Applies what the training job reported since the last frame.
    pub fn poll(&mut self) {
        let Some(job) = &self.job else { return };
        let (events, gone) = job.poll();
        for e in events {
            self.on_event(e);
        }
        if gone {
            self.job = None;
        }
    }

    /// Blocks until the training job is done (tests and scripted runs).
    pub fn wait(&mut self) {
        while let Some(job) = &self.job {
            match job.rx.recv() {
                Ok(e) => self.on_event(e),
                Err(_) => self.job = None,
            }
        }
    }

    /// A flat table's control group and outcome: kept while they are among the table's, else a
    /// treatment value with "no" in it (or the first) and the first outcome column.
    fn default_flat_choices(&mut self, values: &[String], outcomes: &[String]) {
        if !values.contains(&self.control)
            && let Some(v) = values
                .iter()
                .find(|v| v.to_lowercase().contains("no"))
                .or(values.first())
        {
            self.control = v.clone();
        }
        if !outcomes.contains(&self.outcome) && !outcomes.is_empty() {
            self.outcome = outcomes[0].clone();
        }
        if !self.treatment.is_empty()
            && (self.treatment == self.control || !values.contains(&self.treatment))
        {
            self.treatment.clear();
        }
    }

    /// What the loaded data is to train on: for a flat campaign table, the control group and
    /// outcome chosen on this screen (the Scenarios screen's planning model uses them too).
    pub fn data_spec(&mut self, loaded: &Loaded) -> DataSpec {
        match &loaded.flat_choices {
            Some((values, outcomes)) => {
                self.default_flat_choices(values, outcomes);
                DataSpec {
                    flat: Some(FlatSpec {
                        control: self.control.clone(),
                        treatments: if self.treatment.is_empty() {
                            Vec::new()
                        } else {
                            vec![self.treatment.clone()]
                        },
                        outcome: self.outcome.clone(),
                        value: flat_value(loaded, &self.outcome),
                    }),
                    campaign: None,
                }
            }
            None => DataSpec::default(),
        }
    }

    fn start(&mut self, ctx: egui::Context, loaded: &Loaded) {
        let spec = self.data_spec(loaded);
        let tables = loaded.tables.clone();
        let truth = loaded.truth.clone();
        let (kind, choice, cfg) = (self.kind, self.device, self.cfg.clone());
        self.history.clear();
        self.eta_seconds = None;
        self.result = None;
        self.evaluation = None;
        self.batch = (0, 0, 0);
        self.on_gpu = false;
        self.status = "preparing…".into();
        self.job = Some(spawn("train", ctx, move |send, cancel| {
            // Building the profiles can take a while on large data: it runs here, not in the UI.
            let ds = match pipeline::build_dataset(&tables, &spec) {
                Ok(ds) => ds,
                Err(e) => return send(ModelEvent::Finished(Box::new(Err(e)))),
            };
            let job = device::Workload {
                rows: ds.n(),
                batch_size: cfg.batch_size,
            };
            let device = match device::select_for(choice, job) {
                Ok(d) => d,
                Err(e) => return send(ModelEvent::Finished(Box::new(Err(e)))),
            };
            send(ModelEvent::Device(
                format!("{} ({})", device.label(), device.reason),
                device.is_gpu(),
            ));
            let on_event = |e: TrainEvent| send(ModelEvent::Progress(e));
            let req = pipeline::TrainRequest {
                kind,
                spec: &spec,
                cfg: &cfg,
                truth: truth.as_deref(),
            };
            let r = pipeline::train_and_evaluate(&req, &ds, &device, &on_event, cancel)
                .map_err(|e| e.to_string());
            send(ModelEvent::Finished(Box::new(r)));
        }));
    }

    /// Loads the model saved in `save_path` onto the chosen device, in the background (probing
    /// a GPU can take a moment).
    pub fn load_saved(&mut self, ctx: egui::Context) {
        if self.job.is_some() {
            self.status = "wait for the running job to finish".into();
            return;
        }
        let dir = PathBuf::from(&self.save_path);
        let choice = self.device;
        self.status = format!("loading {}…", dir.display());
        self.job = Some(spawn("load model", ctx, move |send, _| {
            // Loading is not scoring, but the model is scored later on the device chosen then
            // (`predict` moves it): under Auto the CPU, without waking the GPU.
            let r = device::select_for_scoring(choice, 0)
                .map_err(|e| e.to_string())
                .and_then(|d| store::load(&dir, &d.device).map_err(|e| e.to_string()));
            send(ModelEvent::Loaded(dir, Box::new(r)));
        }));
    }

    /// Evaluates the current model on the loaded data in the background, like `promolab
    /// evaluate`: on its test split when this is the data it was trained on, else on every row.
    pub fn evaluate_on_loaded(&mut self, ctx: egui::Context, loaded: &Loaded) {
        let Some((model, meta)) = self.result.clone() else {
            return;
        };
        if self.job.is_some() {
            self.status = "wait for the running job to finish".into();
            return;
        }
        let (tables, truth, choice) = (loaded.tables.clone(), loaded.truth.clone(), self.device);
        self.status = "evaluating…".into();
        self.job = Some(spawn("evaluate", ctx, move |send, _| {
            let r = pipeline::build_dataset(&tables, &meta.data_spec).and_then(|ds| {
                let device = device::select_for_scoring(choice, ds.n())?;
                let (rows, what) = pipeline::evaluation_rows(&ds, &meta);
                let m =
                    pipeline::evaluate_model(&model, &ds.subset(&rows), truth.as_deref(), &device)?;
                let heading = format!(
                    "{} evaluated on {what}: {} customers, on {}",
                    meta.kind.label(),
                    m.rows,
                    device.label()
                );
                Ok((heading, m))
            });
            send(ModelEvent::Evaluated(Box::new(r)));
        }));
    }

    /// Where saved models are looked for: the folder around `save_path` and the cache.
    fn model_roots(&self) -> Vec<PathBuf> {
        let parent = PathBuf::from(&self.save_path)
            .parent()
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        vec![parent, crate::util::cache_dir().join("models")]
    }

    fn saved_list(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("Saved models");
            if ui.small_button("Refresh").clicked() {
                self.saved = None;
            }
        });
        let roots = self.model_roots();
        let list = self.saved.get_or_insert_with(|| store::list_saved(&roots));
        if list.is_empty() {
            ui.weak("none yet: train one and press Save model");
            return;
        }
        let mut pick = None;
        egui::ScrollArea::vertical()
            .id_salt("saved_models")
            .max_height(160.0)
            .show(ui, |ui| {
                for (dir, meta) in list.iter() {
                    let auc = meta
                        .test_metrics
                        .as_ref()
                        .and_then(|m| m.auc)
                        .map_or(String::new(), |a| format!(" · AUC {a:.3}"));
                    let name = dir
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    let selected = std::path::Path::new(&self.save_path) == dir.as_path();
                    if ui
                        .selectable_label(selected, format!("{name}: {}{auc}", meta.kind.label()))
                        .on_hover_text(format!(
                            "{}\n{}\ntrained on {} in {:.1} s",
                            dir.display(),
                            meta.data_description,
                            meta.device,
                            meta.train_seconds
                        ))
                        .clicked()
                    {
                        pick = Some(dir.clone());
                    }
                }
            });
        if let Some(dir) = pick {
            self.save_path = dir.display().to_string();
            self.load_saved(ui.ctx().clone());
        }
    }

    /// `detected` names the device Auto picks (from the app's probe at start).
    pub fn ui(&mut self, ui: &mut egui::Ui, loaded: Option<&Loaded>, detected: (&str, &str)) {
        self.poll();
        let Some(loaded) = loaded else {
            ui.label("Load data on the Data tab first.");
            return;
        };
        egui::Panel::left("model_settings")
            .default_size(300.0)
            .show(ui, |ui| {
                ui.heading("Train a model");
                // The label above: beside the box, the longest model name squeezed it into a
                // column one letter wide.
                ui.label("model");
                egui::ComboBox::from_id_salt("model")
                    .width(ui.available_width() - 8.0)
                    .selected_text(self.kind.label())
                    .show_ui(ui, |ui| {
                        for k in [
                            ModelKind::Uplift,
                            ModelKind::Tlearner,
                            ModelKind::Propensity,
                            ModelKind::Response,
                        ] {
                            ui.selectable_value(&mut self.kind, k, k.label());
                        }
                    });
                egui::ComboBox::from_label("device")
                    .selected_text(format!("{:?}", self.device))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.device, DeviceChoice::Auto, "Auto")
                            .on_hover_text("A hardware GPU if there is one, else the CPU");
                        ui.selectable_value(&mut self.device, DeviceChoice::Gpu, "GPU")
                            .on_hover_text("The wgpu adapter, even a software one");
                        ui.selectable_value(&mut self.device, DeviceChoice::Cpu, "CPU");
                    });
                ui.weak(format!("Auto picks: {}", detected.0))
                    .on_hover_text(detected.1);
                if let Some((values, _)) = &loaded.flat_choices
                    && values.is_empty()
                {
                    ui.label("The treatment column is empty: there is nothing to train on.");
                    return;
                }
                if let Some((values, outcomes)) = &loaded.flat_choices {
                    self.default_flat_choices(values, outcomes);
                    egui::ComboBox::from_label("control group")
                        .selected_text(&self.control)
                        .show_ui(ui, |ui| {
                            for v in values {
                                ui.selectable_value(&mut self.control, v.clone(), v);
                            }
                        });
                    let every = "every other";
                    egui::ComboBox::from_label("treatment")
                        .selected_text(if self.treatment.is_empty() {
                            every
                        } else {
                            &self.treatment
                        })
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut self.treatment, String::new(), every);
                            for v in values.iter().filter(|v| **v != self.control) {
                                ui.selectable_value(&mut self.treatment, v.clone(), v);
                            }
                        })
                        .response
                        .on_hover_text("Compared with the control group. With one treatment, the Scenarios screen's message is that treatment and the plan is checked against its customers.");
                    egui::ComboBox::from_label("outcome")
                        .selected_text(&self.outcome)
                        .show_ui(ui, |ui| {
                            for v in outcomes {
                                ui.selectable_value(&mut self.outcome, v.clone(), v);
                            }
                        });
                    match flat_value(loaded, &self.outcome) {
                        Some(v) => ui.weak(format!("revenue from the '{v}' column")),
                        None => ui.weak("no revenue column: profit counts sending costs only"),
                    };
                }
                ui.add(egui::Slider::new(&mut self.cfg.epochs, 1..=200).text("epochs"));
                ui.add(
                    egui::Slider::new(&mut self.cfg.batch_size, 64..=8192)
                        .logarithmic(true)
                        .text("batch size"),
                );
                ui.add(
                    egui::Slider::new(&mut self.cfg.learning_rate, 1e-4..=1e-1)
                        .logarithmic(true)
                        .text("learning rate"),
                );
                ui.add(
                    egui::Slider::new(&mut self.cfg.patience, 1..=50).text("early-stop patience"),
                );
                ui.checkbox(
                    &mut self.cfg.class_weighting,
                    "weigh buyers and non-buyers equally",
                );
                if matches!(self.kind, ModelKind::Uplift | ModelKind::Propensity) {
                    ui.checkbox(&mut self.cfg.linear_skip, "linear path beside the hidden layers")
                        .on_hover_text("\"Wide and deep\": the features also reach each offer's buying logit directly, so the network contains the logistic model (on Hillstrom: Qini 0.00392 vs 0.00308 without, same split).");
                }
                ui.horizontal(|ui| {
                    ui.label("seed");
                    ui.add(egui::DragValue::new(&mut self.cfg.seed));
                });
                ui.separator();
                if let Some(job) = &self.job {
                    if ui.button("Cancel").clicked() {
                        job.cancel.store(true, Ordering::Relaxed);
                    }
                } else if ui.button("Train").clicked() {
                    self.start(ui.ctx().clone(), loaded);
                }
                ui.label(&self.status);
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label("folder");
                    ui.text_edit_singleline(&mut self.save_path);
                });
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(self.result.is_some(), egui::Button::new("Save model"))
                        .clicked()
                        && let Some((m, meta)) = &self.result
                    {
                        self.status = match store::save(m, meta, &PathBuf::from(&self.save_path)) {
                            Ok(()) => format!("saved to {}", self.save_path),
                            Err(e) => e.to_string(),
                        };
                        self.saved = None;
                    }
                    if ui
                        .add_enabled(self.job.is_none(), egui::Button::new("Load model"))
                        .clicked()
                    {
                        self.load_saved(ui.ctx().clone());
                    }
                });
                if ui
                    .add_enabled(
                        self.result.is_some() && self.job.is_none(),
                        egui::Button::new("Evaluate on this data"),
                    )
                    .on_hover_text("Scores the loaded data with this model and shows its metrics: on the model's test split when it was trained on this data, else on every customer (for example a saved model on new data).")
                    .clicked()
                {
                    self.evaluate_on_loaded(ui.ctx().clone(), loaded);
                }
                ui.separator();
                self.saved_list(ui);
            });
        egui::ScrollArea::vertical().show(ui, |ui| {
            if self.job.is_some() {
                let (epoch, batch, batches) = self.batch;
                let frac = (epoch.saturating_sub(1) as f32 + batch as f32 / batches.max(1) as f32)
                    / self.cfg.epochs.max(1) as f32;
                let eta = self
                    .eta_seconds
                    .map(|s| format!(" · at most {s:.0} s left"))
                    .unwrap_or_default();
                let text = match (batches, self.on_gpu) {
                    // Before the first batch: building the profiles, then on a GPU compiling
                    // kernels (cached on disk for later runs; docs/benchmarks.md).
                    (0, true) => "compiling the GPU's kernels: the first training on this computer can wait a minute here, later ones reuse them".to_string(),
                    (0, false) => "preparing the data…".to_string(),
                    _ => format!("epoch {epoch}/{} · batch {batch}/{batches}{eta}", self.cfg.epochs),
                };
                ui.add(egui::ProgressBar::new(frac).text(text));
                ui.ctx().request_repaint();
            }
            ui.strong("Loss per epoch").on_hover_text(glossary::LOSS);
            let train: Vec<[f64; 2]> = self
                .history
                .iter()
                .map(|h| [h.epoch as f64, h.train_loss])
                .collect();
            let valid: Vec<[f64; 2]> = self
                .history
                .iter()
                .map(|h| [h.epoch as f64, h.valid_log_loss])
                .collect();
            if self.history.is_empty() {
                // An empty plot's axes (−0.5 to 0.5) would look like a result.
                ui.weak(if self.job.is_some() {
                    "The training and validation loss appear here after the first epoch."
                } else {
                    "Train a model to see its training and validation loss per epoch here."
                });
            } else {
                Plot::new("loss")
                    .nice_y()
                    .allow_scroll(false)
                    .height(160.0)
                    .legend(Legend::default())
                    .x_axis_label("epoch")
                    .show(ui, |p| {
                        p.line(Line::new("training loss", train));
                        p.line(Line::new("validation log loss", valid));
                    });
            }
            if let Some((what, m)) = &self.evaluation {
                super::model_charts::show(ui, what, m);
            } else if let Some((_, meta)) = &self.result
                && let Some(m) = &meta.test_metrics
            {
                let title = format!("Test results ({} held-out customers)", m.rows);
                super::model_charts::show(ui, &title, m);
            }
        });
    }
}
