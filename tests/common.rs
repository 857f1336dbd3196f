//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh, empty folder under the system temp dir, unique to this call (tests run in parallel),
/// removed with everything in it when the value is dropped (a test's data does not pile up).
pub struct TempDir(tempfile::TempDir);

impl std::ops::Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

pub fn temp_dir(name: &str) -> TempDir {
    TempDir(
        tempfile::Builder::new()
            .prefix(&format!("promolab-test-{name}-"))
            .tempdir()
            .unwrap(),
    )
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The Hillstrom file from the shared data folder, or None (with the reason printed).
pub fn hillstrom() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/hillstrom.csv");
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} is absent (the shared Hillstrom data is not on this machine)",
            p.display()
        );
        None
    }
}

/// A fresh folder holding generated sample data of `customers` customers.
pub fn sample_dir(name: &str, customers: usize, seed: u64) -> TempDir {
    let dir = temp_dir(name);
    promolab::data::sample::generate(promolab::data::sample::SampleConfig { customers, seed })
        .write(&dir)
        .unwrap();
    dir
}

/// The app on `paths`, in a 1280×800 window, with its startup jobs finished. A character that no
/// font has panics (kittest's policy): promolab's own texts must all be drawable.
pub fn open_app(paths: Vec<PathBuf>) -> egui_kittest::Harness<'static, promolab::ui::PromolabApp> {
    app_with(egui_kittest::Harness::builder(), paths)
}

/// `open_app` for data whose text may need fonts the test machine lacks (Chinese headers, say):
/// such characters are drawn as boxes, as in the app on a machine without them (the window
/// itself also looks among the system's fonts, which the test harness does not).
pub fn open_app_any_text(
    paths: Vec<PathBuf>,
) -> egui_kittest::Harness<'static, promolab::ui::PromolabApp> {
    app_with(
        egui_kittest::Harness::builder().allow_missing_glyphs(),
        paths,
    )
}

fn app_with(
    builder: egui_kittest::HarnessBuilder<promolab::ui::PromolabApp>,
    paths: Vec<PathBuf>,
) -> egui_kittest::Harness<'static, promolab::ui::PromolabApp> {
    let mut harness = builder
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| promolab::ui::PromolabApp::new(cc, paths));
    harness.state_mut().wait_for_jobs();
    harness
}

/// Each id's position in `ids` (a response table's customers).
pub fn positions(ids: &[String]) -> std::collections::HashMap<&str, usize> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect()
}

/// Whether the tests should also run on the wgpu device (PROMOLAB_TEST_WGPU=1, set by .ci/run
/// after installing lavapipe); says so when they skip it.
pub fn wgpu_requested() -> bool {
    let on = std::env::var("PROMOLAB_TEST_WGPU").as_deref() == Ok("1");
    if !on {
        eprintln!("skipped: set PROMOLAB_TEST_WGPU=1 to run this on the wgpu device too");
    }
    on
}
