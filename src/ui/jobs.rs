//! Background work for the UI: loading and validating data, probing the compute device,
//! and the file dialog. Each job reports through a channel that the UI polls every frame.

use crate::data::features::{self, Profiles};
use crate::data::sample::{self, GroundTruth};
use crate::data::{self, CleaningChoices, Mapping, Report, Table, validate};
use crate::model::device::{self, DeviceChoice};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// What a finished load hands to the UI.
pub struct Loaded {
    /// Shared with background jobs (training) without copying.
    pub tables: Arc<Vec<Table>>,
    pub report: Report,
    pub profiles: Result<Profiles, String>,
    /// Per feature: name, mean, min, median, max (computed once, not every frame).
    pub feature_summary: Vec<(String, [f64; 4])>,
    /// The generator's ground truth, when a loaded folder has ground_truth.json.
    pub truth: Option<Arc<GroundTruth>>,
    /// Each profiled customer's RFM segment (index into `sim::segments::RFM_NAMES`), when the
    /// data has purchase history.
    pub rfm: Option<Vec<u16>>,
    /// For a flat campaign table: its treatment values (sorted, once each) and outcome columns
    /// (computed once: the Models and Scenarios screens ask every frame).
    pub flat_choices: Option<(Vec<String>, Vec<String>)>,
}

/// A flat campaign table's treatment values and outcome columns, when the tables have one.
fn flat_choices(tables: &[Table]) -> Option<(Vec<String>, Vec<String>)> {
    let t = tables
        .iter()
        .find(|t| t.kind == crate::data::TableKind::FlatCampaign)?;
    let mut values: Vec<String> = t.text("treatment")?.iter().flatten().cloned().collect();
    values.sort();
    values.dedup();
    let outcomes = t
        .columns
        .iter()
        .filter(|c| crate::data::schema::FLAT_OUTCOMES.contains(&c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    Some((values, outcomes))
}

fn summarize(p: &Profiles) -> Vec<(String, [f64; 4])> {
    p.names
        .iter()
        .zip(&p.columns)
        .map(|(name, col)| {
            let mut s = col.clone();
            s.sort_by(f32::total_cmp);
            let mean = s.iter().map(|&x| x as f64).sum::<f64>() / s.len().max(1) as f64;
            let at = |i: usize| s.get(i).copied().unwrap_or(0.0) as f64;
            (
                name.clone(),
                [mean, at(0), at(s.len() / 2), at(s.len().saturating_sub(1))],
            )
        })
        .collect()
}

pub enum LoadEvent {
    Progress {
        done: usize,
        total: usize,
        file: String,
    },
    /// A file was not recognized: its headers, for the column-mapping editor.
    NeedsMapping {
        path: PathBuf,
        headers: Vec<String>,
        error: String,
    },
    Finished(Result<Loaded, String>),
}

/// The user's column mappings, per data file (keyed by `mapping_key`).
pub type Mappings = std::collections::BTreeMap<PathBuf, Mapping>;

/// The key of a file in `Mappings`: its canonical path, so "data/x.csv" and "/home/me/data/x.csv"
/// are the same file.
pub fn mapping_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A running job: its channel and a cancel flag.
pub struct Job<T> {
    pub rx: Receiver<T>,
    pub cancel: Arc<AtomicBool>,
    pub name: &'static str,
}

impl<T> Job<T> {
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// All events that arrived since the last poll, and whether the worker is gone.
    pub fn poll(&self) -> (Vec<T>, bool) {
        let mut out = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(e) => out.push(e),
                Err(TryRecvError::Empty) => return (out, false),
                Err(TryRecvError::Disconnected) => return (out, true),
            }
        }
    }
}

/// Jobs that stopped on a bug (a panic), kept in the context's data until the app shows them:
/// "what" and the panic's message, per job.
type Crashes = Arc<std::sync::Mutex<Vec<String>>>;

fn crashes(ctx: &egui::Context) -> Crashes {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<Crashes>(egui::Id::unique("promolab-job-crashes"))
            .clone()
    })
}

/// Readable messages for the jobs that stopped on a bug since the last call (each job's channel
/// then closes with no result, and the screen waiting on it would otherwise wait forever).
pub fn take_crashes(ctx: &egui::Context) -> Vec<String> {
    let list = crashes(ctx);
    let mut list = list.lock().unwrap_or_else(|p| p.into_inner());
    std::mem::take(&mut *list)
}

pub(super) fn spawn<T: Send + 'static>(
    name: &'static str,
    ctx: egui::Context,
    work: impl FnOnce(&dyn Fn(T), &AtomicBool) + Send + 'static,
) -> Job<T> {
    let (tx, rx) = channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let crashed = crashes(&ctx);
    std::thread::Builder::new()
        .name(format!("promolab-{name}"))
        .spawn(move || {
            let send = |e: T| {
                let _ = tx.send(e);
                ctx.request_repaint();
            };
            let run = std::panic::AssertUnwindSafe(|| work(&send, &flag));
            if let Err(panic) = std::panic::catch_unwind(run) {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                let mut list = crashed.lock().unwrap_or_else(|p| p.into_inner());
                list.push(format!(
                    "the {name} job stopped on a bug in promolab ({why}); its result is lost, the rest of the app is unaffected. Please report it with the data that caused it."
                ));
            }
            ctx.request_repaint();
        })
        .expect("can spawn a thread");
    Job { rx, cancel, name }
}

/// Loads, validates (cleaning if asked) and profiles the files.
pub fn load(
    ctx: egui::Context,
    paths: Vec<PathBuf>,
    cleaning: CleaningChoices,
    mappings: Mappings,
) -> Job<LoadEvent> {
    spawn("load", ctx, move |send, cancel| {
        let result = (|| {
            let mut files = data::load::expand_paths(&paths).map_err(|e| e.to_string())?;
            // Dropping a folder's files together (ground_truth.json included) loads the data ones.
            files.retain(|f| data::load::is_data_file(f));
            if files.is_empty() {
                return Err("none of these is a CSV or Parquet file".to_string());
            }
            let mut tables = Vec::new();
            for (i, f) in files.iter().enumerate() {
                if cancel.load(Ordering::Relaxed) {
                    return Err("loading cancelled".to_string());
                }
                send(LoadEvent::Progress {
                    done: i,
                    total: files.len(),
                    file: f.display().to_string(),
                });
                let mapping = mappings.get(&mapping_key(f)).cloned().unwrap_or_default();
                match data::load_table(f, &mapping) {
                    Ok(t) => tables.push(t),
                    Err(e) => {
                        let unrecognized = matches!(
                            e,
                            data::LoadError::UnknownKind { .. }
                                | data::LoadError::MissingColumn { .. }
                        );
                        if unrecognized && let Ok(headers) = data::load::read_headers(f) {
                            send(LoadEvent::NeedsMapping {
                                path: mapping_key(f),
                                headers,
                                error: e.to_string(),
                            });
                        }
                        return Err(e.to_string());
                    }
                }
            }
            let now = data::now_utc();
            let report = if cleaning == CleaningChoices::default() {
                validate::validate(&tables, now)
            } else {
                validate::clean(&mut tables, cleaning, now)
            };
            let profiles = features::profiles_for(&tables);
            let feature_summary = profiles.as_ref().map(summarize).unwrap_or_default();
            let truth = paths
                .iter()
                .map(|p| p.join("ground_truth.json"))
                .find(|p| p.is_file())
                .and_then(|p| sample::read_truth(&p).ok())
                .map(Arc::new);
            let rfm = profiles
                .as_ref()
                .ok()
                .and_then(crate::sim::segments::rfm_of_profiles);
            Ok(Loaded {
                flat_choices: flat_choices(&tables),
                tables: Arc::new(tables),
                report,
                profiles,
                feature_summary,
                truth,
                rfm,
            })
        })();
        send(LoadEvent::Finished(result));
    })
}

/// Probes the compute device (this can take a second: it asks the GPU driver).
pub fn probe_device(
    ctx: egui::Context,
    choice: DeviceChoice,
) -> Job<Result<(String, String), String>> {
    spawn("device", ctx, move |send, _| {
        send(device::select(choice).map(|d| (d.label(), d.reason)));
    })
}

/// What a file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    OpenData,
    OpenProject,
    SaveProject,
    ExportPlan,
    OpenOffers,
    SaveOffers,
    /// A campaign's results, to measure a plan with.
    OpenResults,
    /// An exported plan, to measure.
    OpenPlan,
}

/// A file dialog's answer: the chosen paths, `None` when cancelled, or why there is no dialog.
pub type Picked = Result<Option<Vec<PathBuf>>, String>;

/// The native file dialog, off the UI thread; `None` when cancelled or unavailable.
pub fn pick(ctx: egui::Context, which: Dialog) -> Job<Picked> {
    spawn("dialog", ctx, move |send, _| {
        let picked = std::panic::catch_unwind(|| {
            let d = rfd::FileDialog::new();
            let project = super::project::EXTENSION;
            match which {
                Dialog::OpenData => d
                    .add_filter("sales data", &["csv", "parquet"])
                    .set_title("Open sales data")
                    .pick_files(),
                Dialog::OpenProject => d
                    .add_filter("promolab project", &[project])
                    .set_title("Open project")
                    .pick_file()
                    .map(|p| vec![p]),
                Dialog::SaveProject => d
                    .add_filter("promolab project", &[project])
                    .set_title("Save project")
                    .set_file_name(format!("promotions.{project}"))
                    .save_file()
                    .map(|p| vec![p]),
                Dialog::OpenOffers => d
                    .add_filter("offers", &["json"])
                    .set_title("Open offers")
                    .pick_file()
                    .map(|p| vec![p]),
                Dialog::SaveOffers => d
                    .add_filter("offers", &["json"])
                    .set_title("Save offers")
                    .set_file_name("offers.json")
                    .save_file()
                    .map(|p| vec![p]),
                Dialog::OpenResults => d
                    .add_filter("campaign results", &["csv", "parquet"])
                    .set_title("Open the campaign's results")
                    .pick_file()
                    .map(|p| vec![p]),
                Dialog::OpenPlan => d
                    .add_filter("promotion plan", &["csv"])
                    .set_title("Open an exported plan")
                    .pick_file()
                    .map(|p| vec![p]),
                Dialog::ExportPlan => d
                    .add_filter("CSV", &["csv"])
                    .set_title("Export the promotion plan")
                    .set_file_name("promotion-plan.csv")
                    .save_file()
                    .map(|p| vec![p]),
            }
        });
        send(picked.map_err(|_| {
            "the file dialog is not available here; type a path or drop files on the window"
                .to_string()
        }));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job that panics closes its channel and leaves a readable message for the app, once.
    #[test]
    fn a_job_that_panics_leaves_a_message() {
        let ctx = egui::Context::default();
        let job = spawn("test", ctx.clone(), |_: &dyn Fn(u8), _| {
            panic!("index out of bounds: the len is 3 but the index is 7")
        });
        assert!(job.rx.recv().is_err(), "no result, the channel closed");
        let messages = take_crashes(&ctx);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("the test job stopped on a bug")
                && messages[0].contains("the index is 7"),
            "{}",
            messages[0]
        );
        assert!(take_crashes(&ctx).is_empty());
    }
}
