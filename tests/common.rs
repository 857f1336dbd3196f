//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh, empty folder under the system temp dir, unique to this call (tests run in parallel).
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("promolab-test-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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
pub fn sample_dir(name: &str, customers: usize, seed: u64) -> PathBuf {
    let dir = temp_dir(name);
    promolab::data::sample::generate(promolab::data::sample::SampleConfig { customers, seed })
        .write(&dir)
        .unwrap();
    dir
}

/// The app on `paths`, in a 1280×800 window, with its startup jobs finished.
pub fn open_app(paths: Vec<PathBuf>) -> egui_kittest::Harness<'static, promolab::ui::PromolabApp> {
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| promolab::ui::PromolabApp::new(cc, paths));
    harness.state_mut().wait_for_jobs();
    harness
}
