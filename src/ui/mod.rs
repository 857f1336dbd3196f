//! The eframe desktop app: reads engine results, runs jobs in the background, draws.
//! No business logic lives here.

mod app;
mod chart_style;
mod control_checks;
mod customers_view;
mod data_view;
mod filter_edit;
mod glossary;
mod jobs;
mod mapping_view;
pub mod measure_panel;
mod model_charts;
mod models_view;
mod offers_edit;
pub mod plan_view;
pub mod price_panel;
pub mod project;
mod scenario_charts;
pub mod scenarios_view;
mod targeting_edit;

pub use app::{PromolabApp, Tab};

/// Opens the main window on the given files or folders.
pub fn run_app(paths: Vec<std::path::PathBuf>) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0])
            .with_title("promolab"),
        ..Default::default()
    };
    eframe::run_native(
        "promolab",
        options,
        Box::new(move |cc| Ok(Box::new(PromolabApp::new(cc, paths)))),
    )
}
