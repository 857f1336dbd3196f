//! The three trainable models over one network family:
//! * propensity: will this customer buy (all rows, arms ignored);
//! * uplift: multi-head network, one conversion and basket head per arm including control;
//! * tlearner: the two-model baseline, one logistic regression per arm.

use super::dataset::{Dataset, Split};
use super::train::{Fitted, Scores, TrainConfig, TrainError, TrainEvent, fit, predict};
use burn::tensor::Device;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Propensity,
    Uplift,
    Tlearner,
    /// Discount response: conversion monotone in each offer's discount depth.
    Response,
}

impl ModelKind {
    pub fn label(self) -> &'static str {
        match self {
            ModelKind::Propensity => "purchase propensity",
            ModelKind::Uplift => "uplift network (multi-head)",
            ModelKind::Tlearner => "two-model logistic baseline (T-learner)",
            ModelKind::Response => "discount response (monotone in depth)",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TrainedModel {
    pub kind: ModelKind,
    pub arm_names: Vec<String>,
    pub feature_names: Vec<String>,
    /// One network, or one per arm for the T-learner.
    pub nets: Vec<Fitted>,
    pub batch_size: usize,
}

/// Trains `kind` on the split's train rows, early-stopping on its validation rows.
pub fn train_model(
    kind: ModelKind,
    ds: &Dataset,
    split: &Split,
    cfg: &TrainConfig,
    device: &Device,
    on_event: &dyn Fn(TrainEvent),
    cancel: &AtomicBool,
) -> Result<TrainedModel, TrainError> {
    let train = ds.subset(&split.train);
    let valid = ds.subset(&split.valid);
    let nets = match kind {
        ModelKind::Propensity | ModelKind::Uplift | ModelKind::Response => {
            let arms = if kind == ModelKind::Propensity {
                1
            } else {
                ds.arm_names.len()
            };
            let cfg = &TrainConfig {
                monotone_response: kind == ModelKind::Response,
                ..cfg.clone()
            };
            let mut nets = vec![fit(&train, &valid, arms, cfg, device, on_event, cancel)?];
            let mut rng = StdRng::seed_from_u64(cfg.seed ^ 0x5eed);
            for member in 1..cfg.ensemble.max(1) {
                let rows: Vec<usize> = (0..train.n())
                    .map(|_| rng.random_range(0..train.n()))
                    .collect();
                let member_cfg = TrainConfig {
                    seed: cfg.seed.wrapping_add(member as u64),
                    ..cfg.clone()
                };
                nets.push(fit(
                    &train.subset(&rows),
                    &valid,
                    arms,
                    &member_cfg,
                    device,
                    on_event,
                    cancel,
                )?);
            }
            nets
        }
        ModelKind::Tlearner => {
            let logistic = TrainConfig {
                hidden: Vec::new(),
                ..cfg.clone()
            };
            let mut nets = Vec::new();
            for a in 0..ds.arm_names.len() {
                let only = |d: &Dataset| {
                    let rows: Vec<usize> = (0..d.n()).filter(|&i| d.arm[i] == a).collect();
                    let mut s = d.subset(&rows);
                    s.arm.iter_mut().for_each(|x| *x = 0);
                    s
                };
                nets.push(fit(
                    &only(&train),
                    &only(&valid),
                    1,
                    &logistic,
                    device,
                    on_event,
                    cancel,
                )?);
            }
            nets
        }
    };
    Ok(TrainedModel {
        kind,
        arm_names: ds.arm_names.clone(),
        feature_names: ds.feature_names.clone(),
        nets,
        batch_size: cfg.batch_size,
    })
}

impl TrainedModel {
    /// Conversion probability and basket per arm for every row of `ds` (one column for propensity).
    pub fn score(&self, ds: &Dataset, device: &Device) -> Result<Scores, String> {
        if let Some(diff) =
            crate::data::features::feature_mismatch(&self.feature_names, &ds.feature_names)
        {
            return Err(format!(
                "the data does not have the model's features ({diff}); train a model on data of this shape"
            ));
        }
        let one = |f: &Fitted| -> Result<Scores, String> {
            let x = ds.scaled(&f.scaler)?;
            let depth = if f.config.monotone_response {
                ds.depth.as_slice()
            } else {
                &[]
            };
            let mut s = predict(
                &f.net,
                &x,
                depth,
                ds.d(),
                f.config.n_arms,
                self.batch_size,
                device,
            );
            for b in &mut s.basket {
                *b = (1.0 + *b) * f.basket_smear - 1.0;
            }
            Ok(s)
        };
        match self.kind {
            ModelKind::Propensity | ModelKind::Uplift | ModelKind::Response => {
                // The ensemble's scores are the members' average.
                let parts = self.nets.iter().map(one).collect::<Result<Vec<_>, _>>()?;
                let mut avg = parts[0].clone();
                for part in &parts[1..] {
                    avg.p.iter_mut().zip(&part.p).for_each(|(a, b)| *a += b);
                    avg.basket
                        .iter_mut()
                        .zip(&part.basket)
                        .for_each(|(a, b)| *a += b);
                }
                let k = parts.len() as f32;
                avg.p.iter_mut().for_each(|a| *a /= k);
                avg.basket.iter_mut().for_each(|a| *a /= k);
                Ok(avg)
            }
            ModelKind::Tlearner => {
                let parts = self.nets.iter().map(one).collect::<Result<Vec<_>, _>>()?;
                let a = parts.len();
                let mut s = Scores {
                    n_arms: a,
                    p: vec![0.0; ds.n() * a],
                    basket: vec![0.0; ds.n() * a],
                };
                for (arm, part) in parts.iter().enumerate() {
                    for i in 0..ds.n() {
                        s.p[i * a + arm] = part.p[i];
                        s.basket[i * a + arm] = part.basket[i];
                    }
                }
                Ok(s)
            }
        }
    }
}
