//! Scenarios: edit an offer and its targeting, see totals and charts follow the sliders, save and
//! compare scenarios, and optimize who gets which offer under a budget. Every number comes from
//! `sim` (the same functions as the CLI); this file only draws and keeps the editing state.

use super::chart_style::NiceAxes;
use super::jobs::{self, Job, Loaded, spawn};
use super::{chart_style, control_checks, glossary, offers_edit, price_panel, targeting_edit};
use crate::model::device::{self, DeviceChoice};
use crate::model::pipeline::DataSpec;
use crate::model::store::ModelMeta;
use crate::model::train::TrainEvent;
use crate::model::uplift::TrainedModel;
use crate::plan::{self, Plan};
use crate::sim::optimize::{self, FrontierPoint, OfferOption, OffersFile, Problem, Solution};
use crate::sim::scenario::RankBy;
use crate::sim::select;
use crate::sim::simulate::{self, Outcome, SweepPoint};
use crate::sim::{ResponseTable, Scenario, build, truth};
use egui_plot::{Plot, Points};
use std::sync::Arc;

pub enum PrepEvent {
    Progress(String),
    Finished(Box<Result<ResponseTable, String>>),
}

/// What the optimizer's background job sends: the plan first, then (21 more solves, each with
/// its plan's range: about 3.7 s for a million customers) the frontier of that optimization.
pub enum OptEvent {
    Planned(Box<Result<Optimized, String>>),
    Frontier(u64, Vec<FrontierPoint>),
}

/// The optimizer's answer for one budget, with the frontier around it and the plan.
pub struct Optimized {
    pub solution: Solution,
    /// Empty until the background job has computed it.
    pub frontier: Vec<FrontierPoint>,
    /// Rebuilt when the message template or salt changes; its rows keep their order.
    pub plan: Plan,
    /// The plan's rows, most expected incremental profit first (sorted once, in the background,
    /// not every frame of the Plan screen).
    pub by_profit: Vec<usize>,
    /// Tells this optimization from a later one (a plan rebuilt in the background for an
    /// earlier one is dropped).
    pub id: u64,
    /// The plan checked against the past campaign's held-out customers (when the model has
    /// them).
    pub control_check: Option<crate::sim::holdout::PlanCheck>,
    /// The offers it was solved with (the plan's own get the Plan screen's template and send
    /// time).
    pub solved_with: OffersFile,
}

impl Optimized {
    pub fn new(solution: Solution, frontier: Vec<FrontierPoint>, plan: Plan) -> Optimized {
        let mut by_profit: Vec<usize> = (0..plan.rows.len()).collect();
        let profit = |i: usize| plan.rows[i].expected_incremental_profit;
        by_profit.sort_by(|&a, &b| profit(b).total_cmp(&profit(a)));
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Optimized {
            solution,
            frontier,
            by_profit,
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            control_check: None,
            solved_with: plan.offers.clone(),
            plan,
        }
    }
}

pub struct ScenariosView {
    pub table: Option<Arc<ResponseTable>>,
    /// The ground truth's table when the sample generator's truth is loaded.
    pub oracle: Option<Arc<ResponseTable>>,
    pub scenario: Scenario,
    pub outcome: Option<Outcome>,
    pub true_profit: Option<f64>,
    simulated: Option<Scenario>,
    pub sweep: Vec<SweepPoint>,
    /// Uplift by decile of the eligible customers under the current scenario.
    pub deciles: Vec<select::UpliftDecile>,
    /// The scenario (offer value zeroed) the sweep was computed for.
    sweep_key: Option<Scenario>,
    /// The sweep being computed in the background, and for which key (13 re-simulations: about
    /// 220 ms over a million customers, too long for a frame).
    sweep_job: Option<(Scenario, Job<Vec<SweepPoint>>)>,
    pub saved: Vec<(Scenario, Outcome)>,
    committed: Scenario,
    undo: Vec<Scenario>,
    redo: Vec<Scenario>,
    job: Option<Job<PrepEvent>>,
    pub status: String,
    pub budget: f64,
    pub offers: OffersFile,
    opt_job: Option<Job<OptEvent>>,
    pub optimized: Option<Optimized>,
    /// Saved scenarios from an opened project, simulated once a model has scored the customers.
    pending_saved: Vec<Scenario>,
    /// Why the scenario and the offers were changed to fit the model (`fit_offers_to`).
    pub adapted: Option<String>,
    /// Why the current scenario cannot be simulated (shown where its figures would be).
    invalid: Option<String>,
    /// Best price index per segment (shown for a dynamic-price offer).
    pub prices: price_panel::PricePanel,
    /// A file dialog the screen asks the app to open (offers files).
    pub want_dialog: Option<jobs::Dialog>,
}

/// The plain message a scenario and the offers fall back to when the model cannot price
/// discounts (`ScenariosView::fit_offers_to`).
const MESSAGE_TEXT: &str = "Hi {name}, news from us this week.";

/// The charts' sweep: the scenario at 13 values of its offer.
fn sweep_of(t: &ResponseTable, s: &Scenario) -> Vec<SweepPoint> {
    simulate::sweep(t, s, &simulate::sweep_values(&s.offer, 13))
}

/// What the sweep depends on: the scenario with the offer's value zeroed and no name (the name
/// follows the value).
fn sweep_key(s: &Scenario) -> Scenario {
    let mut key = s.clone();
    key.offer = key.offer.with_value(0.0);
    key.name.clear();
    key
}

fn default_scenario() -> Scenario {
    let mut s = Scenario::new("", crate::sim::Offer::PctDiscount { pct: 20.0 });
    s.targeting.top_share = 0.3;
    // As the sample scenario and the optimizer's standard offers: a plan made from it can be
    // measured against the customers held back.
    s.targeting.control_share = 0.1;
    s.name = s.auto_name();
    s.message = "Hi {name}, {discount} off {category} this week only.".into();
    s
}

impl Default for ScenariosView {
    fn default() -> Self {
        let s = default_scenario();
        Self {
            table: None,
            oracle: None,
            committed: s.clone(),
            scenario: s,
            outcome: None,
            true_profit: None,
            simulated: None,
            sweep: Vec::new(),
            deciles: Vec::new(),
            sweep_key: None,
            sweep_job: None,
            saved: Vec::new(),
            pending_saved: Vec::new(),
            adapted: None,
            invalid: None,
            prices: Default::default(),
            want_dialog: None,
            undo: Vec::new(),
            redo: Vec::new(),
            job: None,
            status: String::new(),
            budget: 20_000.0,
            offers: OffersFile::standard(),
            opt_job: None,
            optimized: None,
        }
    }
}

/// Whether a segment is empty, from the last simulation's segment sizes (of the whole table;
/// counting them here would scan every customer each frame). An empty segment is not offered.
fn empty_segments(outcome: &Option<Outcome>) -> impl Fn(&String) -> bool + '_ {
    move |name| {
        outcome.as_ref().is_some_and(|o| {
            o.per_segment
                .iter()
                .any(|g| g.segment == *name && g.customers == 0)
        })
    }
}

/// Offer types a user can pick, with a sensible starting value each.
fn offer_choices() -> Vec<crate::sim::Offer> {
    use crate::sim::Offer::*;
    vec![
        PctDiscount { pct: 20.0 },
        Coupon {
            amount: 10.0,
            min_spend: 60.0,
        },
        FreeShipping { fee: 6.0 },
        Gift {
            threshold: 50.0,
            gift_cost: 12.0,
            perceived_value: 0.7,
        },
        DynamicPrice { price_index: 0.9 },
        FlashSale {
            pct: 30.0,
            hours: 6.0,
            stock_cap: 500.0,
            urgency_logit: 0.3,
        },
        Bundle {
            products: Vec::new(),
            bundle_price: 80.0,
            discount_pct: 15.0,
        },
        CartRecovery { pct: 10.0 },
        Message,
    ]
}

impl ScenariosView {
    /// The scenarios side by side (chart and export): the current one, then the saved ones;
    /// empty when nothing is saved or the current one is not simulated.
    pub fn comparison(&self) -> Vec<(&str, &Outcome)> {
        match &self.outcome {
            Some(o) if !self.saved.is_empty() => std::iter::once(("current", o))
                .chain(self.saved.iter().map(|(s, o)| (s.name.as_str(), o)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the optimizer's offers were edited after the shown plan was solved.
    pub fn offers_changed(&self) -> bool {
        (self.optimized.as_ref()).is_some_and(|o| o.solved_with != self.offers)
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
            || self.opt_job.is_some()
            || self.sweep_job.is_some()
            || self.prices.is_busy()
    }

    /// Whether the charts against the offer's value are for another scenario than the one shown
    /// (a new sweep is being computed).
    pub fn sweep_is_stale(&self) -> bool {
        self.sweep_key.as_ref() != Some(&sweep_key(&self.scenario))
    }

    /// The sweep of the scenario shown: the background one when it is current, else computed
    /// now (for exports, which must not write another scenario's curves).
    pub fn current_sweep(&self) -> Vec<SweepPoint> {
        match &self.table {
            Some(t) if self.sweep_is_stale() => sweep_of(t, &self.scenario),
            _ => self.sweep.clone(),
        }
    }

    /// Trains a response model for planning (3 bootstrap members) and scores every customer.
    pub fn prepare(
        &mut self,
        ctx: egui::Context,
        loaded: &Loaded,
        spec: DataSpec,
        choice: DeviceChoice,
    ) {
        let tables = loaded.tables.clone();
        self.status = if spec.flat.is_some() {
            format!(
                "training an uplift model for planning ({})…",
                spec.describe()
            )
        } else {
            "training a response model for planning…".into()
        };
        self.job = Some(spawn("plan-model", ctx, move |send, cancel| {
            let r = (|| {
                let on_event = |e: TrainEvent| {
                    if let TrainEvent::Epoch { stats, .. } = e {
                        send(PrepEvent::Progress(format!(
                            "training: epoch {}, validation log loss {:.4}",
                            stats.epoch, stats.valid_log_loss
                        )));
                    }
                };
                let (model, meta, dev) =
                    build::train_planning_model(&tables, &spec, choice, &on_event, cancel)?;
                send(PrepEvent::Progress(format!(
                    "scoring customers (trained on {}: {})…",
                    dev.label(),
                    dev.reason
                )));
                build::from_model(&tables, &model, &meta, &dev)
            })();
            send(PrepEvent::Finished(Box::new(r)));
        }));
    }

    /// Scores every customer with a model trained on the Models screen.
    pub fn use_model(
        &mut self,
        ctx: egui::Context,
        loaded: &Loaded,
        model: &(TrainedModel, ModelMeta),
        choice: DeviceChoice,
    ) {
        let tables = loaded.tables.clone();
        let (model, meta) = model.clone();
        self.status = "scoring customers…".into();
        self.job = Some(spawn("score", ctx, move |send, _| {
            let r = device::select_for_scoring(choice, build::customer_rows(&tables))
                .and_then(|dev| build::from_model(&tables, &model, &meta, &dev));
            send(PrepEvent::Finished(Box::new(r)));
        }));
    }

    pub fn set_table(&mut self, t: ResponseTable, loaded: Option<&Loaded>) {
        self.oracle = loaded
            .and_then(|l| l.truth.as_ref())
            .and_then(|tr| truth::oracle_table(&t, tr).ok())
            .map(Arc::new);
        self.adapted = self.fit_offers_to(&t);
        // Prices found with the previous model are not this one's.
        self.prices = Default::default();
        self.table = Some(Arc::new(t));
        self.simulated = None;
        self.sweep_key = None;
        self.optimized = None;
        self.simulate_pending();
    }

    /// A model that learned a campaign message but no discount depths (an uplift model on a flat
    /// campaign table such as Hillstrom's) cannot price the discount scenarios: the scenario and
    /// the optimizer's offers become a plain message, and the returned line says so.
    fn fit_offers_to(&mut self, t: &ResponseTable) -> Option<String> {
        let message = crate::sim::Offer::Message;
        let discount = crate::sim::Offer::PctDiscount { pct: 10.0 };
        if t.cannot_simulate(&discount).is_none() || t.cannot_simulate(&message).is_some() {
            return None;
        }
        let arm = t
            .holdout
            .as_ref()
            .and_then(|h| h.arm_names.get(1))
            .map_or(String::new(), |a| format!(" ('{a}')"));
        if t.cannot_simulate(&self.scenario.offer).is_some() {
            let mut s = self.scenario.clone();
            s.offer = message.clone();
            s.name = s.auto_name();
            s.message = MESSAGE_TEXT.into();
            self.scenario = s.clone();
            self.committed = s;
            self.undo.clear();
            self.redo.clear();
        }
        if self
            .offers
            .offers
            .iter()
            .any(|o| t.cannot_simulate(&o.offer).is_some())
        {
            self.offers = OffersFile {
                offers: vec![OfferOption {
                    name: "message".into(),
                    offer: message,
                    channel: Default::default(),
                    redemption_cap: None,
                    stock: None,
                    message: MESSAGE_TEXT.into(),
                }],
                ..OffersFile::standard()
            };
        }
        Some(format!(
            "This model learned the campaign's message{arm}, not a response to discount depths, so the scenario and the optimizer send a plain message. Discounts, coupons and gifts need a campaign history with such offers."
        ))
    }

    fn simulate_pending(&mut self) {
        let Some(t) = self.table.clone() else {
            return;
        };
        // Scenarios this data cannot simulate stay pending (and in the project when saved).
        for s in std::mem::take(&mut self.pending_saved) {
            if s.validate(&t).is_ok() && t.cannot_simulate(&s.offer).is_none() {
                let o = crate::sim::simulate(&t, &s);
                self.saved.push((s, o));
            } else {
                self.pending_saved.push(s);
            }
        }
    }

    /// Replaces the optimizer's offers with those of an offers file, if this model can simulate
    /// them all (else nothing changes and the error says which offer and why).
    pub fn open_offers(&mut self, path: &std::path::Path) -> Result<(), String> {
        let offers = optimize::read_offers(path)?;
        if let Some(t) = &self.table {
            offers
                .validate(t)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        self.offers = offers;
        Ok(())
    }

    /// Writes the optimizer's offers as an offers file (atomically).
    pub fn save_offers(&self, path: &std::path::Path) -> Result<(), String> {
        let json = serde_json::to_string_pretty(&self.offers).map_err(|e| e.to_string())?;
        crate::util::write_atomic(path, json.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The scenario state of an opened project (replaces the current one and its undo history).
    pub fn restore(
        &mut self,
        scenario: Scenario,
        saved: Vec<Scenario>,
        budget: f64,
        offers: OffersFile,
    ) {
        self.committed = scenario.clone();
        self.scenario = scenario;
        self.undo.clear();
        self.redo.clear();
        self.saved.clear();
        self.pending_saved = saved;
        self.budget = budget;
        self.offers = offers;
        self.optimized = None;
        self.simulated = None;
        self.sweep_key = None;
        self.simulate_pending();
    }

    /// The saved scenarios, including those still waiting for a model.
    pub fn saved_scenarios(&self) -> Vec<Scenario> {
        self.saved
            .iter()
            .map(|(s, _)| s.clone())
            .chain(self.pending_saved.iter().cloned())
            .collect()
    }

    /// Applies finished background work; returns an error to show, if any.
    pub fn poll(&mut self, loaded: Option<&Loaded>) -> Option<String> {
        let mut error = None;
        if let Some(job) = &self.job {
            let (events, gone) = job.poll();
            for e in events {
                match e {
                    PrepEvent::Progress(s) => self.status = s,
                    PrepEvent::Finished(r) => match *r {
                        Ok(t) => {
                            self.status = format!("{} customers scored by {}", t.len(), t.source);
                            self.set_table(t, loaded);
                        }
                        Err(e) => {
                            self.status.clear();
                            error = Some(e);
                        }
                    },
                }
            }
            if gone {
                self.job = None;
            }
        }
        if let Some((key, job)) = &self.sweep_job {
            let (mut points, gone) = job.poll();
            if let Some(points) = points.pop() {
                self.sweep = points;
                self.sweep_key = Some(key.clone());
            }
            if gone {
                self.sweep_job = None;
            }
        }
        self.prices.poll();
        if let Some(job) = &self.opt_job {
            let (events, gone) = job.poll();
            for event in events {
                match event {
                    OptEvent::Planned(r) => match *r {
                        Ok(o) => self.optimized = Some(o),
                        Err(e) => error = Some(e),
                    },
                    OptEvent::Frontier(id, points) => {
                        if let Some(o) = self.optimized.as_mut().filter(|o| o.id == id) {
                            o.frontier = points;
                        }
                    }
                }
            }
            if gone {
                self.opt_job = None;
            }
        }
        error
    }

    /// Blocks until background work is done (tests).
    pub fn wait(&mut self, loaded: Option<&Loaded>) -> Option<String> {
        let mut err = None;
        while self.is_busy() {
            if let Some(e) = self.poll(loaded) {
                err = Some(e);
            }
            std::thread::yield_now();
        }
        err
    }

    /// Re-simulates when the scenario changed (the live path), and starts the sweep in the
    /// background when anything but the offer's value changed (one at a time: a newer change
    /// waits for the running one and starts when it is done).
    pub fn refresh(&mut self, ctx: &egui::Context) {
        let Some(t) = self.table.clone() else {
            return;
        };
        // A name promolab gave follows the offer and the targeting (a saved comparison said "20%
        // off" for 35% off); a name the user typed stays.
        if let Some(prev) = &self.simulated
            && prev != &self.scenario
            && self.scenario.name == prev.auto_name()
        {
            self.scenario.name = self.scenario.auto_name();
        }
        if let Err(e) = self.scenario.validate(&t) {
            self.invalid = Some(e);
            self.outcome = None;
            return;
        }
        self.invalid = None;
        if self.simulated.as_ref() != Some(&self.scenario) {
            // One selection serves the model's figures and the truth's.
            let sel = select::select(&t, &self.scenario);
            self.outcome = Some(simulate::outcome_of(&t, &self.scenario, &sel));
            self.true_profit = self.oracle.as_ref().map(|o| {
                simulate::outcome_of(o, &self.scenario, &sel)
                    .totals
                    .incremental_profit
            });
            self.deciles =
                select::uplift_deciles(&t, &self.scenario, self.oracle.as_deref(), 20_000);
            self.simulated = Some(self.scenario.clone());
        }
        if self.sweep_is_stale() && self.sweep_job.is_none() {
            let key = sweep_key(&self.scenario);
            if self.sweep_key.as_ref().map(|k| k.offer.kind()) != Some(key.offer.kind()) {
                // Another offer type: the old sweep's axis means something else.
                self.sweep.clear();
            }
            let s = self.scenario.clone();
            let job = spawn("sweep", ctx.clone(), move |send, _| send(sweep_of(&t, &s)));
            self.sweep_job = Some((key, job));
        }
    }

    /// Records an undo step when an edit is finished (one slider drag is one step).
    fn commit(&mut self, ui: &egui::Ui) {
        if self.scenario != self.committed && !ui.input(|i| i.pointer.any_down()) {
            self.undo.push(std::mem::replace(
                &mut self.committed,
                self.scenario.clone(),
            ));
            self.redo.clear();
        }
    }

    pub fn undo(&mut self) {
        if let Some(prev) = self.undo.pop() {
            self.redo.push(self.scenario.clone());
            self.scenario = prev.clone();
            self.committed = prev;
        }
    }

    pub fn redo(&mut self) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(self.scenario.clone());
            self.scenario = next.clone();
            self.committed = next;
        }
    }

    /// Runs the optimizer for the budget (and the frontier) in the background.
    pub fn optimize(&mut self, ctx: egui::Context) {
        let Some(t) = self.table.clone() else {
            return;
        };
        let (offers, budget) = (self.offers.clone(), self.budget);
        self.opt_job = Some(spawn("optimize", ctx, move |send, _| {
            if let Err(e) = offers.validate(&t) {
                send(OptEvent::Planned(Box::new(Err(e))));
                return;
            }
            let p = Problem::build(&t, &offers);
            let solution = optimize::solve(&p, budget);
            let plan = plan::plan_of_solution(&t, &offers, &solution, None);
            let control_check = crate::sim::holdout::check_plan(&t, &offers, &solution.choice);
            let o = Optimized {
                control_check,
                ..Optimized::new(solution, Vec::new(), plan)
            };
            let id = o.id;
            send(OptEvent::Planned(Box::new(Ok(o))));
            send(OptEvent::Frontier(
                id,
                optimize::frontier(&t, &offers, &p, 21),
            ));
        }));
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        loaded: Option<&Loaded>,
        trained: Option<&(TrainedModel, ModelMeta)>,
        spec: DataSpec,
        choice: DeviceChoice,
    ) {
        ui.heading("Scenarios");
        let Some(l) = loaded else {
            ui.label("Load data first (Data screen).");
            return;
        };
        ui.horizontal(|ui| {
            let idle = self.job.is_none();
            if ui
                .add_enabled(idle, egui::Button::new("Train a planning model"))
                .on_hover_text(if spec.flat.is_some() {
                    "Trains an uplift network with 3 bootstrap members on the flat campaign table, with the control group and outcome chosen on the Models screen, and scores every customer."
                } else {
                    "Trains a discount-response model with 3 bootstrap members on the loaded campaign (about 10 s on the sample data) and scores every customer."
                })
                .clicked()
            {
                self.prepare(ui.ctx().clone(), l, spec, choice);
            }
            if let Some(m) = trained
                && ui
                    .add_enabled(idle, egui::Button::new("Use the model from the Models screen"))
                    .clicked()
            {
                self.use_model(ui.ctx().clone(), l, m, choice);
            }
            if self.job.is_some() {
                ui.spinner();
            }
            // One line, cut at the window's edge (a long model description would otherwise
            // widen the whole screen past it); the full text on hover.
            ui.add(egui::Label::new(&self.status).truncate())
                .on_hover_text(&self.status);
        });
        if self.table.is_none() {
            ui.label("Scenarios are simulated from a model's per-customer response. Train a planning model to start.");
            return;
        }
        self.refresh(ui.ctx());
        ui.separator();
        egui::Panel::left("scenario-editor")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.editor(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                self.results(ui);
                if let (crate::sim::Offer::DynamicPrice { .. }, Some(t)) =
                    (&self.scenario.offer, self.table.clone())
                {
                    ui.separator();
                    let margin = self.scenario.margin_rate.unwrap_or(t.margin_rate);
                    if self.prices.ui(ui, &t, margin) {
                        for s in self.prices.scenarios(&t) {
                            let o = crate::sim::simulate(&t, &s);
                            self.saved.push((s, o));
                        }
                    }
                }
                ui.separator();
                self.optimizer(ui);
            });
        });
        self.commit(ui);
    }

    fn editor(&mut self, ui: &mut egui::Ui) {
        let t = self.table.clone().expect("checked by the caller");
        let s = &mut self.scenario;
        ui.label("Name");
        ui.text_edit_singleline(&mut s.name);
        egui::ComboBox::from_label("Offer type")
            .selected_text(s.offer.kind())
            .show_ui(ui, |ui| {
                for o in offer_choices() {
                    let kind = o.kind();
                    if ui.selectable_label(s.offer.kind() == kind, kind).clicked() {
                        s.offer = o;
                    }
                }
            });
        let (label, lo, hi) = s.offer.value_range();
        if hi > lo {
            let mut v = s.offer.value();
            if ui
                .add(egui::Slider::new(&mut v, lo..=hi).text(label))
                .changed()
            {
                s.offer = s.offer.with_value(v);
            }
        }
        match &mut s.offer {
            crate::sim::Offer::Coupon { min_spend, .. } => {
                ui.add(egui::Slider::new(min_spend, 0.0..=300.0).text("minimum spend"));
            }
            crate::sim::Offer::Gift { threshold, .. } => {
                ui.add(egui::Slider::new(threshold, 0.0..=300.0).text("order threshold"));
            }
            crate::sim::Offer::FlashSale {
                hours, stock_cap, ..
            } => {
                ui.add(egui::Slider::new(hours, 1.0..=72.0).text("hours"));
                ui.add(egui::Slider::new(stock_cap, 0.0..=20_000.0).text("units in stock"));
            }
            _ => {}
        }
        ui.label(s.offer.describe());
        ui.separator();
        ui.strong("Targeting");
        ui.add(egui::Slider::new(&mut s.targeting.top_share, 0.0..=1.0).text("share targeted"));
        egui::ComboBox::from_label("best first by")
            .selected_text(match s.targeting.rank_by {
                RankBy::Profit => "incremental profit",
                RankBy::Uplift => "uplift",
                RankBy::Propensity => "propensity (buy anyway)",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(
                    &mut s.targeting.rank_by,
                    RankBy::Profit,
                    "incremental profit",
                );
                ui.selectable_value(&mut s.targeting.rank_by, RankBy::Uplift, "uplift");
                ui.selectable_value(
                    &mut s.targeting.rank_by,
                    RankBy::Propensity,
                    "propensity (buy anyway)",
                );
            });
        let empty = empty_segments(&self.outcome);
        targeting_edit::who_may_receive(ui, "targeting", &mut s.targeting, &t, empty);
        ui.separator();
        ui.strong("Channel");
        egui::ComboBox::from_label("send through")
            .selected_text(&s.channel.name)
            .show_ui(ui, |ui| {
                for c in ["preferred", "email", "sms", "push"] {
                    ui.selectable_value(&mut s.channel.name, c.to_string(), c);
                }
            });
        ui.add(
            egui::DragValue::new(&mut s.channel.send_cost_eur)
                .speed(0.005)
                .range(0.0..=5.0)
                .prefix("cost per message "),
        );
        ui.separator();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.undo.is_empty(), egui::Button::new("Undo"))
                .on_hover_text("Ctrl+Z")
                .clicked()
            {
                self.undo();
            }
            if ui
                .add_enabled(!self.redo.is_empty(), egui::Button::new("Redo"))
                .on_hover_text("Ctrl+Shift+Z")
                .clicked()
            {
                self.redo();
            }
            if ui.button("Save for comparison").clicked()
                && let Some(o) = &self.outcome
            {
                self.saved.push((self.scenario.clone(), o.clone()));
            }
        });
    }

    fn results(&mut self, ui: &mut egui::Ui) {
        if let Some(why) = &self.adapted {
            ui.label(why);
        }
        let Some(o) = &self.outcome else {
            if let Some(why) = &self.invalid {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("Cannot simulate this scenario: {why}."),
                );
            }
            return;
        };
        let t = &o.totals;
        let iv = &o.intervals;
        egui::Grid::new("totals").num_columns(2).striped(true).show(ui, |ui| {
            let mut row = |k: &str, v: String, tip: &str| glossary::row(ui, k, v, tip);
            row(
                "customers targeted",
                format!("{} of {} eligible ({} held back as control)", t.targeted, o.eligible, o.held_out),
                glossary::TARGETED,
            );
            row(
                "incremental buyers",
                format!("{:.0} (5-95%: {:.0} to {:.0})", t.incremental_buyers, iv.incremental_buyers.p5, iv.incremental_buyers.p95),
                glossary::INCREMENTAL,
            );
            row(
                "incremental revenue",
                format!("{:.0} (5-95%: {:.0} to {:.0})", t.incremental_revenue, iv.incremental_revenue.p5, iv.incremental_revenue.p95),
                glossary::INCREMENTAL,
            );
            row(
                "spend",
                match t.paid_above_list() {
                    Some(above) => format!("{:.0} redemptions + {:.0} sending (negative: buyers pay {above:.0} above list in all)", t.redemption_cost, t.send_cost),
                    None => format!("{:.0} redemptions + {:.0} sending", t.redemption_cost, t.send_cost),
                },
                glossary::SPEND,
            );
            row(
                "incremental profit",
                format!("{:.0} (5-95%: {:.0} to {:.0})", t.incremental_profit, iv.incremental_profit.p5, iv.incremental_profit.p95),
                glossary::INTERVAL,
            );
            row("ROI", o.roi.map_or("-".into(), |r| format!("{r:.2}")), glossary::ROI);
            if let Some(tp) = self.true_profit {
                row(
                    "true incremental profit",
                    format!("{tp:.0}"),
                    "From the sample generator's ground truth: what would really happen. Shown only for generated sample data.",
                );
            }
        });
        let channel = self.table.as_ref().and_then(|t| t.channel_check);
        match self.table.as_ref().map(|t| t.check.as_ref()) {
            Some(Some(c)) => control_checks::model_check(ui, c, channel.as_ref()),
            Some(None) => {
                ui.label(format!(
                    "Model check: too few held-out customers per offer (at least {} treated and {} control in each third) to check the model against the control group; the ranges do not include the model's systematic error.",
                    crate::sim::check::MIN_CELL,
                    crate::sim::check::MIN_CELL
                ))
                .on_hover_text(glossary::MODEL_CHECK);
                if let Some(ch) = &channel {
                    control_checks::channel_check(ui, ch);
                }
            }
            None => {}
        }
        if let Some(w) = o.extrapolation_warning() {
            ui.colored_label(ui.visuals().warn_fg_color, w);
        }
        if o.stock_served_share < 1.0 {
            ui.label(format!(
                "Stock serves {:.0}% of the extra demand.",
                o.stock_served_share * 100.0
            ));
        }
        super::scenario_charts::sweep_charts(
            ui,
            &self.sweep,
            &self.scenario,
            self.sweep_is_stale(),
        );
        super::scenario_charts::segment_and_decile_charts(
            ui,
            o,
            &self.deciles,
            self.scenario.targeting.top_share,
        );
        if !self.saved.is_empty() {
            ui.strong("Saved scenarios");
            egui::Grid::new("saved").striped(true).show(ui, |ui| {
                for (h, tip) in [
                    ("scenario", ""),
                    ("targeted", glossary::TARGETED),
                    ("+buyers", glossary::INCREMENTAL),
                    ("+revenue", glossary::INCREMENTAL),
                    ("spend", glossary::SPEND),
                    ("+profit", glossary::INCREMENTAL),
                    ("5-95%", glossary::INTERVAL),
                    ("ROI", glossary::ROI),
                ] {
                    glossary::header(ui, h, tip);
                }
                ui.end_row();
                for (s, o) in &self.saved {
                    let t = &o.totals;
                    ui.label(&s.name);
                    ui.label(t.targeted.to_string());
                    ui.label(format!("{:.0}", t.incremental_buyers));
                    ui.label(format!("{:.0}", t.incremental_revenue));
                    match t.paid_above_list() {
                        Some(above) => {
                            ui.label(format!("{:.0} (price above list)", t.spend()))
                                .on_hover_text(format!(
                                    "Negative: buyers pay {above:.0} above list in all, and sending costs {:.0}.",
                                    t.send_cost
                                ));
                        }
                        None => {
                            ui.label(format!("{:.0}", t.spend()));
                        }
                    }
                    ui.label(format!("{:.0}", t.incremental_profit));
                    ui.label(format!(
                        "{:.0} to {:.0}",
                        o.intervals.incremental_profit.p5, o.intervals.incremental_profit.p95
                    ));
                    ui.label(o.roi.map_or("-".into(), |r| format!("{r:.2}")));
                    ui.end_row();
                }
            });
            super::scenario_charts::comparison_chart(ui, &self.comparison());
        }
    }

    fn optimizer(&mut self, ui: &mut egui::Ui) {
        ui.strong("Optimize: who gets which offer");
        if let Some(t) = self.table.clone() {
            let empty = empty_segments(&self.outcome);
            let tg = &mut self.offers.targeting;
            egui::CollapsingHeader::new(format!(
                "Who may get an offer: {}",
                targeting_edit::summary(tg)
            ))
            .id_salt("offers_targeting")
            .show(ui, |ui| {
                targeting_edit::who_may_receive(ui, "offers_targeting", tg, &t, empty);
            })
            .header_response
            .on_hover_text(glossary::OFFERS_TARGETING);
        }
        match offers_edit::offers_editor(ui, &mut self.offers, &self.scenario) {
            offers_edit::Edit::None => {}
            offers_edit::Edit::Standard => {
                self.offers = OffersFile::standard();
                if let Some(t) = self.table.clone() {
                    self.adapted = self.fit_offers_to(&t);
                }
            }
            offers_edit::Edit::Open => self.want_dialog = Some(jobs::Dialog::OpenOffers),
            offers_edit::Edit::Save => self.want_dialog = Some(jobs::Dialog::SaveOffers),
        }
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut self.budget)
                    .speed(100.0)
                    .range(0.0..=1e9)
                    .prefix("budget "),
            );
            if ui
                .add_enabled(self.opt_job.is_none(), egui::Button::new("Optimize"))
                .clicked()
            {
                self.optimize(ui.ctx().clone());
            }
            if self.opt_job.is_some() {
                ui.spinner();
            }
        });
        if self.offers_changed() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "The offers changed since this plan: press Optimize for a plan with them.",
            );
        }
        let Some(opt) = &self.optimized else {
            return;
        };
        let s = &opt.solution;
        let (total, iv) = (&opt.plan.total, &opt.plan.intervals.incremental_profit);
        ui.label(format!(
            "{} customers get an offer; expected spend {:.0} of {:.0}; incremental profit {:.0} (5-95%: {:.0} to {:.0})",
            s.assigned, s.spend, s.budget, total.incremental_profit, iv.p5, iv.p95,
        ))
        .on_hover_text(glossary::INTERVAL);
        if opt.plan.control.is_empty() && s.assigned > 0 {
            ui.weak("No control group: after the campaign nothing will show what this plan really gained. \"Who may get an offer\" above can hold some customers back.")
                .on_hover_text(glossary::CONTROL_SHARE);
        }
        if !opt.plan.control.is_empty() {
            ui.label(format!(
                "{} more held back as a control group: sent nothing, and exported beside the plan (its .control.csv) to measure its uplift afterwards",
                opt.plan.control.len()
            ))
            .on_hover_text(glossary::CONTROL_SHARE);
        }
        ui.label(format!(
            "The optimizer's value {:.0}, upper bound {:.0}: duality gap {:.3}%",
            s.objective_value,
            s.upper_bound,
            s.gap_share * 100.0
        ))
        .on_hover_text(glossary::DUALITY_GAP);
        if let Some(c) = &opt.control_check {
            control_checks::plan_check(ui, c);
        }
        let frontier: Vec<[f64; 2]> = opt
            .frontier
            .iter()
            .map(|p| [p.budget, p.objective_value])
            .collect();
        ui.label("Efficient frontier")
            .on_hover_text(glossary::FRONTIER);
        if opt.frontier.is_empty() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Solving for other budgets…");
            });
            return;
        }
        Plot::new("frontier")
            .nice_y()
            .nice_x()
            .allow_scroll(false)
            .height(180.0)
            // Bottom right: the frontier rises to the right and the chosen point is often at its
            // end, where a top-right legend would cover it.
            .legend(chart_style::legend().position(egui_plot::Corner::RightBottom))
            .x_axis_label("budget")
            .show(ui, |p| {
                let name = "best incremental profit (efficient frontier)";
                let ranges = opt.frontier.iter().map(|p| (p.budget, p.range));
                p.add(chart_style::band(name, ranges, chart_style::PROFIT));
                p.line(chart_style::line(name, frontier, chart_style::PROFIT));
                p.points(
                    Points::new("chosen", vec![[s.spend, s.objective_value]])
                        .radius(5.0)
                        .color(chart_style::CURRENT),
                );
            });
        ui.label("The plan is on the Plan screen.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name promolab gives follows the offer and the targeting; a name the user typed stays.
    #[test]
    fn a_given_name_follows_the_offer_and_a_typed_one_stays() {
        let mut v = ScenariosView::default();
        assert_eq!(v.scenario.name, "20% off, best 30% by profit");
        v.set_table(crate::sim::bench::random_table(500, 0, 3), None);
        let ctx = egui::Context::default();
        v.refresh(&ctx);
        v.scenario.offer = v.scenario.offer.with_value(35.0);
        v.refresh(&ctx);
        assert_eq!(v.scenario.name, "35% off, best 30% by profit");
        v.scenario.targeting.rank_by = crate::sim::scenario::RankBy::Uplift;
        v.refresh(&ctx);
        assert_eq!(v.scenario.name, "35% off, best 30% by uplift");
        v.scenario.name = "Spring sale".into();
        v.refresh(&ctx);
        v.scenario.targeting.top_share = 0.5;
        v.refresh(&ctx);
        assert_eq!(v.scenario.name, "Spring sale");
    }

    /// The Plan screen's order: every row once, most expected incremental profit first.
    #[test]
    fn optimized_orders_the_plan_by_profit_once() {
        let t = crate::sim::bench::random_table(2_000, 0, 5);
        let offers = OffersFile::standard();
        let p = Problem::build(&t, &offers);
        let solution = optimize::solve(&p, 1e12);
        let plan = plan::plan_from_choice(&t, &offers, &solution.choice, None);
        let o = Optimized::new(solution, Vec::new(), plan);
        assert!(o.plan.rows.len() > 100);
        let mut seen = o.by_profit.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..o.plan.rows.len()).collect::<Vec<_>>());
        let profit = |i: usize| o.plan.rows[i].expected_incremental_profit;
        assert!(o.by_profit.windows(2).all(|w| profit(w[0]) >= profit(w[1])));
        assert!(profit(o.by_profit[0]) > profit(*o.by_profit.last().unwrap()));
    }
}
