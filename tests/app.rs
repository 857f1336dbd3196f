//! The real app driven through egui_kittest: it opens on data, shows tables and the device.

mod common;
use egui_kittest::kittest::{NodeT, Queryable};
use promolab::model::uplift::ModelKind;
use promolab::ui::Tab;

#[test]
fn app_opens_on_data_and_shows_tables_report_and_device() {
    let dir = common::sample_dir("app", 300, 1);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.run_steps(3);
    let loaded = harness.state().loaded.as_ref().expect("data loaded");
    assert_eq!(loaded.tables.len(), 5);
    assert!(
        harness.state().messages.is_empty(),
        "{:?}",
        harness.state().messages
    );
    harness.get_by_label_contains("rows loaded");
    harness.get_by_label_contains("Compute device:");
    assert!(harness.query_all_by_label_contains("customers.csv").count() >= 1);
    harness.get_by_label_contains("Validation report").click();
    harness.run_steps(2);
    harness.get_by_label("Apply cleaning");
    // A finding's example row jumps to that row of the file's preview.
    let (file, row) = {
        let r = &harness.state().loaded.as_ref().unwrap().report;
        let p = r
            .problems
            .iter()
            .find(|p| !p.example_rows.is_empty())
            .expect("the sample data has findings with rows");
        (p.file.clone(), p.example_rows[0])
    };
    {
        let app = harness.state_mut();
        let loaded = app.loaded.as_ref().unwrap();
        app.data_view.show_row(loaded, &file, row);
        let t = &loaded.tables[app.data_view.selected];
        assert_eq!(t.file_name(), file);
        assert_eq!(t.row_numbers[app.data_view.jump_to.unwrap()], row);
    }
    harness.run_steps(2);
    assert!(
        harness.state().data_view.jump_to.is_none(),
        "the preview scrolled"
    );
    harness.get_by_label("Customers").click();
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Customers);
    harness.get_by_label_contains("300 customers");
}

#[test]
fn a_bad_path_shows_a_readable_message_instead_of_crashing() {
    let mut harness = common::open_app(vec!["/no/such/file.csv".into()]);
    harness.run_steps(2);
    assert!(harness.state().loaded.is_none());
    assert!(
        harness.state().messages[0].contains("/no/such/file.csv"),
        "{:?}",
        harness.state().messages
    );
    harness.get_by_label_contains("/no/such/file.csv");
}

#[test]
fn models_tab_trains_an_uplift_model_in_the_background() {
    let dir = common::sample_dir("app-models", 600, 2);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.get_by_label("Models").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Auto picks:");
    let (model, meta) = train_on_models_tab(&mut harness);
    assert_eq!(model.arm_names.len(), 6, "control and five offers");
    assert!(!harness.state().models_view.history.is_empty());
    let m = meta.test_metrics.as_ref().unwrap();
    assert_eq!(m.arms.len(), 5);
    assert!(m.roc.len() > 2 && m.arms.iter().all(|a| a.deciles.len() == 10));
    assert_eq!(m.feature_importance.len(), model.feature_names.len());
    harness.get_by_label_contains("Test results");
    for chart in ["ROC curve", "Calibration", "Feature importance"] {
        harness.get_by_label_contains(chart);
    }
    assert_eq!(harness.query_all_by_label("Qini curve").count(), 5);
    assert_eq!(harness.query_all_by_label("Uplift by decile").count(), 5);
    // The saved model appears in the list and loads back from it.
    let saved = common::temp_dir("app-models-saved");
    let folder = saved.join("models/first");
    harness.state_mut().models_view.save_path = folder.display().to_string();
    harness.get_by_label("Save model").click();
    harness.run_steps(2);
    harness.get_by_label("Refresh").click();
    harness.run_steps(2);
    harness.get_by_label_contains("first:").click();
    harness.run_steps(1);
    harness.state_mut().models_view.wait();
    let status = harness.state().models_view.status.clone();
    assert!(status.starts_with("loaded"), "{status}");
    // Evaluated on the data it was trained on: its test split, with the saved test metrics.
    let evaluated = evaluate_on_models_tab(&mut harness);
    assert!(evaluated.0.contains("test split"), "{}", evaluated.0);
    assert_eq!(evaluated.1.rows, m.rows);
    assert!((evaluated.1.auc.unwrap() - m.auc.unwrap()).abs() < 1e-9);
    assert!((evaluated.1.log_loss - m.log_loss).abs() < 1e-9);
    harness.get_by_label_contains("evaluated on the model's test split");
}

/// Presses "Evaluate on this data" and waits: what was evaluated, in words, and the metrics.
fn evaluate_on_models_tab(
    harness: &mut egui_kittest::Harness<'static, promolab::ui::PromolabApp>,
) -> (String, promolab::model::evaluate::Evaluation) {
    harness.get_by_label("Evaluate on this data").click();
    harness.run_steps(1);
    harness.state_mut().models_view.wait();
    harness.run_steps(2);
    let view = &harness.state().models_view;
    view.evaluation
        .clone()
        .unwrap_or_else(|| panic!("no evaluation: {}", view.status))
}

/// With PROMOLAB_TEST_WGPU=1: the GPU picked on the Models screen trains each kind of model on
/// the wgpu device, and the model saves, loads back and evaluates there with the metrics it was
/// trained with.
#[test]
fn models_tab_trains_saves_loads_and_evaluates_every_model_on_the_gpu() {
    if !common::wgpu_requested() {
        return;
    }
    let dir = common::sample_dir("app-models-gpu", 600, 4);
    let saved = common::temp_dir("app-models-gpu-saved");
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.get_by_label("Models").click();
    harness.run_steps(2);
    pick_device(&mut harness, "GPU");
    every_model_round_trips(&mut harness, &saved.join("gpu"), "GPU", &EVERY_MODEL, 2);
}

/// Hillstrom on the Models screen, Womens E-Mail against No E-Mail, outcome visit: each kind of
/// model that applies trains on the issue's split, saves, loads and evaluates with its metrics,
/// on the CPU and (PROMOLAB_TEST_WGPU=1) on the wgpu device. The response model does not apply
/// (an e-mail has no discount depth), and the screen says so.
#[test]
fn hillstrom_trains_saves_loads_and_evaluates_every_model_on_the_models_tab() {
    let Some(path) = common::hillstrom() else {
        return;
    };
    let saved = common::temp_dir("app-hillstrom-saved");
    let mut harness = common::open_app(vec![path]);
    harness.get_by_label("Models").click();
    harness.run_steps(2);
    harness.state_mut().models_view.treatment = "Womens E-Mail".into();
    harness.state_mut().models_view.outcome = "visit".into();
    harness.state_mut().models_view.cfg.batch_size = 1024;
    harness.run_steps(1);
    assert_eq!(harness.state().models_view.control, "No E-Mail");
    let mut devices = vec!["CPU"];
    if common::wgpu_requested() {
        devices.push("GPU");
    }
    for device in devices {
        pick_device(&mut harness, device);
        let kinds = [
            ModelKind::Propensity,
            ModelKind::Tlearner,
            ModelKind::Uplift,
        ];
        let test_rows =
            every_model_round_trips(&mut harness, &saved.join(device), device, &kinds, 2);
        assert_eq!(test_rows, 12_808, "the 30% test split of 42,693 customers");
        let (model, _) = harness.state().models_view.result.clone().unwrap();
        assert_eq!(model.arm_names, ["No E-Mail", "Womens E-Mail"]);
    }
    harness.state_mut().models_view.kind = ModelKind::Response;
    harness.run_steps(1);
    harness.get_by_label("Train").click();
    harness.run_steps(1);
    harness.state_mut().models_view.wait();
    harness.run_steps(1);
    let status = harness.state().models_view.status.clone();
    assert!(
        status.contains("the response model needs campaign offers with a discount depth")
            && status.contains("these offers have none: 'Womens E-Mail'"),
        "{status}"
    );
    harness.get_by_label(&status);
}

const EVERY_MODEL: [ModelKind; 4] = [
    ModelKind::Propensity,
    ModelKind::Tlearner,
    ModelKind::Response,
    ModelKind::Uplift,
];

/// Picks `label` ("Auto", "GPU" or "CPU") in the Models screen's device box.
fn pick_device(
    harness: &mut egui_kittest::Harness<'static, promolab::ui::PromolabApp>,
    label: &str,
) {
    harness.get_by_label("device").click_accesskit();
    harness.run_steps(2);
    harness.get_by_label(label).click_accesskit();
    harness.run_steps(2);
    let picked = format!("{:?}", harness.state().models_view.device);
    assert_eq!(picked.to_uppercase(), label.to_uppercase());
}

/// Trains each of `kinds` for `epochs` on the Models screen, saves it under `saved`, loads
/// it back and evaluates it; checks that all of it ran on `device` ("GPU" or "CPU") and that
/// the evaluation repeats the training's test metrics. The test split's size.
fn every_model_round_trips(
    harness: &mut egui_kittest::Harness<'static, promolab::ui::PromolabApp>,
    saved: &std::path::Path,
    device: &str,
    kinds: &[ModelKind],
    epochs: usize,
) -> usize {
    let mut rows = 0;
    for &kind in kinds {
        harness.state_mut().models_view.kind = kind;
        harness.state_mut().models_view.cfg.epochs = epochs;
        harness.run_steps(1);
        let (_, meta) = train_on_models_tab(harness);
        assert!(meta.device.starts_with(device), "{kind:?}: {}", meta.device);
        let trained = meta.test_metrics.clone().unwrap();
        let folder = saved.join(format!("{kind:?}"));
        harness.state_mut().models_view.save_path = folder.display().to_string();
        harness.get_by_label("Save model").click();
        harness.run_steps(2);
        // Another kind and settings on screen: loading shows the model's own again.
        let other = if kind == ModelKind::Uplift {
            ModelKind::Propensity
        } else {
            ModelKind::Uplift
        };
        harness.state_mut().models_view.kind = other;
        harness.state_mut().models_view.cfg.epochs = epochs + 7;
        harness.run_steps(1);
        harness.get_by_label("Load model").click();
        harness.run_steps(2);
        harness.state_mut().models_view.wait();
        harness.run_steps(1);
        let status = harness.state().models_view.status.clone();
        assert!(status.starts_with("loaded"), "{kind:?}: {status}");
        assert_eq!(harness.state().models_view.kind, kind);
        assert_eq!(harness.state().models_view.cfg, meta.train);
        let (what, m) = evaluate_on_models_tab(harness);
        assert!(what.contains(&format!("on {device}")), "{kind:?}: {what}");
        assert!(what.contains("test split"), "{kind:?}: {what}");
        assert_eq!(m.rows, trained.rows);
        assert!(
            (m.log_loss - trained.log_loss).abs() < 1e-5,
            "{kind:?}: {} vs {}",
            m.log_loss,
            trained.log_loss
        );
        rows = m.rows;
    }
    rows
}

/// Presses Train on the Models screen and waits for the model; the trained model and its
/// metadata.
fn train_on_models_tab(
    harness: &mut egui_kittest::Harness<'static, promolab::ui::PromolabApp>,
) -> (
    promolab::model::uplift::TrainedModel,
    promolab::model::store::ModelMeta,
) {
    harness.get_by_label("Train").click();
    harness.run_steps(1);
    harness.state_mut().models_view.wait();
    harness.run_steps(2);
    let view = &harness.state().models_view;
    view.result
        .clone()
        .unwrap_or_else(|| panic!("no model: {}", view.status))
}

/// A response model trained on sample data shows its price elasticity against the truth, per
/// hidden segment and per fifth of the customers by its own estimate.
#[test]
fn models_tab_shows_a_response_models_elasticity_against_the_truth() {
    let dir = common::sample_dir("app-elasticity", 600, 3);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.get_by_label("Models").click();
    harness.run_steps(2);
    harness.state_mut().models_view.kind = ModelKind::Response;
    harness.state_mut().models_view.cfg.epochs = 20;
    harness.run_steps(2);
    let (_, meta) = train_on_models_tab(&mut harness);
    let m = meta.test_metrics.as_ref().unwrap();
    assert_eq!(m.elasticity_by_prediction.len(), 5, "{m:?}");
    assert!(!m.elasticity.is_empty());
    harness.get_by_label("Price elasticity per hidden segment (sample data)");
    harness.get_by_label_contains("Price elasticity per fifth of the customers");
    harness.get_by_label("fifth 1 (most elastic)");
    // Small errors alone could come from a flat estimate: the screen says whether the truth
    // follows the model's ranking.
    assert!(
        harness
            .query_by_label_contains("The truth follows")
            .is_some()
            || harness.query_by_label_contains("barely differs").is_some()
    );
}

/// The Customers tab: the RFM overview, a custom segment made in the editor, targeted from the
/// Scenarios tab, and one customer's profile with the model's predicted response.
#[test]
fn customers_tab_segments_target_the_scenario_and_show_one_customer() {
    let dir = common::sample_dir("app-customers", 1000, 8);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.get_by_label("Customers").click();
    harness.run_steps(2);
    harness.get_by_label("RFM: champions");
    harness.get_by_label("New segment").click();
    harness.run_steps(2);
    harness.get_by_label("segment 1 (custom)");
    // The editor's default condition is recency_days <= 90: count those customers by hand.
    let expected = {
        let app = harness.state();
        let p = app.loaded.as_ref().unwrap().profiles.as_ref().unwrap();
        p.column("recency_days")
            .unwrap()
            .iter()
            .filter(|&&r| r <= 90.0)
            .count()
    };
    assert!(expected > 0 && expected < 1000, "{expected}");
    assert!(harness.query_all_by_label(&expected.to_string()).count() >= 1);
    harness.get_by_label("Target in Scenarios").click();
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Scenarios);
    assert_eq!(
        harness
            .state()
            .scenarios_view
            .scenario
            .targeting
            .filters
            .len(),
        1
    );
    train_planning_model(&mut harness);
    let o = harness
        .state()
        .scenarios_view
        .outcome
        .clone()
        .expect("simulated");
    assert_eq!(o.eligible, expected, "only the segment may get the offer");
    harness.get_by_label("Customers").click();
    harness.run_steps(2);
    harness.get_by_label("One customer").click();
    harness.run_steps(2);
    let id = harness
        .state()
        .loaded
        .as_ref()
        .unwrap()
        .profiles
        .as_ref()
        .unwrap()
        .customer_ids[0]
        .clone();
    harness.state_mut().customers_view.query = id;
    harness.run_steps(2);
    harness.get_by_label_contains("RFM segment:");
    harness.get_by_label("chance to buy without an offer");
    // The bootstrap models' disagreement, and the truth to check the estimate against.
    assert_eq!(
        harness
            .query_all_by_label_contains("its 3 bootstrap models:")
            .count(),
        2
    );
    harness.get_by_label("true (sample generator)");
    harness.get_by_label("percentile");
}

/// The optimized plan (after Optimize).
fn plan<'a>(
    harness: &'a egui_kittest::Harness<'static, promolab::ui::PromolabApp>,
) -> &'a promolab::plan::Plan {
    &harness
        .state()
        .scenarios_view
        .optimized
        .as_ref()
        .expect("a plan")
        .plan
}

/// Opens the Scenarios screen and trains the planning model there, waiting for it.
fn train_planning_model(harness: &mut egui_kittest::Harness<'static, promolab::ui::PromolabApp>) {
    // The tab (drawn first; the Scenarios screen has a heading of the same name).
    harness
        .query_all_by_label("Scenarios")
        .next()
        .unwrap()
        .click();
    harness.run_steps(2);
    harness.get_by_label("Train a planning model").click();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(3);
    // The sweep behind the charts runs in the background once the scenario is simulated.
    harness.state_mut().wait_for_jobs();
    harness.run_steps(1);
}

/// Presses Optimize on the Scenarios screen and waits for the plan. (On a small table Optimize can
/// sit just below the view at 1280×800; an accessibility click reaches it there.)
fn optimize(harness: &mut egui_kittest::Harness<'static, promolab::ui::PromolabApp>) {
    harness.get_by_label("Optimize").click_accesskit();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
}

/// The optimizer's answer shown on the Scenarios screen.
fn optimized<'h>(
    harness: &'h egui_kittest::Harness<'static, promolab::ui::PromolabApp>,
) -> &'h promolab::ui::scenarios_view::Optimized {
    harness
        .state()
        .scenarios_view
        .optimized
        .as_ref()
        .expect("a plan")
}

/// Sample data to an exported plan through the screens: train a planning model, move the
/// discount, see totals and chart data change, optimize, export, read the CSV back.
#[test]
fn scenarios_and_plan_from_sample_data_to_an_exported_csv() {
    let dir = common::sample_dir("app-plan", 1500, 4);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    // The guide leads a new user step by step, with a button to the right screen.
    harness.run_steps(2);
    harness.get_by_label_contains("Step 2 of 4");
    harness.get_by_label("Go to Scenarios");
    train_planning_model(&mut harness);
    harness.get_by_label_contains("Step 3 of 4");
    assert!(
        harness.state().messages.is_empty(),
        "{:?}",
        harness.state().messages
    );
    let before = harness
        .state()
        .scenarios_view
        .outcome
        .clone()
        .expect("simulated once the model is ready");
    assert!(!harness.state().scenarios_view.sweep.is_empty());
    let deciles_before = harness.state().scenarios_view.deciles.clone();
    assert_eq!(deciles_before.len(), 10);
    assert!(
        deciles_before.iter().all(|d| d.truth.is_some()),
        "sample data: truth shown"
    );
    harness.get_by_label("Uplift by decile");
    harness.get_by_label_contains("Model check");
    assert!(
        harness
            .query_all_by_label_contains("incremental profit")
            .count()
            >= 2
    );
    // The discount slider: from 20% to 35% off.
    {
        let s = &mut harness.state_mut().scenarios_view.scenario;
        s.offer = s.offer.with_value(35.0);
    }
    harness.run_steps(2);
    let after = harness.state().scenarios_view.outcome.clone().unwrap();
    assert_ne!(before.totals.redemption_cost, after.totals.redemption_cost);
    // The name promolab gave follows the offer.
    assert_eq!(
        harness.state().scenarios_view.scenario.name,
        "35% off, best 30% by profit"
    );
    assert_ne!(
        harness.state().scenarios_view.deciles,
        deciles_before,
        "the chart follows"
    );
    assert!(
        harness.state().scenarios_view.true_profit.is_some(),
        "ground truth shown"
    );
    // Undo goes back to 20%.
    harness.state_mut().scenarios_view.undo();
    harness.run_steps(2);
    assert_eq!(harness.state().scenarios_view.scenario.offer.value(), 20.0);
    // Targeting twice as many: the sweep is recomputed in the background, the frame is not held
    // up, and once it is done every point targets more customers.
    let sweep_before = harness.state().scenarios_view.sweep.clone();
    harness
        .state_mut()
        .scenarios_view
        .scenario
        .targeting
        .top_share = 0.6;
    harness.run_steps(1);
    assert!(harness.state().scenarios_view.sweep_is_stale());
    harness.get_by_label_contains("Updating the charts");
    // An export meanwhile writes the shown scenario's curves, not the stale ones.
    let for_export = harness.state().scenarios_view.current_sweep();
    assert_eq!(for_export.len(), sweep_before.len());
    assert!(
        for_export
            .iter()
            .zip(&sweep_before)
            .all(|(b, a)| b.totals.targeted > a.totals.targeted)
    );
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    let view = &harness.state().scenarios_view;
    assert!(!view.sweep_is_stale());
    assert_eq!(view.sweep.len(), sweep_before.len());
    for (a, b) in sweep_before.iter().zip(&view.sweep) {
        assert!(b.totals.targeted > a.totals.targeted, "{a:?} {b:?}");
    }
    harness
        .state_mut()
        .scenarios_view
        .scenario
        .targeting
        .top_share = 0.3;
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    // What the preferred channel did in the campaign is said beside the model check.
    harness.get_by_label_contains("preferred channel");
    optimize(&mut harness);
    let opt = optimized(&harness);
    assert!(opt.solution.spend <= opt.solution.budget + 1e-6);
    assert!(opt.frontier.len() > 2);
    // The plan checked against the past campaign: every offer on the screen is one of
    // its arms, and the line under the optimizer's answer says what was observed.
    let check = opt
        .control_check
        .as_ref()
        .expect("the sample's held-out customers");
    assert!(check.unchecked.is_empty() && check.offers.iter().any(|o| o.observed.judged));
    harness.get_by_label_contains("Plan check vs the past campaign");
    // Offers the check finds overstated are named in a warning line (and only then).
    assert_eq!(
        harness
            .query_all_by_label_contains("read its figures as optimistic")
            .next()
            .is_some(),
        !check.overstated().is_empty()
    );
    // The plan's profit is shown with its 5-95% range, which contains it.
    let iv = opt.plan.intervals.incremental_profit;
    assert!(
        iv.p5 < opt.plan.total.incremental_profit && opt.plan.total.incremental_profit < iv.p95
    );
    harness.get_by_label_contains(&format!("(5-95%: {:.0} to {:.0})", iv.p5, iv.p95));
    harness.get_by_label_contains("Step 4 of 4");
    harness.get_by_label("Go to Plan").click();
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Plan);
    // A template overrides every offer's message; clearing it brings their own back.
    {
        let app = harness.state_mut();
        app.plan_view.template = "Only {discount}".into();
        app.plan_view.rebuild(&mut app.scenarios_view);
        let msg = |app: &promolab::ui::PromolabApp| {
            app.scenarios_view.optimized.as_ref().unwrap().plan.rows[0]
                .message
                .clone()
        };
        assert!(msg(app).starts_with("Only "), "{}", msg(app));
        app.plan_view.template.clear();
        app.plan_view.rebuild(&mut app.scenarios_view);
        assert!(msg(app).starts_with("Hi "), "{}", msg(app));
    }
    // A new send time: the screen rebuilds the plan in the background, then every row has it.
    harness.state_mut().plan_view.send_time = "2027-01-04 09:30".into();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(1);
    let rows = &plan(&harness).rows;
    assert!(rows.iter().all(|r| r.send_time == "2027-01-04 09:30"));
    // The screen sums the plan up per offer, with the total's range.
    let total = plan(&harness).intervals.incremental_profit;
    harness.get_by_label(&format!("{:.0} to {:.0}", total.p5, total.p95));
    // And per segment, opened: each segment reached, with its own range.
    harness.get_by_label_contains("By segment:").click();
    harness.run_steps(2);
    let parts: Vec<_> = plan(&harness)
        .per_segment
        .iter()
        .filter(|s| s.figures.targeted > 0)
        .cloned()
        .collect();
    assert!(parts.len() >= 2, "{parts:?}");
    for s in &parts {
        let p = s.profit_range;
        assert!(p.p5 < s.figures.incremental_profit && s.figures.incremental_profit < p.p95);
        let range = format!("{:.0} to {:.0}", p.p5, p.p95);
        assert!(harness.query_all_by_label(&range).count() >= 1, "{range}");
    }
    // The table shows one segment's customers when asked.
    let first = &parts[0];
    harness.state_mut().plan_view.filter_segment = Some(first.segment.clone());
    harness.run_steps(2);
    harness.get_by_label(&format!("{} customers", first.figures.targeted));
    harness.state_mut().plan_view.filter_segment = None;
    harness.run_steps(1);
    // One scenario saved for comparison (as its button does on the Scenarios screen).
    {
        let sv = &mut harness.state_mut().scenarios_view;
        let o = sv.outcome.clone().unwrap();
        sv.saved.push((sv.scenario.clone(), o));
    }
    let out = dir.join("exported-plan.csv");
    harness.state_mut().plan_view.path = out.display().to_string();
    harness.get_by_label("Export CSV").click();
    harness.run_steps(2);
    let status = harness.state().plan_view.status.clone();
    assert!(status.starts_with("wrote"), "{status}");
    let text = std::fs::read_to_string(&out).unwrap();
    let rows = text.lines().count() - 1;
    assert_eq!(rows, plan(&harness).rows.len());
    assert!(text.starts_with("customer_id,segment,offer"));
    assert!(
        harness
            .query_all_by_label_contains("Step ")
            .next()
            .is_none(),
        "guide done"
    );
    // The charts' data is exported beside the plan.
    for chart in ["frontier", "sweep", "segments", "comparison"] {
        let p = dir.join(format!("exported-plan.{chart}.csv"));
        let csv = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(csv.lines().count() > 2, "{chart}: {csv}");
    }
    // A second export does not replace the file without confirmation.
    harness.get_by_label("Export CSV").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .plan_view
            .status
            .contains("replace existing file")
    );
    // One customer's profile says what the plan does with them.
    let first = plan(&harness).rows[0].clone();
    harness.get_by_label("Customers").click();
    harness.run_steps(1);
    harness.get_by_label("One customer").click();
    harness.run_steps(1);
    harness.state_mut().customers_view.query = first.customer_id.clone();
    harness.run_steps(2);
    harness.get_by_label_contains(&format!(
        "In the plan: {} through {}",
        first.offer, first.channel
    ));
}

/// A scenario's frequency cap, ticked on the Scenarios screen, leaves customers out. Who may get
/// an offer from the optimizer, set there too: a frequency cap leaves out everyone messaged in
/// the last 30 days, and a control share holds back a
/// random fifth of those the plan would reach: none of them is in the plan, and they are listed
/// with the offer they are held back from.
#[test]
fn the_optimizer_holds_back_a_control_group_and_keeps_a_frequency_cap() {
    let dir = common::sample_dir("app-offers-targeting", 1500, 6);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.run_steps(2);
    train_planning_model(&mut harness);
    // The scenario's own frequency cap: fewer customers are eligible.
    let eligible = |h: &egui_kittest::Harness<'static, promolab::ui::PromolabApp>| {
        h.state().scenarios_view.outcome.as_ref().unwrap().eligible
    };
    let before = eligible(&harness);
    harness
        .query_all_by_label("leave out customers messaged in the last")
        .next()
        .unwrap()
        .click_accesskit();
    harness.run_steps(2);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    let scenario = &harness.state().scenarios_view.scenario.targeting;
    assert_eq!(scenario.exclude_contacted_within_days, Some(30.0));
    assert!(
        eligible(&harness) < before,
        "{} vs {before}",
        eligible(&harness)
    );
    // The standard offers hold back 10%; a plan with no control group says it cannot be
    // measured.
    harness.get_by_label_contains("Who may get an offer: 10% held back as control");
    harness
        .state_mut()
        .scenarios_view
        .offers
        .targeting
        .control_share = 0.0;
    optimize(&mut harness);
    harness.get_by_label_contains("No control group");
    harness
        .get_by_label_contains("Who may get an offer: everyone")
        .click_accesskit();
    harness.run_steps(2);
    let cap = harness
        .query_all_by_label("leave out customers messaged in the last")
        .last()
        .expect("the optimizer's frequency cap");
    cap.click_accesskit();
    harness.run_steps(1);
    harness
        .state_mut()
        .scenarios_view
        .offers
        .targeting
        .control_share = 0.2;
    harness.run_steps(1);
    let targeting = harness.state().scenarios_view.offers.targeting.clone();
    assert_eq!(targeting.exclude_contacted_within_days, Some(30.0));
    harness.get_by_label_contains("20% held back as control; none messaged in the last 30 days");
    optimize(&mut harness);
    let t = harness.state().scenarios_view.table.clone().unwrap();
    let plan = plan(&harness);
    assert!(!plan.rows.is_empty() && !plan.control.is_empty());
    let index = common::positions(&t.ids);
    let recent = t.days_since_contact.iter().filter(|&&d| d < 30.0).count();
    assert!(
        recent > t.len() / 2,
        "the cap has customers to leave out: {recent}"
    );
    let held = |id: &str| promolab::sim::select::held_back(id, 0.2);
    for r in &plan.rows {
        assert!(
            !held(&r.customer_id),
            "{} is in the control group",
            r.customer_id
        );
        let days = t.days_since_contact[index[r.customer_id.as_str()]];
        assert!(
            days.is_nan() || days >= 30.0,
            "{} was messaged {days} days ago",
            r.customer_id
        );
    }
    for c in &plan.control {
        assert!(held(&c.customer_id));
        assert!(plan.offers.offers.iter().any(|o| o.name == c.offer));
    }
    // About a fifth of those the plan would reach.
    let share = plan.control.len() as f64 / (plan.control.len() + plan.rows.len()) as f64;
    assert!((0.1..0.3).contains(&share), "{share}");
    harness.get_by_label_contains("held back as a control group");
    assert!(
        harness
            .query_by_label_contains("No control group")
            .is_none()
    );
    // Exported, run as a campaign (every other customer sent an offer bought, one in five of
    // those held back), and measured on the Plan screen against the control group.
    harness.query_all_by_label("Plan").next().unwrap().click();
    harness.run_steps(2);
    let out = dir.join("measured-plan.csv");
    harness.state_mut().plan_view.path = out.display().to_string();
    harness.get_by_label("Export CSV").click();
    harness.run_steps(2);
    let control = std::fs::read_to_string(dir.join("measured-plan.control.csv")).unwrap();
    let sent = std::fs::read_to_string(&out).unwrap();
    let mut results = String::from(
        "campaign_id,customer_id,offer_type,offer_value,channel,sent_at,converted,revenue,control\n",
    );
    for (k, line) in sent.lines().skip(1).enumerate() {
        let id = line.split(',').next().unwrap();
        let bought = k % 2 == 0;
        results += &format!(
            "NEW,{id},coupon,10,email,2027-01-04,{},{},0\n",
            u8::from(bought),
            if bought { 40 } else { 0 }
        );
    }
    for (k, line) in control.lines().skip(1).enumerate() {
        let id = line.split(',').next().unwrap();
        let bought = k % 5 == 0;
        results += &format!(
            "NEW,{id},none,0,none,2027-01-04,{},{},1\n",
            u8::from(bought),
            if bought { 40 } else { 0 }
        );
    }
    let results_path = common::write(&dir, "results.csv", &results);
    harness
        .get_by_label_contains("After the campaign: measure a plan")
        .click_accesskit();
    harness.run_steps(2);
    harness.state_mut().plan_view.measure.results_path = results_path.display().to_string();
    harness.run_steps(1);
    harness.get_by_label("Measure").click_accesskit();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    let panel = &harness.state().plan_view.measure;
    let m = panel
        .result
        .as_ref()
        .unwrap_or_else(|| panic!("{}", panel.status));
    assert_eq!(m.not_in_results, 0);
    let total = m.buyers.expect("judged offers").observed;
    let judged: usize = m
        .offers
        .iter()
        .filter(|o| o.buyers.is_some())
        .map(|o| o.sent.customers)
        .sum();
    // About 0.5 - 0.2 = 0.3 extra buyers per customer sent a judged offer.
    let per = total / judged as f64;
    assert!((0.2..0.4).contains(&per), "{per}");
    harness.get_by_label("uplift, points (expected)");
    harness.get_by_label_contains("the plan (offers judged): extra buyers");
}

/// The optimizer's offers are edited on the Scenarios screen: an offer removed is not in the
/// next plan, a redemption cap, a stock and a channel's send cap hold, the offer being edited
/// above joins the list, and the plan can maximize revenue instead of profit.
#[test]
fn the_optimizers_offers_can_be_removed_capped_and_added() {
    let dir = common::sample_dir("app-offers", 1500, 4);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.run_steps(2);
    train_planning_model(&mut harness);
    optimize(&mut harness);
    let names = |h: &egui_kittest::Harness<'static, promolab::ui::PromolabApp>| -> Vec<String> {
        plan(h)
            .offers
            .offers
            .iter()
            .map(|o| o.name.clone())
            .collect()
    };
    assert!(names(&harness).contains(&"25% off".to_string()));
    // Remove "25% off" (the third offer): the shown plan is flagged until Optimize runs again.
    harness
        .query_all_by_label("Remove")
        .nth(2)
        .unwrap()
        .click_accesskit();
    harness.run_steps(2);
    harness.get_by_label_contains("The offers changed since this plan");
    optimize(&mut harness);
    assert!(
        harness
            .query_by_label_contains("The offers changed")
            .is_none()
    );
    assert!(!names(&harness).contains(&"25% off".to_string()));
    assert!(plan(&harness).rows.iter().all(|r| r.offer != "25% off"));
    // A cap on the coupon's expected redemptions: ticked on the screen, then set.
    harness
        .query_all_by_label("at most")
        .next()
        .unwrap()
        .click_accesskit();
    harness.run_steps(2);
    let cap = &mut harness.state_mut().scenarios_view.offers.offers[0];
    assert_eq!(cap.name, "coupon 10 off 60");
    assert!(cap.redemption_cap.is_some(), "the tick sets a cap");
    cap.redemption_cap = Some(20.0);
    optimize(&mut harness);
    let coupon = &plan(&harness).per_offer[0];
    assert!(
        coupon.buyers_with_offer <= 20.0 + 1e-6 && coupon.targeted > 0,
        "{coupon:?}"
    );
    // The scenario's offer (20% off) joins the list, once.
    harness.get_by_label("Add \"20% off\"").click_accesskit();
    harness.run_steps(2);
    optimize(&mut harness);
    assert!(names(&harness).contains(&"20% off".to_string()));
    assert!(
        harness
            .get_by_label("Add \"20% off\"")
            .accesskit_node()
            .is_disabled(),
        "already in the list"
    );
    // Stock of the gift (the fourth offer now), ticked on the screen, then set.
    harness
        .query_all_by_label("stock")
        .nth(3)
        .unwrap()
        .click_accesskit();
    harness.run_steps(2);
    let gift = &mut harness.state_mut().scenarios_view.offers.offers[3];
    assert_eq!(gift.name, "gift over 50");
    assert_eq!(gift.stock, Some(1000.0), "the tick sets a stock");
    gift.stock = Some(15.0);
    optimize(&mut harness);
    let gift = &plan(&harness).per_offer[3];
    assert!(
        gift.buyers_with_offer <= 15.0 + 1e-6 && gift.targeted > 0,
        "{gift:?}"
    );
    // A cap on the SMS sends, ticked on the screen, then set to half of what the plan sent.
    let sms = |h: &egui_kittest::Harness<'static, promolab::ui::PromolabApp>| {
        plan(h).rows.iter().filter(|r| r.channel == "sms").count()
    };
    let before = sms(&harness);
    assert!(
        before >= 20,
        "the sample's SMS customers get offers: {before}"
    );
    harness.get_by_label("sms").click_accesskit();
    harness.run_steps(2);
    let caps = &mut harness.state_mut().scenarios_view.offers.channel_caps;
    assert_eq!(caps.get("sms"), Some(&1000.0), "the tick sets a cap");
    caps.insert("sms".into(), (before / 2) as f64);
    optimize(&mut harness);
    let after = sms(&harness);
    assert!(after <= before / 2 && after > 0, "{before} -> {after}");
    // Maximizing revenue gives at least the revenue of the profit plan, under the same caps.
    let revenue = |h: &egui_kittest::Harness<'static, promolab::ui::PromolabApp>| {
        plan(h).total.incremental_revenue
    };
    let by_profit = revenue(&harness);
    harness.state_mut().scenarios_view.offers.objective =
        promolab::sim::optimize::Objective::Revenue;
    harness.run_steps(2);
    harness.get_by_label_contains("The offers changed since this plan");
    optimize(&mut harness);
    let by_revenue = revenue(&harness);
    assert!(
        by_revenue >= by_profit * (1.0 - 1e-3),
        "{by_profit} -> {by_revenue}"
    );
    // The standard offers come back.
    harness.get_by_label("Standard offers").click_accesskit();
    harness.run_steps(2);
    let offers = &harness.state().scenarios_view.offers;
    assert_eq!(offers, &promolab::sim::optimize::OffersFile::standard());
    // Offers files, as `promolab optimize --offers` reads them (the buttons ask for a path
    // through the native dialog; these are the calls it makes).
    let view = &mut harness.state_mut().scenarios_view;
    view.offers.offers.truncate(2);
    let saved = dir.join("two-offers.json");
    view.save_offers(&saved).unwrap();
    let back = promolab::sim::optimize::read_offers(&saved).unwrap();
    assert_eq!(back, view.offers);
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/offers.json");
    view.open_offers(&sample).unwrap();
    assert_eq!(
        view.offers,
        promolab::sim::optimize::read_offers(&sample).unwrap()
    );
    // A file with an offer this model cannot take is refused, naming the file and the offer,
    // and the offers stay as they were.
    let bad = common::write(
        &dir,
        "bad-offers.json",
        r#"{"version": 1, "offers": [{"name": "too deep", "offer": {"type": "pct_discount", "pct": 120}}]}"#,
    );
    let e = view.open_offers(&bad).unwrap_err();
    assert!(
        e.contains("bad-offers.json") && e.contains("too deep"),
        "{e}"
    );
    assert_eq!(
        view.offers,
        promolab::sim::optimize::read_offers(&sample).unwrap()
    );
}

/// A dynamic-price scenario shows the best price index per segment, found in the background by
/// the search `promolab price` runs.
#[test]
fn a_dynamic_price_scenario_finds_the_best_price_per_segment() {
    use promolab::sim::price::optimize_prices;
    let dir = common::sample_dir("app-prices", 1500, 4);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.run_steps(2);
    train_planning_model(&mut harness);
    assert!(
        harness.query_by_label("Find best prices").is_none(),
        "only for a price offer"
    );
    harness.state_mut().scenarios_view.scenario.offer =
        promolab::sim::Offer::DynamicPrice { price_index: 0.95 };
    harness.run_steps(1);
    // The new offer's sweep first (the screen changes when it lands).
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    harness.get_by_label("Find best prices").click_accesskit();
    harness.run_steps(1);
    assert!(harness.state().scenarios_view.prices.is_busy());
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    let view = &harness.state().scenarios_view;
    let (query, prices) = view.prices.result.clone().expect("prices found");
    let t = view.table.clone().unwrap();
    assert_eq!((query.lo, query.hi, query.stock), (0.7, 1.3, None));
    assert_eq!(query.margin, t.margin_rate);
    assert_eq!(
        prices,
        optimize_prices(&t, query.lo, query.hi, query.margin, None)
    );
    // Every customer is in one segment's row.
    assert_eq!(prices.iter().map(|p| p.customers).sum::<usize>(), t.len());
    assert!(
        prices
            .iter()
            .all(|p| (0.7..=1.3).contains(&p.best_index) && p.at_best.incremental_profit >= -1e-6),
        "{prices:?}"
    );
    harness.get_by_label_contains("Searched price indices 0.70 to 1.30");
    // A best index above list (the campaign only gave discounts) or below its deepest discount
    // is called an extrapolation.
    let pct = promolab::sim::offer::Lever::Pct as usize;
    let deepest = t.depth_seen.expect("the sample campaign's depths")[pct] as f64;
    let outside = (prices.iter()).any(|p| p.best_index > 1.0 || p.best_index < 1.0 - deepest);
    assert_eq!(
        harness
            .query_by_label_contains("is the model's extrapolation")
            .is_some(),
        outside
    );
    harness.get_by_label(&format!("{:.3}", prices[0].best_index));
    // A price above list: the spend says buyers pay more, and the warning says the campaign
    // never tried it.
    harness.state_mut().scenarios_view.scenario.offer =
        promolab::sim::Offer::DynamicPrice { price_index: 1.1 };
    harness.run_steps(2);
    harness.get_by_label_contains("above list in all");
    harness.get_by_label_contains("A price above the list price");
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    // Each segment at its best price joins the comparison, with the search's figures.
    harness
        .get_by_label("Compare each at its best price")
        .click_accesskit();
    harness.run_steps(2);
    let saved = &harness.state().scenarios_view.saved;
    assert_eq!(saved.len(), prices.len());
    for ((s, o), p) in saved.iter().zip(&prices) {
        assert_eq!(s.targeting.segments, vec![p.segment.clone()]);
        assert!(
            (o.totals.incremental_profit - p.at_best.incremental_profit).abs()
                <= 1e-6 * (1.0 + p.at_best.incremental_profit.abs()),
            "{}: {} vs {}",
            s.name,
            o.totals.incremental_profit,
            p.at_best.incremental_profit
        );
        assert_eq!(o.intervals.incremental_profit, p.profit_range);
    }
    // The price above list saved beside them: its negative spend is named in the table.
    assert_eq!(
        harness.state().scenarios_view.scenario.offer,
        promolab::sim::Offer::DynamicPrice { price_index: 1.1 }
    );
    let listed = |h: &egui_kittest::Harness<'static, promolab::ui::PromolabApp>| {
        h.query_all_by_label_contains("(price above list)").count()
    };
    let before = listed(&harness);
    harness
        .get_by_label("Save for comparison")
        .click_accesskit();
    harness.run_steps(2);
    assert_eq!(listed(&harness), before + 1);
}

/// A project keeps the data files, the scenario, the saved scenarios, the budget and the plan
/// settings: saved with Ctrl+S, reopened in a fresh window, the saved scenario is simulated again
/// once a planning model has scored the customers.
#[test]
fn a_saved_project_reopens_with_its_data_scenarios_and_settings() {
    let dir = common::sample_dir("app-project", 1200, 6);
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    train_planning_model(&mut harness);
    harness.get_by_label("Save for comparison").click();
    harness.run_steps(2);
    assert_eq!(harness.state().scenarios_view.saved.len(), 1);
    // Saved scenarios are compared with the current one in a table and a chart.
    harness.get_by_label_contains("Incremental profit side by side (5–95%)");
    let path = dir.join("spring.promolab");
    {
        let app = harness.state_mut();
        app.scenarios_view.scenario.offer = app.scenarios_view.scenario.offer.with_value(15.0);
        app.scenarios_view.budget = 7_500.0;
        app.plan_view.template = "Hello {name}".into();
        app.save_project(&path);
        assert!(app.messages.is_empty(), "{:?}", app.messages);
        app.plan_view.template = "changed after the first save".into();
    }
    // Ctrl+S saves again to the same file.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    harness.run_steps(2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("changed after the first save"), "{text}");

    let mut fresh = common::open_app(Vec::new());
    fresh.state_mut().open_project(&path);
    fresh.state_mut().wait_for_jobs();
    fresh.run_steps(2);
    let app = fresh.state();
    assert!(app.messages.is_empty(), "{:?}", app.messages);
    assert!(app.loaded.is_some(), "the project's data is loaded");
    assert_eq!(
        std::fs::canonicalize(&app.paths[0]).unwrap(),
        std::fs::canonicalize(&dir).unwrap()
    );
    assert_eq!(app.scenarios_view.scenario.offer.value(), 15.0);
    assert_eq!(app.scenarios_view.budget, 7_500.0);
    assert_eq!(app.plan_view.template, "changed after the first save");
    assert_eq!(app.scenarios_view.saved_scenarios().len(), 1);
    assert!(app.scenarios_view.saved.is_empty(), "no model yet");
    train_planning_model(&mut fresh);
    assert_eq!(fresh.state().scenarios_view.saved.len(), 1);
}

/// A file close to a kind but for a required column's header: the mapping editor says which kind
/// and which column, offers to treat it as that kind, and the mapped column loads.
#[test]
fn a_file_close_to_a_kind_is_offered_as_that_kind_in_the_mapping_editor() {
    let dir = common::sample_dir("app-mapping-close", 300, 9);
    let customers = dir.join("customers.csv");
    let text = std::fs::read_to_string(&customers).unwrap();
    std::fs::write(&customers, text.replacen("signup_date", "Anmeldung", 1)).unwrap();
    // The error lists the column's Chinese synonyms too.
    let mut harness = common::open_app_any_text(vec![dir.to_path_buf()]);
    harness.run_steps(2);
    assert!(harness.state().loaded.is_none());
    harness
        .get_by_label_contains("looks most like a customers table, which also needs signup_date");
    harness
        .get_by_label("Treat it as a customers table")
        .click_accesskit();
    harness.run_steps(2);
    let draft = harness.state_mut().data_view.draft.as_mut().unwrap();
    assert_eq!(
        draft.mapping.kind,
        Some(promolab::data::TableKind::Customers)
    );
    assert_eq!(draft.missing(), vec!["signup_date"]);
    draft
        .mapping
        .columns
        .insert("signup_date".into(), "Anmeldung".into());
    harness.run_steps(1);
    harness.get_by_label("Load with this mapping").click();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    let loaded = harness
        .state()
        .loaded
        .as_ref()
        .expect("loaded with the mapping");
    assert_eq!(loaded.tables.len(), 5);
}

/// A file whose columns promolab cannot recognize opens the column-mapping editor; mapping its
/// columns there loads the data, and the mapping is kept in the project.
#[test]
fn unrecognized_columns_open_the_mapping_editor_and_a_mapping_loads_them() {
    let dir = common::sample_dir("app-mapping", 300, 9);
    let orders = dir.join("order_lines.csv");
    let text = std::fs::read_to_string(&orders).unwrap();
    let german = "Bestellung,Kunde,Artikel,Zeitpunkt,Anzahl,Stückpreis,discount_amount,promo_id";
    let (_, rest) = text.split_once('\n').unwrap();
    std::fs::write(&orders, format!("{german}\n{rest}")).unwrap();
    let mut harness = common::open_app(vec![dir.to_path_buf()]);
    harness.run_steps(2);
    assert!(harness.state().loaded.is_none());
    assert!(harness.state().messages[0].contains("order_lines.csv"));
    harness.get_by_label_contains("Column mapping: order_lines.csv");
    harness.get_by_label_contains("choose its kind above");
    {
        let draft = harness
            .state_mut()
            .data_view
            .draft
            .as_mut()
            .expect("editor open");
        assert_eq!(draft.headers[0], "Bestellung");
        draft.mapping.kind = Some(promolab::data::TableKind::OrderLines);
        for (canonical, header) in [
            ("order_id", "Bestellung"),
            ("customer_id", "Kunde"),
            ("product_id", "Artikel"),
            ("timestamp", "Zeitpunkt"),
            ("quantity", "Anzahl"),
            ("unit_price", "Stückpreis"),
        ] {
            draft
                .mapping
                .columns
                .insert(canonical.into(), header.into());
        }
    }
    harness.run_steps(1);
    harness.get_by_label("Load with this mapping").click();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs();
    harness.run_steps(2);
    let app = harness.state();
    let loaded = app.loaded.as_ref().expect("loaded with the mapping");
    assert_eq!(loaded.tables.len(), 5);
    let lines = loaded
        .tables
        .iter()
        .find(|t| t.kind == promolab::data::TableKind::OrderLines)
        .unwrap();
    assert_eq!(lines.column("quantity").unwrap().header, "Anzahl");
    // The project keeps the mapping, and reopening it loads the file again.
    let path = dir.join("mapped.promolab");
    harness.state_mut().save_project(&path);
    let mut fresh = common::open_app(Vec::new());
    fresh.state_mut().open_project(&path);
    fresh.state_mut().wait_for_jobs();
    assert!(
        fresh.state().messages.is_empty(),
        "{:?}",
        fresh.state().messages
    );
    assert_eq!(fresh.state().loaded.as_ref().unwrap().tables.len(), 5);
}

/// A flat campaign table (one row per customer, a treatment column with a control group, a 0/1
/// outcome and a spend column, like Hillstrom's): the planning model is an uplift network on the
/// Models screen's control group and outcome, the scenario and the offers become a plain message
/// (it cannot price discounts), and the optimizer plans and the plan exports.
#[test]
fn a_flat_campaign_table_plans_a_message_from_the_screens() {
    let dir = common::temp_dir("app-flat");
    let mut text = String::from("recency,history,zip_code,segment,visit,spend\n");
    for i in 0..800u32 {
        // Recent customers visit more, and the e-mail adds 15 points for them, 5 for the others.
        let recent = i % 3 != 0;
        // Two e-mails and no e-mail, a third each; e-mail B is the one planned below.
        let arm = ["No E-Mail", "E-Mail A", "E-Mail B"][(i % 3) as usize];
        let mailed = i % 3 == 2;
        let chance = 10
            + if recent { 20 } else { 0 }
            + match (mailed, recent) {
                (true, true) => 15,
                (true, false) => 5,
                _ => 0,
            };
        let visit = (i.wrapping_mul(2_654_435_761) >> 7) % 100 < chance;
        let spend = if visit && i % 5 == 0 { 40 + i % 60 } else { 0 };
        text.push_str(&format!(
            "{},{}.5,{},{},{},{}\n",
            if recent { 1 + i % 4 } else { 8 + i % 5 },
            100 + i % 300,
            ["Urban", "Rural"][(i % 2) as usize],
            arm,
            visit as u8,
            spend
        ));
    }
    let path = common::write(&dir, "flat.csv", &text);
    let mut harness = common::open_app(vec![path]);
    // One treatment against the control: the message is that e-mail.
    harness.state_mut().models_view.treatment = "E-Mail B".into();
    train_planning_model(&mut harness);
    assert!(
        harness.state().messages.is_empty(),
        "{:?}",
        harness.state().messages
    );
    let view = &harness.state().scenarios_view;
    let t = view.table.as_ref().expect("scored");
    assert!(
        t.source.contains("control 'No E-Mail' against 'E-Mail B'"),
        "{}",
        t.source
    );
    assert!(t.source.contains("revenue 'spend'"), "{}", t.source);
    assert!(view.adapted.is_some());
    assert_eq!(view.scenario.offer, promolab::sim::Offer::Message);
    let names: Vec<&str> = view.offers.offers.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["message"]);
    let o = view.outcome.as_ref().expect("the message is simulated");
    assert!(o.totals.targeted > 0 && o.totals.incremental_buyers > 0.0);
    harness.get_by_label_contains("learned the campaign's message ('E-Mail B')");
    // The message is the optimizer's one offer: it cannot be removed or added twice, and the
    // standard offers come back as the message.
    assert!(
        harness
            .get_by_label("Remove")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        harness
            .get_by_label_contains("Add \"a message")
            .accesskit_node()
            .is_disabled()
    );
    harness.get_by_label("Standard offers").click_accesskit();
    harness.run_steps(2);
    let names: Vec<String> = (harness.state().scenarios_view.offers.offers.iter())
        .map(|o| o.name.clone())
        .collect();
    assert_eq!(names, ["message"]);
    optimize(&mut harness);
    let opt = optimized(&harness);
    assert!(!opt.plan.rows.is_empty());
    assert!(opt.plan.rows.iter().all(|r| r.offer == "message"));
    // The plan is checked against the customers who got e-mail B or nothing.
    let check = opt.control_check.as_ref().expect("held-out customers");
    assert!(check.unchecked.is_empty(), "{check:?}");
    assert_eq!(check.offers[0].arm, "E-Mail B");
    // Every other value as treatments: the message is the model's first one, and the plan is
    // checked against that arm.
    harness.state_mut().models_view.treatment.clear();
    train_planning_model(&mut harness);
    let view = &harness.state().scenarios_view;
    assert!(
        view.adapted
            .as_deref()
            .is_some_and(|a| a.contains("('E-Mail A')")),
        "{:?}",
        view.adapted
    );
    optimize(&mut harness);
    let check = optimized(&harness)
        .control_check
        .as_ref()
        .expect("held-out customers");
    assert!(check.unchecked.is_empty(), "{check:?}");
    assert_eq!(check.offers[0].arm, "E-Mail A");
}
