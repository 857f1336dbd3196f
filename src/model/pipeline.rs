//! From loaded tables to a trained, evaluated and described model: the steps the CLI and the
//! app share.

use super::dataset::{self, Dataset, FlatSpec};
use super::device::ComputeDevice;
use super::evaluate::{
    Evaluation, FeatureImportance, SegmentElasticity, evaluate, permutation_importance,
};
use super::store::{ModelMeta, NetMeta, data_hash};
use super::train::{Fitted, TrainConfig, TrainError, TrainEvent};
use super::uplift::{ModelKind, TrainedModel, train_model};
use crate::data::sample::{Arm, GroundTruth};
use crate::data::{Table, TableKind};
use crate::sim::build::rfm_of_rows;
use crate::sim::segments::RFM_NAMES;
use crate::util::sigmoid;
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Which rows and columns make the training data.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DataSpec {
    /// For a flat campaign table: control and treatment values and the outcome column.
    pub flat: Option<FlatSpec>,
    /// For relational data: which campaign (the first one when absent).
    pub campaign: Option<String>,
}

impl DataSpec {
    pub fn describe(&self) -> String {
        match &self.flat {
            Some(f) => {
                let treatments = if f.treatments.is_empty() {
                    "every other treatment".to_string()
                } else {
                    f.treatments
                        .iter()
                        .map(|t| format!("'{t}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let value = f
                    .value
                    .as_ref()
                    .map_or(String::new(), |v| format!(", revenue '{v}'"));
                format!(
                    "flat table: control '{}' against {treatments}, outcome '{}'{value}",
                    f.control, f.outcome
                )
            }
            None => match &self.campaign {
                Some(id) => format!("campaign {id}"),
                None => "the first campaign in the history".into(),
            },
        }
    }
}

pub fn build_dataset(tables: &[Table], spec: &DataSpec) -> Result<Dataset, String> {
    if let Some(flat) = tables.iter().find(|t| t.kind == TableKind::FlatCampaign) {
        let f = spec.flat.as_ref().ok_or("a flat campaign table needs --control (and --outcome): which treatment value is the control group")?;
        return dataset::from_flat(flat, f);
    }
    dataset::from_campaign(tables, spec.campaign.as_deref())
}

/// True uplift per dataset arm and row, from the generator's ground truth. The campaign sent
/// each offer through a random channel, so the truth is averaged over the three channels.
pub fn truth_uplift(ds: &Dataset, truth: &GroundTruth) -> Option<Vec<Vec<f32>>> {
    let by_id = truth.by_id();
    let arms: Vec<Option<&Arm>> = ds
        .arm_names
        .iter()
        .map(|name| truth.arms.iter().find(|a| a.label() == *name))
        .collect();
    let channels = crate::data::sample::CHANNELS;
    let mut out = vec![vec![0.0f32; ds.n()]; ds.arm_names.len()];
    for (i, id) in ds.ids.iter().enumerate() {
        let c = by_id.get(id.as_str())?;
        let seg = truth.segments.get(c.segment)?;
        let base = c.conversion(seg, truth.arms.first()?, true);
        for (a, arm) in arms.iter().enumerate().skip(1) {
            let arm = (*arm)?;
            let p: f64 = channels
                .iter()
                .map(|ch| c.conversion(seg, arm, *ch == c.preferred_channel))
                .sum::<f64>()
                / channels.len() as f64;
            out[a][i] = (p - base) as f32;
        }
    }
    Some(out)
}

/// What to train: the model kind, how the data was read, the settings, and the ground truth
/// to score against when there is one.
pub struct TrainRequest<'a> {
    pub kind: ModelKind,
    pub spec: &'a DataSpec,
    pub cfg: &'a TrainConfig,
    pub truth: Option<&'a GroundTruth>,
}

/// Trains on the standard split, evaluates on its test rows and describes the result.
pub fn train_and_evaluate(
    req: &TrainRequest<'_>,
    ds: &Dataset,
    device: &ComputeDevice,
    on_event: &dyn Fn(TrainEvent),
    cancel: &AtomicBool,
) -> Result<(TrainedModel, ModelMeta), TrainError> {
    let TrainRequest {
        kind,
        spec,
        cfg,
        truth,
    } = *req;
    let split = dataset::training_split(ds, cfg.seed);
    let started = Instant::now();
    let model = train_model(kind, ds, &split, cfg, &device.device, on_event, cancel)?;
    let train_seconds = started.elapsed().as_secs_f64();
    let test = ds.subset(&split.test);
    let evaluation = evaluate_model(&model, &test, truth, device).map_err(TrainError::Data)?;
    let meta = ModelMeta {
        promolab_version: env!("CARGO_PKG_VERSION").into(),
        kind,
        arm_names: model.arm_names.clone(),
        feature_names: model.feature_names.clone(),
        train: cfg.clone(),
        data_description: spec.describe(),
        data_spec: spec.clone(),
        data_hash: data_hash(ds),
        device: device.label(),
        train_seconds,
        test_metrics: Some(evaluation),
        nets: model
            .nets
            .iter()
            .enumerate()
            .map(|(k, f)| NetMeta {
                config: f.config.clone(),
                scaler: f.scaler.clone(),
                history: f.history.clone(),
                stop: f.stop.clone(),
                file: format!("net{k}.bpk"),
                basket_smear: f.basket_smear,
            })
            .collect(),
    };
    Ok((model, meta))
}

/// One network's response parameters for every row of `ds`: base logit, contact effect, and the
/// logit shift per unit of depth for each arm (row-major `n × arms`, `DEPTH_SCALE` applied).
pub struct MemberResponse {
    pub base: Vec<f32>,
    pub contact: Vec<f32>,
    pub per_depth: Vec<f32>,
    /// For a latent-class net: the mixture itself (the columns above are matched to it).
    pub classes: Option<MemberClasses>,
}

/// A latent-class net's mixture for every row of a dataset: class k's logit for row i under arm a
/// at depth d is `base[i·K + k] + contact[k]·[offer] + per_depth[k·arms + a]·d`.
pub struct MemberClasses {
    pub k: usize,
    /// Row-major `n × K` class probabilities.
    pub weight: Vec<f32>,
    /// Row-major `n × K` logits with no offer.
    pub base: Vec<f32>,
    pub contact: Vec<f32>,
    /// Row-major `K × arms` logit shift per unit of depth (`DEPTH_SCALE` applied).
    pub per_depth: Vec<f32>,
}

pub fn member_response(
    f: &Fitted,
    ds: &Dataset,
    device: &ComputeDevice,
) -> Result<MemberResponse, String> {
    let x = ds.scaled(&f.scaler)?;
    let mut out = MemberResponse {
        base: Vec::with_capacity(ds.n()),
        contact: Vec::with_capacity(ds.n()),
        per_depth: Vec::new(),
        classes: None,
    };
    let read = |t: burn::tensor::Tensor<2>| {
        t.into_data()
            .try_to_vec::<f32>()
            .map_err(|e| format!("{e:?}"))
    };
    for chunk in x.chunks(ds.d() * 4096) {
        let rows = chunk.len() / ds.d();
        let t = burn::tensor::Tensor::<2>::from_data(
            burn::tensor::TensorData::new(chunk.to_vec(), [rows, ds.d()]),
            &device.device,
        );
        if let Some(c) = f.net.classes(t.clone()) {
            let k = c.weight.dims()[1];
            let classes = out.classes.get_or_insert(MemberClasses {
                k,
                weight: Vec::new(),
                base: Vec::new(),
                contact: Vec::new(),
                per_depth: Vec::new(),
            });
            classes.weight.extend(read(c.weight)?);
            classes.base.extend(read(c.base)?);
            if classes.contact.is_empty() {
                classes.contact = read(c.contact)?;
                classes.per_depth = read(c.sensitivity)?
                    .into_iter()
                    .map(|v| v * super::net::DEPTH_SCALE)
                    .collect();
            }
        }
        let p = f.net.response(t).ok_or("not a response model")?;
        out.base.extend(read(p.base)?);
        out.contact.extend(read(p.contact)?);
        out.per_depth.extend(
            read(p.sensitivity)?
                .into_iter()
                .map(|v| v * super::net::DEPTH_SCALE),
        );
    }
    Ok(out)
}

/// Each row's estimated price elasticity of conversion at the list price, averaged over the
/// ensemble: −s·(1 − p0) of the row's response curve on the `pct` arm, or for a latent-class net
/// the class-probability-weighted mean of its classes' −s_k·(1 − p0_k) (the model's expectation
/// of the customer's own elasticity, the quantity the truth averages).
fn row_elasticity(
    model: &TrainedModel,
    ds: &Dataset,
    pct: usize,
    device: &ComputeDevice,
) -> Result<Vec<f64>, String> {
    let arms = ds.arm_names.len();
    let sig = |x: f32| sigmoid(x as f64);
    let share = 1.0 / model.nets.len().max(1) as f64;
    let mut est = vec![0.0f64; ds.n()];
    for f in &model.nets {
        let r = member_response(f, ds, device)?;
        for (i, e) in est.iter_mut().enumerate() {
            *e += share
                * match &r.classes {
                    Some(c) => (0..c.k)
                        .map(|k| {
                            let s = c.per_depth[k * arms + pct] as f64;
                            c.weight[i * c.k + k] as f64 * -s * (1.0 - sig(c.base[i * c.k + k]))
                        })
                        .sum::<f64>(),
                    None => -(r.per_depth[i * arms + pct] as f64) * (1.0 - sig(r.base[i])),
                };
        }
    }
    Ok(est)
}

/// True and recovered mean elasticity over the rows `idx`, labelled `label`.
fn elasticity_of(label: String, idx: &[usize], truth: &[f64], est: &[f64]) -> SegmentElasticity {
    let n = idx.len().max(1) as f64;
    let t = idx.iter().map(|&i| truth[i]).sum::<f64>() / n;
    let e = idx.iter().map(|&i| est[i]).sum::<f64>() / n;
    SegmentElasticity {
        segment: label,
        customers: idx.len(),
        true_elasticity: t,
        estimated: e,
        relative_error: ((e - t) / t).abs(),
    }
}

/// The response model's price elasticity of conversion against the truth, in three groupings
/// of the customers (each list empty when the data has no percentage-discount arm).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ElasticityCheck {
    /// Per true (hidden) segment of the generator.
    pub by_hidden_segment: Vec<SegmentElasticity>,
    /// Per RFM segment, the observable segments a marketer sees, targets and prices
    /// (`sim::segments`); empty when the features lack recency or frequency.
    pub by_rfm_segment: Vec<SegmentElasticity>,
    /// Per fifth of the customers ranked by the model's own estimate, most elastic first.
    pub by_fifth: Vec<SegmentElasticity>,
}

/// The response model's price elasticity of conversion against the truth: per true (hidden)
/// segment, per observable RFM segment, and per fifth of the customers ranked by the model's own
/// estimate (most elastic first), the calibration check a model of the observable features can
/// be held to. The truth is taken under the campaign's channel mix (offers went out through a
/// random one of three channels, so the identifiable sensitivity is the truth's times the mean
/// channel factor).
pub fn segment_elasticity(
    model: &TrainedModel,
    ds: &Dataset,
    truth: &GroundTruth,
    device: &ComputeDevice,
) -> Result<ElasticityCheck, String> {
    let Some(pct) = ds
        .arm_names
        .iter()
        .position(|a| a.starts_with("pct_discount"))
    else {
        return Ok(ElasticityCheck::default());
    };
    let by_id = truth.by_id();
    let est = row_elasticity(model, ds, pct, device)?;
    let mix = (1.0 + 2.0 * truth.off_channel_factor) / 3.0;
    // Rows the truth knows, with their true segment and elasticity.
    let mut rows = Vec::new();
    let mut true_e = vec![f64::NAN; ds.n()];
    let mut segment_of = vec![usize::MAX; ds.n()];
    for (i, id) in ds.ids.iter().enumerate() {
        if let Some(c) = by_id.get(id.as_str()) {
            let seg = &truth.segments[c.segment];
            let p0 = sigmoid(c.logit_base);
            // offer_multipliers follow OFFER_KINDS: index 1 is pct_discount.
            true_e[i] = -c.discount_sensitivity * seg.offer_multipliers[1] * mix * (1.0 - p0);
            segment_of[i] = c.segment;
            rows.push(i);
        }
    }
    let by_segment = truth
        .segments
        .iter()
        .enumerate()
        .filter_map(|(si, seg)| {
            let idx: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&i| segment_of[i] == si)
                .collect();
            (!idx.is_empty()).then(|| elasticity_of(seg.name.clone(), &idx, &true_e, &est))
        })
        .collect();
    let by_rfm_segment = rfm_of_rows(ds)
        .map(|rfm| {
            (0..RFM_NAMES.len())
                .filter_map(|g| {
                    let idx: Vec<usize> = rows
                        .iter()
                        .copied()
                        .filter(|&i| rfm[i] as usize == g)
                        .collect();
                    (!idx.is_empty())
                        .then(|| elasticity_of(RFM_NAMES[g].to_string(), &idx, &true_e, &est))
                })
                .collect()
        })
        .unwrap_or_default();
    // Most elastic (most negative) first; ties by row for a stable split.
    rows.sort_by(|&a, &b| est[a].total_cmp(&est[b]).then(a.cmp(&b)));
    let by_fifth = (0..5)
        .filter_map(|q| {
            let idx = &rows[q * rows.len() / 5..(q + 1) * rows.len() / 5];
            (!idx.is_empty()).then(|| {
                let label = match q {
                    0 => "fifth 1 (most elastic)".to_string(),
                    4 => "fifth 5 (least)".to_string(),
                    _ => format!("fifth {}", q + 1),
                };
                elasticity_of(label, idx, &true_e, &est)
            })
        })
        .collect();
    Ok(ElasticityCheck {
        by_hidden_segment: by_segment,
        by_rfm_segment,
        by_fifth,
    })
}

/// The rows to evaluate a saved model on: its test split when `ds` is the data it was trained
/// on (the same hash), else every row; and those rows in words.
pub fn evaluation_rows(ds: &Dataset, meta: &ModelMeta) -> (Vec<usize>, &'static str) {
    if data_hash(ds) == meta.data_hash {
        (
            dataset::training_split(ds, meta.train.seed).test,
            "the model's test split (same data as in training)",
        )
    } else {
        (
            (0..ds.n()).collect(),
            "all rows (this is not the training data)",
        )
    }
}

pub fn evaluate_model(
    model: &TrainedModel,
    ds: &Dataset,
    truth: Option<&GroundTruth>,
    device: &ComputeDevice,
) -> Result<Evaluation, String> {
    let scores = model.score(ds, &device.device)?;
    let truth_per_row = truth.and_then(|t| truth_uplift(ds, t));
    let mut evaluation = evaluate(ds, &scores, truth_per_row.as_deref());
    evaluation.feature_importance = feature_importance(model, ds, &scores, device)?;
    if let (ModelKind::Response, Some(t)) = (model.kind, truth) {
        let check = segment_elasticity(model, ds, t, device)?;
        evaluation.elasticity = check.by_hidden_segment;
        evaluation.elasticity_by_rfm_segment = check.by_rfm_segment;
        evaluation.elasticity_by_prediction = check.by_fifth;
    }
    Ok(evaluation)
}

/// Rows used for permutation importance: enough for stable figures, few enough to stay quick.
const IMPORTANCE_ROWS: usize = 20_000;

/// Permutation importance of every feature on (at most `IMPORTANCE_ROWS` of) the rows of `ds`,
/// most important first. The shuffles are seeded, so the figures are reproducible.
pub fn feature_importance(
    model: &TrainedModel,
    ds: &Dataset,
    scores: &super::train::Scores,
    device: &ComputeDevice,
) -> Result<Vec<FeatureImportance>, String> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let n = ds.n().min(IMPORTANCE_ROWS);
    let (rows, base) = if n < ds.n() {
        let rows = ds.subset(&(0..n).collect::<Vec<_>>());
        let base = model.score(&rows, &device.device)?;
        (rows, base)
    } else {
        (ds.clone(), scores.clone())
    };
    let d = rows.d();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut out = Vec::with_capacity(d);
    // One copy of the rows; each feature's column is shuffled in it, scored, then put back.
    let mut shuffled = rows.clone();
    for (j, name) in rows.feature_names.iter().enumerate() {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        for (i, &from) in order.iter().enumerate() {
            shuffled.x[i * d + j] = rows.x[from * d + j];
        }
        let s = model.score(&shuffled, &device.device)?;
        for i in 0..n {
            shuffled.x[i * d + j] = rows.x[i * d + j];
        }
        out.push(permutation_importance(name, &rows, &base, &s));
    }
    // Uplift models are ranked by how much their uplift moves, others by the loss.
    let key = |f: &FeatureImportance| f.uplift_change.unwrap_or(f.log_loss_increase);
    out.sort_by(|a, b| key(b).total_cmp(&key(a)));
    Ok(out)
}

/// What the models hand to the simulator: plain per-customer columns. For every model, the
/// conversion probability and expected basket under each arm; for the response model also the
/// parameters from which conversion at any discount depth follows:
/// p(arm, depth) = sigmoid(base_logit + contact·[offer] + sensitivity[arm] · depth · DEPTH_SCALE).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseColumns {
    pub ids: Vec<String>,
    pub arm_names: Vec<String>,
    /// `p[arm][row]`
    pub p: Vec<Vec<f32>>,
    /// `basket[arm][row]`, in the data's currency.
    pub basket: Vec<Vec<f32>>,
    pub base_logit: Option<Vec<f32>>,
    pub contact: Option<Vec<f32>>,
    /// `sensitivity[arm][row]`
    pub sensitivity: Option<Vec<Vec<f32>>>,
}

pub fn response_columns(
    model: &TrainedModel,
    ds: &Dataset,
    device: &ComputeDevice,
) -> Result<ResponseColumns, String> {
    let scores = model.score(ds, &device.device)?;
    let a = scores.n_arms;
    let arm_names = if a == 1 {
        vec!["any".to_string()]
    } else {
        ds.arm_names.clone()
    };
    let column = |v: &[f32], arm: usize| (0..ds.n()).map(|i| v[i * a + arm]).collect::<Vec<f32>>();
    let mut out = ResponseColumns {
        ids: ds.ids.clone(),
        p: (0..a).map(|arm| column(&scores.p, arm)).collect(),
        basket: (0..a).map(|arm| column(&scores.basket, arm)).collect(),
        arm_names,
        base_logit: None,
        contact: None,
        sensitivity: None,
    };
    if model.kind == ModelKind::Response {
        // Parameters averaged over the ensemble's members.
        let k = model.nets.len() as f32;
        let (mut base, mut contact, mut sens) = (
            vec![0.0f32; ds.n()],
            vec![0.0f32; ds.n()],
            vec![vec![0.0f32; ds.n()]; a],
        );
        for f in &model.nets {
            let r = member_response(f, ds, device)?;
            for i in 0..ds.n() {
                base[i] += r.base[i] / k;
                contact[i] += r.contact[i] / k;
                for (arm, col) in sens.iter_mut().enumerate() {
                    col[i] += r.per_depth[i * a + arm] / k;
                }
            }
        }
        out.base_logit = Some(base);
        out.contact = Some(contact);
        out.sensitivity = Some(sens);
    }
    Ok(out)
}

impl ResponseColumns {
    /// One row per customer: p and basket per arm, and the response parameters when present.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write;
        let field = crate::data::table::csv_field;
        let mut head = vec!["customer_id".to_string()];
        for a in &self.arm_names {
            head.push(field(&format!("p[{a}]")));
            head.push(field(&format!("basket[{a}]")));
        }
        if self.base_logit.is_some() {
            head.push("base_logit".into());
            head.push("contact".into());
            head.extend(
                self.arm_names
                    .iter()
                    .skip(1) // the control has no depth, so no sensitivity
                    .map(|a| field(&format!("sensitivity_per_depth[{a}]"))),
            );
        }
        let mut s = head.join(",");
        s.push('\n');
        for (i, id) in self.ids.iter().enumerate() {
            s.push_str(&field(id));
            for arm in 0..self.arm_names.len() {
                let _ = write!(s, ",{},{}", self.p[arm][i], self.basket[arm][i]);
            }
            if let (Some(b), Some(c), Some(sens)) =
                (&self.base_logit, &self.contact, &self.sensitivity)
            {
                let _ = write!(s, ",{},{}", b[i], c[i]);
                for col in sens.iter().skip(1) {
                    let _ = write!(s, ",{}", col[i]);
                }
            }
            s.push('\n');
        }
        s
    }
}
