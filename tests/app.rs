//! The real app driven through egui_kittest: it opens on data, shows tables and the device.

mod common;
use egui_kittest::kittest::Queryable;
use promolab::ui::Tab;

#[test]
fn app_opens_on_data_and_shows_tables_report_and_device() {
    let dir = common::sample_dir("app", 300, 1);
    let mut harness = common::open_app(vec![dir]);
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
    let mut harness = common::open_app(vec![dir]);
    harness.get_by_label("Models").click();
    harness.run_steps(2);
    harness.get_by_label("Train").click();
    harness.run_steps(1);
    harness.state_mut().models_view.wait();
    harness.run_steps(2);
    let view = &harness.state().models_view;
    let (model, meta) = view
        .result
        .as_ref()
        .unwrap_or_else(|| panic!("no model: {}", view.status));
    assert_eq!(model.arm_names.len(), 6, "control and five offers");
    assert!(!view.history.is_empty());
    assert_eq!(meta.test_metrics.as_ref().unwrap().arms.len(), 5);
    harness.get_by_label_contains("Test metrics");
    assert!(harness.query_all_by_label_contains("Qini curve").count() >= 1);
}
