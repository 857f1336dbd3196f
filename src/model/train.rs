//! One training loop for every model: mini-batches of fixed shape, Adam, progress events through
//! a callback, cancel, early stopping on validation log loss, and a guard that stops on NaN/inf.

use super::dataset::Dataset;
use super::device::ComputeDevice;
use super::net::{LossWeights, Net, NetConfig, loss};
use crate::data::features::Scaler;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    pub hidden: Vec<usize>,
    /// Weigh positives and negatives so that each class counts half.
    pub class_weighting: bool,
    pub basket_weight: f32,
    pub treatment_weight: f32,
    /// Networks in the ensemble (uplift and propensity): members after the first train on
    /// bootstrap resamples of the training rows, and scores are their average.
    #[serde(default = "one")]
    pub ensemble: usize,
    /// Conversion as a monotone function of discount depth (the response model).
    #[serde(default)]
    pub monotone_response: bool,
    /// Response model: latent response classes (0 = a free per-customer response).
    #[serde(default)]
    pub classes: usize,
    /// Uplift and propensity nets: a linear path beside the hidden layers (`NetConfig`).
    #[serde(default)]
    pub linear_skip: bool,
}

fn one() -> usize {
    1
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 1024,
            learning_rate: 1e-3,
            seed: 42,
            patience: 5,
            hidden: vec![64, 32],
            class_weighting: false,
            basket_weight: 0.1,
            treatment_weight: 0.1,
            ensemble: 1,
            monotone_response: false,
            classes: 0,
            linear_skip: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochStats {
    pub epoch: usize,
    pub train_loss: f64,
    pub valid_log_loss: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub enum TrainEvent {
    Batch {
        epoch: usize,
        batch: usize,
        batches: usize,
        loss: f64,
    },
    Epoch {
        stats: EpochStats,
        epochs: usize,
        eta_seconds: f64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum StopReason {
    Completed,
    EarlyStopped { best_epoch: usize },
    Cancelled,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(
        "training diverged: the loss became {value} at epoch {epoch}, batch {batch}; try a lower learning rate or check the data for extreme values"
    )]
    NonFinite {
        epoch: usize,
        batch: usize,
        value: f64,
    },
    #[error("no training rows")]
    Empty,
    #[error("{0}")]
    Data(String),
}

/// A trained network in evaluation mode, with what it needs to score new data.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub net: Net,
    pub config: NetConfig,
    pub scaler: Scaler,
    pub history: Vec<EpochStats>,
    pub stop: StopReason,
    /// Retransformation factor for the basket head, fitted on the training buyers: the head
    /// learns the mean of log(1 + value), and exp of that is a geometric, not an arithmetic,
    /// mean. 1 + basket = exp(prediction) × this factor, chosen so that the predicted baskets of
    /// the training buyers add up to what they spent (Σ(1 + value) / Σ exp(prediction)). Near 1
    /// for ordinary baskets, large for zero-inflated values (Hillstrom's spend per visit).
    pub basket_smear: f32,
}

struct Batch {
    x: Tensor<2>,
    onehot: Tensor<2>,
    y: Tensor<2>,
    log_value: Tensor<2>,
    weight: Tensor<2>,
    depth: Option<Tensor<2>>,
    buyers: f32,
}

fn make_batch(
    rows: &[usize],
    x: &[f32],
    d: usize,
    ds: &Dataset,
    n_arms: usize,
    class_w: (f32, f32),
    device: &Device,
) -> Batch {
    let b = rows.len();
    let mut xs = Vec::with_capacity(b * d);
    let mut onehot = vec![0.0f32; b * n_arms];
    let mut y = Vec::with_capacity(b);
    let mut lv = Vec::with_capacity(b);
    let mut w = Vec::with_capacity(b);
    for (k, &i) in rows.iter().enumerate() {
        xs.extend_from_slice(&x[i * d..(i + 1) * d]);
        onehot[k * n_arms + ds.arm[i].min(n_arms - 1)] = 1.0;
        y.push(ds.y[i]);
        lv.push(ds.value[i].max(0.0).ln_1p());
        w.push(if ds.y[i] > 0.5 { class_w.1 } else { class_w.0 });
    }
    let buyers = y.iter().sum();
    let t2 =
        |v: Vec<f32>, cols: usize| Tensor::<2>::from_data(TensorData::new(v, [b, cols]), device);
    let depth = (!ds.depth.is_empty()).then(|| {
        let a = ds.arm_names.len();
        t2(
            rows.iter()
                .flat_map(|&i| ds.depth[i * a..(i + 1) * a].iter().copied())
                .collect(),
            a,
        )
    });
    Batch {
        x: t2(xs, d),
        onehot: t2(onehot, n_arms),
        y: t2(y, 1),
        log_value: t2(lv, 1),
        weight: t2(w, 1),
        depth,
        buyers,
    }
}

/// The offer type of each arm, from names like "pct_discount 15" (the word before the value).
fn arm_types(arm_names: &[String]) -> Vec<usize> {
    let mut types: Vec<&str> = Vec::new();
    arm_names
        .iter()
        .map(|name| {
            let t = name.split(' ').next().unwrap_or(name);
            types.iter().position(|x| *x == t).unwrap_or_else(|| {
                types.push(t);
                types.len() - 1
            })
        })
        .collect()
}

/// Why the response model cannot train on these arms: which offers have no discount depth.
fn unpriced_offers(arm_names: &[String]) -> String {
    use crate::data::sample::OFFER_KINDS as PRICED;
    let unpriced: Vec<String> = arm_names
        .iter()
        .skip(1)
        .filter(|a| !PRICED.contains(&a.split(' ').next().unwrap_or("")))
        .map(|a| format!("'{a}'"))
        .collect();
    let mut why = format!(
        "the response model needs campaign offers with a discount depth ({})",
        PRICED.join(", ")
    );
    if !unpriced.is_empty() {
        why += &format!(
            "; these offers have none: {}. Drop their rows (on the Data screen, \"Drop invalid rows\" drops offer types promolab does not know) or train an uplift model, which needs no depth",
            unpriced.join(", ")
        );
    }
    why
}

/// Trains on `train`, early-stopping on `valid`. `n_arms` = 1 ignores the arms (propensity).
pub fn fit(
    train: &Dataset,
    valid: &Dataset,
    n_arms: usize,
    cfg: &TrainConfig,
    device: &Device,
    on_event: &dyn Fn(TrainEvent),
    cancel: &AtomicBool,
) -> Result<Fitted, TrainError> {
    if train.n() == 0 {
        return Err(TrainError::Empty);
    }
    let scaler = train.fit_scaler();
    let x_train = train.scaled(&scaler).map_err(TrainError::Data)?;
    let x_valid = valid.scaled(&scaler).map_err(TrainError::Data)?;
    let d = train.d();
    if cfg.monotone_response && (train.depth.is_empty() || n_arms != train.arm_names.len()) {
        return Err(TrainError::Data(unpriced_offers(&train.arm_names)));
    }
    let config = NetConfig::new(d, n_arms, cfg.hidden.clone())
        .with_monotone_response(cfg.monotone_response)
        .with_linear_skip(cfg.linear_skip && !cfg.monotone_response)
        .with_classes(if cfg.monotone_response {
            cfg.classes
        } else {
            0
        })
        .with_arm_types(if cfg.monotone_response {
            arm_types(&train.arm_names)
        } else {
            Vec::new()
        });
    let ad = device.clone().autodiff();
    // The initial weights are drawn on the CPU and then moved, so a seed gives the same model on
    // every device (each device's generator draws other numbers). burn's CPU seed is global:
    // seeding and drawing happen under one lock, so concurrent trainings (tests, a second
    // window) cannot change each other's weights.
    let mut net = {
        let _guard = INIT_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let cpu = ComputeDevice::cpu("initial weights").device;
        cpu.seed(cfg.seed);
        let cpu_ad = cpu.autodiff();
        let net = config.init(&cpu_ad);
        // Parameters are drawn lazily on first use: use them all once while the lock is held.
        let depth = cfg
            .monotone_response
            .then(|| Tensor::<2>::zeros([1, n_arms], &cpu_ad));
        let out = net.forward(Tensor::<2>::zeros([1, d], &cpu_ad), depth);
        let _ = (out.outcome_logits.sum() + out.log_basket.sum() + out.treatment_logits.sum())
            .into_scalar::<f32>();
        // `fork`, not `to_device`: the moved weights are fresh leaves of the autodiff graph.
        net.fork(&ad)
    };
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let pos = train.y.iter().filter(|&&y| y > 0.5).count().max(1) as f32;
    let neg = (train.n() as f32 - pos).max(1.0);
    let class_w = if cfg.class_weighting {
        (
            train.n() as f32 / (2.0 * neg),
            train.n() as f32 / (2.0 * pos),
        )
    } else {
        (1.0, 1.0)
    };
    let weights = LossWeights {
        basket: cfg.basket_weight,
        treatment: if n_arms > 1 {
            cfg.treatment_weight
        } else {
            0.0
        },
    };
    // Fixed batch shape: the last partial batch is dropped (rows differ each epoch).
    let batch_size = cfg.batch_size.min(train.n()).max(1);
    let batches = (train.n() / batch_size).max(1);
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..train.n()).collect();
    let mut history = Vec::new();
    let mut best: Option<(f64, usize, Net)> = None;
    let started = Instant::now();
    let mut stop = StopReason::Completed;
    for epoch in 1..=cfg.epochs {
        let t0 = Instant::now();
        order.shuffle(&mut rng);
        let mut sum = 0.0;
        for bi in 0..batches {
            if cancel.load(Ordering::Relaxed) {
                stop = StopReason::Cancelled;
                break;
            }
            let rows = &order[bi * batch_size..(bi + 1) * batch_size];
            let b = make_batch(rows, &x_train, d, train, n_arms, class_w, &ad);
            let out = net.forward(b.x, b.depth);
            let l = loss(
                out,
                b.onehot,
                b.y,
                b.log_value,
                b.weight,
                b.buyers,
                &weights,
            );
            let value = l.clone().into_scalar::<f32>() as f64;
            if !value.is_finite() {
                return Err(TrainError::NonFinite {
                    epoch,
                    batch: bi + 1,
                    value,
                });
            }
            sum += value;
            let grads = GradientsParams::from_grads(l.backward(), &net);
            net = optim.step(cfg.learning_rate, net, grads);
            on_event(TrainEvent::Batch {
                epoch,
                batch: bi + 1,
                batches,
                loss: value,
            });
        }
        if stop == StopReason::Cancelled {
            break;
        }
        let eval = net.valid();
        let valid_log_loss = if valid.n() > 0 {
            observed_log_loss(&eval, &x_valid, valid, n_arms, batch_size, device)
        } else {
            sum / batches as f64
        };
        let stats = EpochStats {
            epoch,
            train_loss: sum / batches as f64,
            valid_log_loss,
            seconds: t0.elapsed().as_secs_f64(),
        };
        let per_epoch = started.elapsed().as_secs_f64() / epoch as f64;
        on_event(TrainEvent::Epoch {
            stats: stats.clone(),
            epochs: cfg.epochs,
            eta_seconds: per_epoch * (cfg.epochs - epoch) as f64,
        });
        history.push(stats);
        if !valid_log_loss.is_finite() {
            return Err(TrainError::NonFinite {
                epoch,
                batch: batches,
                value: valid_log_loss,
            });
        }
        if best.as_ref().is_none_or(|(b, _, _)| valid_log_loss < *b) {
            best = Some((valid_log_loss, epoch, eval));
        } else if best
            .as_ref()
            .is_some_and(|(_, e, _)| epoch - e >= cfg.patience)
        {
            stop = StopReason::EarlyStopped {
                best_epoch: best.as_ref().map_or(epoch, |b| b.1),
            };
            break;
        }
    }
    let net = match best {
        Some((_, _, n)) => n,
        None => net.valid(),
    };
    let basket_smear = basket_factor(&net, &x_train, train, (n_arms, cfg), device);
    Ok(Fitted {
        net,
        config,
        scaler,
        history,
        stop,
        basket_smear,
    })
}

/// Predictions for every row: conversion probability and expected basket per arm, row-major `n × arms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub n_arms: usize,
    pub p: Vec<f32>,
    pub basket: Vec<f32>,
}

impl Scores {
    pub fn p(&self, row: usize, arm: usize) -> f32 {
        self.p[row * self.n_arms + arm]
    }

    /// Predicted uplift of `arm` over arm 0 (control), per row.
    pub fn uplift(&self, arm: usize) -> Vec<f32> {
        (0..self.p.len() / self.n_arms)
            .map(|i| self.p(i, arm) - self.p(i, 0))
            .collect()
    }

    /// Expected revenue of `arm` per row: conversion × basket.
    pub fn expected_revenue(&self, row: usize, arm: usize) -> f32 {
        self.p(row, arm) * self.basket[row * self.n_arms + arm]
    }
}

/// Scores standardized rows in fixed-size batches (the last one padded, then cut).
pub fn predict(
    net: &Net,
    x: &[f32],
    depth: &[f32],
    d: usize,
    n_arms: usize,
    batch_size: usize,
    device: &Device,
) -> Scores {
    // The net may live on another device than the one asked for: Auto trains a small job on the
    // CPU, and the app may score its customers on the GPU (mixing devices in one operation panics).
    let net = &net.clone().to_device(device);
    let n = x.len() / d.max(1);
    let mut p = Vec::with_capacity(n * n_arms);
    let mut basket = Vec::with_capacity(n * n_arms);
    let bs = batch_size.max(1);
    let mut start = 0;
    while start < n {
        let end = (start + bs).min(n);
        let rows = end - start;
        let width = if n >= bs { bs } else { rows };
        let mut chunk = x[start * d..end * d].to_vec();
        chunk.resize(width * d, 0.0);
        let depth_chunk = (!depth.is_empty()).then(|| {
            let mut c = depth[start * n_arms..end * n_arms].to_vec();
            c.resize(width * n_arms, 0.0);
            Tensor::<2>::from_data(TensorData::new(c, [width, n_arms]), device)
        });
        let out = net.forward(
            Tensor::<2>::from_data(TensorData::new(chunk, [width, d]), device),
            depth_chunk,
        );
        let probs = sigmoid(out.outcome_logits)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap_or_default();
        let logb = out
            .log_basket
            .into_data()
            .try_to_vec::<f32>()
            .unwrap_or_default();
        p.extend_from_slice(&probs[..rows * n_arms]);
        basket.extend(logb[..rows * n_arms].iter().map(|&v| v.exp() - 1.0));
        start = end;
    }
    Scores { n_arms, p, basket }
}

/// The basket retransformation factor over the buyers of `ds`: Σ(1 + value) / Σ(1 + predicted
/// basket) under the arm each got (1 when there are no buyers). A ratio of sums, not Duan's mean
/// of ratios, which overshoots when the residuals depend on the features.
fn basket_factor(
    net: &Net,
    x: &[f32],
    ds: &Dataset,
    (n_arms, cfg): (usize, &TrainConfig),
    device: &Device,
) -> f32 {
    // The same inputs as scoring (`TrainedModel::score`): depths only for the response model.
    let depth = if cfg.monotone_response {
        ds.depth.as_slice()
    } else {
        &[]
    };
    let s = predict(net, x, depth, ds.d(), n_arms, cfg.batch_size, device);
    let (mut spent, mut predicted) = (0.0f64, 0.0f64);
    for i in (0..ds.n()).filter(|&i| ds.y[i] > 0.5) {
        let b = s.basket[i * n_arms + ds.arm[i].min(n_arms - 1)] as f64;
        if b.is_finite() {
            spent += 1.0 + ds.value[i].max(0.0) as f64;
            predicted += 1.0 + b;
        }
    }
    if predicted > 0.0 {
        (spent / predicted) as f32
    } else {
        1.0
    }
}

/// Log loss of each row's observed arm (arm 0 for every row when `n_arms` is 1).
fn observed_log_loss(
    net: &Net,
    x: &[f32],
    ds: &Dataset,
    n_arms: usize,
    batch_size: usize,
    device: &Device,
) -> f64 {
    let depth = if n_arms == ds.arm_names.len() {
        ds.depth.as_slice()
    } else {
        &[]
    };
    let s = predict(net, x, depth, ds.d(), n_arms, batch_size, device);
    let p: Vec<f32> = (0..ds.n())
        .map(|i| s.p(i, ds.arm[i].min(n_arms - 1)))
        .collect();
    let y: Vec<bool> = ds.y.iter().map(|&y| y > 0.5).collect();
    super::metrics::log_loss(&p, &y)
}
