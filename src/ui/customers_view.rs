//! The Customers tab: how many customers were profiled, and a summary of each profile feature.

use super::jobs::Loaded;

pub fn ui(ui: &mut egui::Ui, loaded: Option<&Loaded>) {
    ui.heading("Customer profiles");
    let Some(loaded) = loaded else {
        ui.label("Load data on the Data tab first.");
        return;
    };
    let p = match &loaded.profiles {
        Ok(p) => p,
        Err(e) => {
            ui.label(format!("No profiles: {e}"));
            return;
        }
    };
    ui.label(format!(
        "{} customers × {} features",
        p.n_rows(),
        p.names.len()
    ));
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("feature_summary")
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                for h in ["feature", "mean", "min", "median", "max"] {
                    ui.strong(h);
                }
                ui.end_row();
                for (name, [mean, min, median, max]) in &loaded.feature_summary {
                    ui.label(name);
                    for x in [mean, min, median, max] {
                        ui.label(format!("{x:.3}"));
                    }
                    ui.end_row();
                }
            });
    });
}
