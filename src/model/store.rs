//! Saving and loading trained models: one burn record (Burnpack) per network plus `meta.json`
//! with the feature schema, scaling, arms, metrics, data hash, seed and device.

use super::evaluate::Evaluation;
use super::net::NetConfig;
use super::train::{EpochStats, Fitted, StopReason, TrainConfig};
use super::uplift::{ModelKind, TrainedModel};
use crate::data::features::Scaler;
use crate::util::write_atomic;
use burn::module::Module;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetMeta {
    pub config: NetConfig,
    pub scaler: Scaler,
    pub history: Vec<EpochStats>,
    pub stop: StopReason,
    pub file: String,
    /// The basket head's smearing factor (`Fitted::basket_smear`); 1 for models saved before it.
    #[serde(default = "one")]
    pub basket_smear: f32,
}

fn one() -> f32 {
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelMeta {
    pub promolab_version: String,
    pub kind: ModelKind,
    pub arm_names: Vec<String>,
    pub feature_names: Vec<String>,
    pub train: TrainConfig,
    /// What the data was: "campaign CMP-2026-11" or "flat: control=..., outcome=...".
    pub data_description: String,
    pub data_spec: super::pipeline::DataSpec,
    pub data_hash: String,
    pub device: String,
    pub train_seconds: f64,
    pub test_metrics: Option<Evaluation>,
    pub nets: Vec<NetMeta>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}: not a promolab model ({message})")]
    Meta { path: String, message: String },
}

fn io(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A stable hash of the training data (FNV-1a over features, arms and outcomes).
pub fn data_hash(ds: &super::dataset::Dataset) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    };
    for n in &ds.feature_names {
        eat(n.as_bytes());
    }
    for (i, x) in ds.x.iter().enumerate() {
        eat(&x.to_le_bytes());
        if i % ds.d().max(1) == 0 {
            let r = i / ds.d().max(1);
            eat(&(ds.arm[r] as u32).to_le_bytes());
            eat(&ds.y[r].to_le_bytes());
        }
    }
    format!("{h:016x}")
}

/// Writes the model into `dir` (created if needed); every file is written atomically.
pub fn save(model: &TrainedModel, meta: &ModelMeta, dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (net, m) in model.nets.iter().zip(&meta.nets) {
        let mut store = BurnpackStore::from_bytes(None);
        net.net
            .save_into(&mut store)
            .map_err(|e| io(dir, format!("{e:?}")))?;
        let bytes = store.get_bytes().map_err(|e| io(dir, format!("{e:?}")))?;
        let path = dir.join(&m.file);
        write_atomic(&path, &bytes).map_err(|e| io(&path, e))?;
    }
    let path = dir.join("meta.json");
    let text = serde_json::to_string_pretty(meta).map_err(|e| io(&path, e))?;
    write_atomic(&path, text.as_bytes()).map_err(|e| io(&path, e))
}

/// Reads meta.json, filling network settings added since older versions with their defaults
/// (burn's `Config` derive requires every field).
fn parse_meta(text: &str) -> serde_json::Result<ModelMeta> {
    let mut v: serde_json::Value = serde_json::from_str(text)?;
    if let Some(nets) = v.get_mut("nets").and_then(|n| n.as_array_mut()) {
        for net in nets {
            if let Some(config) = net.get_mut("config").and_then(|c| c.as_object_mut()) {
                config.entry("classes").or_insert(0.into());
                config.entry("linear_skip").or_insert(false.into());
            }
        }
    }
    serde_json::from_value(v)
}

/// Reads only the description of a saved model (no weights).
pub fn read_meta(dir: &Path) -> Result<ModelMeta, StoreError> {
    let path = dir.join("meta.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
    parse_meta(&text).map_err(|e| StoreError::Meta {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// The saved models directly inside each of `roots` (folders holding a readable meta.json), root
/// by root in the given order and by name within one; unreadable ones are skipped.
pub fn list_saved(roots: &[std::path::PathBuf]) -> Vec<(std::path::PathBuf, ModelMeta)> {
    let mut out: Vec<(std::path::PathBuf, ModelMeta)> = Vec::new();
    for root in roots {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        let mut dirs: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("meta.json").is_file())
            .collect();
        dirs.sort();
        for p in dirs {
            if out.iter().all(|(q, _)| *q != p)
                && let Ok(m) = read_meta(&p)
            {
                out.push((p, m));
            }
        }
    }
    out
}

/// Reads a model saved by `save` onto `device`.
pub fn load(dir: &Path, device: &Device) -> Result<(TrainedModel, ModelMeta), StoreError> {
    load_described(dir, read_meta(dir)?, device)
}

/// Loads the networks of the model in `dir` that `meta` (read from its meta.json with
/// `read_meta`) describes.
pub fn load_described(
    dir: &Path,
    meta: ModelMeta,
    device: &Device,
) -> Result<(TrainedModel, ModelMeta), StoreError> {
    let path = dir.join("meta.json");
    if meta.nets.is_empty() {
        return Err(StoreError::Meta {
            path: path.display().to_string(),
            message: "it lists no networks".into(),
        });
    }
    let mut nets = Vec::new();
    for m in &meta.nets {
        let path = dir.join(&m.file);
        let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
        let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes)));
        let mut net = m.config.init(device);
        net.load_from(&mut store).map_err(|e| StoreError::Meta {
            path: path.display().to_string(),
            message: format!("{e:?}"),
        })?;
        nets.push(Fitted {
            net: net.valid(),
            config: m.config.clone(),
            scaler: m.scaler.clone(),
            history: m.history.clone(),
            stop: m.stop.clone(),
            basket_smear: m.basket_smear,
        });
    }
    let model = TrainedModel {
        kind: meta.kind,
        arm_names: meta.arm_names.clone(),
        feature_names: meta.feature_names.clone(),
        nets,
        batch_size: meta.train.batch_size,
    };
    Ok((model, meta))
}
