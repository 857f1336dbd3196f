//! Speed benchmark of the uplift network: first (cold) and warm training epochs and scoring,
//! on synthetic rows, for `promolab bench` and docs/benchmarks.md.

use super::dataset::Dataset;
use super::device::ComputeDevice;
use super::train::{TrainConfig, fit, predict};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct BenchResult {
    pub device: String,
    pub rows: usize,
    pub features: usize,
    pub arms: usize,
    pub batch_size: usize,
    pub first_epoch_seconds: f64,
    pub warm_epoch_seconds: f64,
    pub warm_rows_per_second: f64,
    pub scoring_seconds: f64,
    pub scoring_rows_per_second: f64,
}

/// Random features with a planted treatment effect, `arms` arms (arm 0 = control).
pub fn synthetic(rows: usize, features: usize, arms: usize, seed: u64) -> Dataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Vec::with_capacity(rows * features);
    let mut arm = Vec::with_capacity(rows);
    let mut y = Vec::with_capacity(rows);
    for _ in 0..rows {
        let row: Vec<f32> = (0..features)
            .map(|_| rng.random::<f32>() * 2.0 - 1.0)
            .collect();
        let a = rng.random_range(0..arms);
        let logit = -2.0 + row[0] + if a > 0 { 0.5 * row[1] * a as f32 } else { 0.0 };
        y.push(f32::from(u8::from(
            rng.random::<f32>() < 1.0 / (1.0 + (-logit).exp()),
        )));
        arm.push(a);
        x.extend(row);
    }
    Dataset {
        ids: (0..rows).map(|i| i.to_string()).collect(),
        feature_names: (0..features).map(|j| format!("f{j}")).collect(),
        x,
        arm,
        arm_names: (0..arms).map(|a| format!("arm{a}")).collect(),
        value: y.iter().map(|&v| v * 50.0).collect(),
        depth: Vec::new(),
        y,
    }
}

/// Trains two epochs (the first includes kernel compilation on a GPU) and scores every row.
pub fn run(rows: usize, features: usize, batch_size: usize, device: &ComputeDevice) -> BenchResult {
    let arms = 5;
    let ds = synthetic(rows, features, arms, 7);
    let empty = ds.subset(&[]);
    let cancel = AtomicBool::new(false);
    let times = std::cell::RefCell::new(Vec::new());
    let epoch_started = std::cell::Cell::new(Instant::now());
    let cfg = TrainConfig {
        epochs: 2,
        batch_size,
        patience: 10,
        hidden: vec![128, 128],
        ..TrainConfig::default()
    };
    let fitted = fit(
        &ds,
        &empty,
        arms,
        &cfg,
        &device.device,
        &|e| {
            if let super::train::TrainEvent::Epoch { .. } = e {
                times
                    .borrow_mut()
                    .push(epoch_started.get().elapsed().as_secs_f64());
                epoch_started.set(Instant::now());
            }
        },
        &cancel,
    )
    .expect("synthetic data trains");
    let times = times.into_inner();
    let x = ds.scaled(&fitted.scaler).expect("same features");
    // Warm the scoring kernels on a small slice, then time the full pass.
    let _ = predict(
        &fitted.net,
        &x[..batch_size.min(rows) * features],
        &[],
        features,
        arms,
        batch_size,
        &device.device,
    );
    let t = Instant::now();
    let scores = predict(
        &fitted.net,
        &x,
        &[],
        features,
        arms,
        batch_size,
        &device.device,
    );
    let scoring_seconds = t.elapsed().as_secs_f64();
    assert_eq!(scores.p.len(), rows * arms);
    BenchResult {
        device: device.label(),
        rows,
        features,
        arms,
        batch_size,
        first_epoch_seconds: times[0],
        warm_epoch_seconds: times[1],
        warm_rows_per_second: rows as f64 / times[1],
        scoring_seconds,
        scoring_rows_per_second: rows as f64 / scoring_seconds,
    }
}
