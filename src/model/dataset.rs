//! Training data for the models: standardized features joined with a randomized campaign's
//! arms and outcomes, and a split stratified by arm and outcome.

use crate::data::features::{self, Scaler};
use crate::data::sample::{Arm, OFFER_KINDS, effective_depth};
use crate::data::{Table, TableKind};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Rows of customers with their features, the arm they were randomized to (0 = control) and
/// what they did.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub feature_names: Vec<String>,
    /// Raw (unscaled) features, row-major `n × d`.
    pub x: Vec<f32>,
    pub arm: Vec<usize>,
    pub arm_names: Vec<String>,
    /// The binary outcome (converted / visited).
    pub y: Vec<f32>,
    /// Revenue in the response window (0 where unknown).
    pub value: Vec<f32>,
    /// Each arm's effective discount depth for each row, row-major `n × arms` (0 for the
    /// control); empty when the arms are not priced offers.
    pub depth: Vec<f32>,
}

impl Dataset {
    pub fn n(&self) -> usize {
        self.ids.len()
    }

    pub fn d(&self) -> usize {
        self.feature_names.len()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.d()..(i + 1) * self.d()]
    }

    /// The rows `idx` as a new dataset.
    pub fn subset(&self, idx: &[usize]) -> Dataset {
        Dataset {
            ids: idx.iter().map(|&i| self.ids[i].clone()).collect(),
            feature_names: self.feature_names.clone(),
            x: idx
                .iter()
                .flat_map(|&i| self.row(i).iter().copied())
                .collect(),
            arm: idx.iter().map(|&i| self.arm[i]).collect(),
            arm_names: self.arm_names.clone(),
            y: idx.iter().map(|&i| self.y[i]).collect(),
            value: idx.iter().map(|&i| self.value[i]).collect(),
            depth: if self.depth.is_empty() {
                Vec::new()
            } else {
                let a = self.arm_names.len();
                idx.iter()
                    .flat_map(|&i| self.depth[i * a..(i + 1) * a].iter().copied())
                    .collect()
            },
        }
    }

    pub fn fit_scaler(&self) -> Scaler {
        Scaler::fit_row_major(&self.feature_names, &self.x)
    }

    /// Features standardized with `scaler`, row-major.
    pub fn scaled(&self, scaler: &Scaler) -> Result<Vec<f32>, String> {
        if let Some(diff) = features::feature_mismatch(&scaler.names, &self.feature_names) {
            return Err(format!(
                "the data's features differ from the model's: {diff}"
            ));
        }
        let d = self.d();
        Ok(self
            .x
            .iter()
            .enumerate()
            .map(|(k, &v)| (v - scaler.mean[k % d]) / scaler.std[k % d])
            .collect())
    }
}

/// How to read a flat campaign table: which treatment values are arms, which is control, and
/// which column is the outcome. E.g. control `No E-Mail`, treatments `Womens E-Mail`, outcome `visit`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FlatSpec {
    pub control: String,
    /// Empty: every other treatment value is an arm.
    pub treatments: Vec<String>,
    pub outcome: String,
    /// Revenue column, if any (e.g. `spend`).
    pub value: Option<String>,
}

fn numeric(t: &Table, name: &str) -> Option<Vec<f32>> {
    let c = t.column(name)?;
    Some(
        (0..c.values.len())
            .map(|i| c.values.number(i).unwrap_or(0.0) as f32)
            .collect(),
    )
}

/// A flat campaign table (one row per customer) as a dataset. Rows whose treatment is neither the
/// control nor a chosen treatment are left out.
pub fn from_flat(t: &Table, spec: &FlatSpec) -> Result<Dataset, String> {
    let treatment = t
        .text("treatment")
        .ok_or("the table has no treatment column")?;
    let present: Vec<&str> = {
        let mut v: Vec<&str> = treatment.iter().flatten().map(String::as_str).collect();
        v.sort();
        v.dedup();
        v
    };
    if !present.contains(&spec.control.as_str()) {
        return Err(format!(
            "control value '{}' is not in the treatment column (values: {})",
            spec.control,
            present.join(", ")
        ));
    }
    let mut arm_names = vec![spec.control.clone()];
    if spec.treatments.is_empty() {
        arm_names.extend(
            present
                .iter()
                .filter(|v| **v != spec.control)
                .map(|v| v.to_string()),
        );
    } else {
        for tr in &spec.treatments {
            if !present.contains(&tr.as_str()) {
                return Err(format!(
                    "treatment value '{tr}' is not in the treatment column (values: {})",
                    present.join(", ")
                ));
            }
            arm_names.push(tr.clone());
        }
    }
    let outcome_name = crate::data::schema::normalize_header(&spec.outcome);
    let y_all = numeric(t, &outcome_name)
        .ok_or_else(|| format!("outcome column '{}' not found or not numeric", spec.outcome))?;
    let value_all = match &spec.value {
        Some(v) => numeric(t, &crate::data::schema::normalize_header(v))
            .ok_or_else(|| format!("value column '{v}' not found or not numeric"))?,
        None => vec![0.0; t.n_rows()],
    };
    let p = features::flat_features(t);
    let keep: Vec<(usize, usize)> = (0..t.n_rows())
        .filter_map(|i| {
            treatment[i]
                .as_deref()
                .and_then(|v| arm_names.iter().position(|a| a == v))
                .map(|a| (i, a))
        })
        .collect();
    let d = p.names.len();
    let mut x = Vec::with_capacity(keep.len() * d);
    for &(i, _) in &keep {
        x.extend(p.columns.iter().map(|c| c[i]));
    }
    Ok(Dataset {
        ids: keep
            .iter()
            .map(|&(i, _)| p.customer_ids[i].clone())
            .collect(),
        feature_names: p.names,
        x,
        arm: keep.iter().map(|&(_, a)| a).collect(),
        arm_names,
        y: keep
            .iter()
            .map(|&(i, _)| y_all[i].clamp(0.0, 1.0))
            .collect(),
        value: keep.iter().map(|&(i, _)| value_all[i]).collect(),
        depth: Vec::new(),
    })
}

/// Relational tables: profiles as of the campaign's send time joined with its campaign rows.
/// Arms are the distinct (offer type, value) pairs; control rows form arm 0.
pub fn from_campaign(tables: &[Table], campaign_id: Option<&str>) -> Result<Dataset, String> {
    let c = tables
        .iter()
        .find(|t| t.kind == TableKind::Campaigns)
        .ok_or("no campaign history table loaded")?;
    let (Some(cid), Some(cust), Some(offer), Some(val), Some(ctrl), Some(conv), Some(sent)) = (
        c.text("campaign_id"),
        c.text("customer_id"),
        c.text("offer_type"),
        c.float("offer_value"),
        c.bool("control"),
        c.bool("converted"),
        c.time("sent_at"),
    ) else {
        return Err("the campaign table lacks a required column".into());
    };
    let revenue = c.float("revenue");
    let chosen = match campaign_id {
        Some(id) => id.to_string(),
        None => cid
            .iter()
            .flatten()
            .next()
            .cloned()
            .ok_or("the campaign table is empty")?,
    };
    let rows: Vec<usize> = (0..c.n_rows())
        .filter(|&i| {
            cid[i].as_deref() == Some(chosen.as_str()) && cust[i].is_some() && conv[i].is_some()
        })
        .collect();
    if rows.is_empty() {
        return Err(format!("campaign '{chosen}' has no rows"));
    }
    let as_of = rows
        .iter()
        .filter_map(|&i| sent[i])
        .min()
        .ok_or("campaign rows have no send time")?;
    let profiles = features::build_profiles(tables, as_of)?;
    let index: HashMap<&str, usize> = profiles
        .customer_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let min_spend = c.float("min_spend");
    let arm_of = |i: usize| -> Option<Arm> {
        (ctrl[i] != Some(true)).then(|| Arm {
            name: String::new(),
            offer_type: offer[i].clone().unwrap_or_else(|| "?".into()),
            offer_value: val[i].unwrap_or(0.0),
            min_spend: min_spend.and_then(|m| m[i]).unwrap_or(0.0),
        })
    };
    let mut keys: BTreeMap<String, (usize, Arm)> = BTreeMap::new();
    for &i in &rows {
        if let Some(a) = arm_of(i) {
            keys.entry(a.label()).or_insert((0, a));
        }
    }
    let mut arm_names = vec!["control".to_string()];
    let mut offers = vec![None];
    for (n, (k, (slot, arm))) in keys.iter_mut().enumerate() {
        *slot = n + 1;
        arm_names.push(k.clone());
        offers.push(Some(arm.clone()));
    }
    if !rows.iter().any(|&i| ctrl[i] == Some(true)) {
        return Err(format!(
            "campaign '{chosen}' has no control group, so its uplift cannot be learned"
        ));
    }
    let d = profiles.names.len();
    let mut ds = Dataset {
        ids: Vec::new(),
        feature_names: profiles.names.clone(),
        x: Vec::new(),
        arm: Vec::new(),
        arm_names,
        y: Vec::new(),
        value: Vec::new(),
        depth: Vec::new(),
    };
    // The discount depth of each offer for each customer, from their average basket (the median
    // basket for customers without orders), as the generator's response model defines it.
    let basket = profiles
        .column("avg_basket")
        .ok_or("profiles lack avg_basket")?;
    let mut positive: Vec<f32> = basket.iter().copied().filter(|&b| b > 0.0).collect();
    positive.sort_by(f32::total_cmp);
    let median_basket = positive.get(positive.len() / 2).copied().unwrap_or(50.0) as f64;
    let priced = (offers.iter().flatten()).all(|a| OFFER_KINDS.contains(&a.offer_type.as_str()));
    for &i in &rows {
        let Some(&p) = index.get(cust[i].as_deref().unwrap_or("")) else {
            continue;
        };
        ds.ids.push(profiles.customer_ids[p].clone());
        ds.x.extend((0..d).map(|j| profiles.columns[j][p]));
        ds.arm.push(arm_of(i).map_or(0, |a| keys[&a.label()].0));
        ds.y.push(f32::from(u8::from(conv[i] == Some(true))));
        ds.value
            .push(revenue.and_then(|r| r[i]).unwrap_or(0.0) as f32);
        if priced {
            let b = if basket[p] > 0.0 {
                basket[p] as f64
            } else {
                median_basket
            };
            ds.depth.extend(
                offers
                    .iter()
                    .map(|a| a.as_ref().map_or(0.0, |a| effective_depth(a, b) as f32)),
            );
        }
    }
    Ok(ds)
}

/// Row indices of a split stratified by arm × outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub valid: Vec<usize>,
    pub test: Vec<usize>,
}

/// Shuffles each arm × outcome stratum with `seed` and cuts it into train / validation / test
/// by the given fractions (the test fraction is what is left).
pub fn stratified_split(ds: &Dataset, train: f64, valid: f64, seed: u64) -> Split {
    let mut strata: BTreeMap<(usize, bool), Vec<usize>> = BTreeMap::new();
    for i in 0..ds.n() {
        strata
            .entry((ds.arm[i], ds.y[i] > 0.5))
            .or_default()
            .push(i);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut s = Split {
        train: Vec::new(),
        valid: Vec::new(),
        test: Vec::new(),
    };
    for (_, mut rows) in strata {
        rows.shuffle(&mut rng);
        let n = rows.len() as f64;
        let a = (n * train).round() as usize;
        let b = ((n * (train + valid)).round() as usize)
            .max(a)
            .min(rows.len());
        s.train.extend(&rows[..a]);
        s.valid.extend(&rows[a..b]);
        s.test.extend(&rows[b..]);
    }
    s.train.sort_unstable();
    s.valid.sort_unstable();
    s.test.sort_unstable();
    s
}

/// The split used for training and reported metrics: 70% for fitting (of which 15% is held
/// for early stopping) and 30% test, each stratified by arm × outcome.
pub fn training_split(ds: &Dataset, seed: u64) -> Split {
    let outer = stratified_split(ds, 0.7, 0.0, seed);
    let fit_part = ds.subset(&outer.train);
    let inner = stratified_split(&fit_part, 0.85, 0.15, seed.wrapping_add(1));
    Split {
        train: inner.train.iter().map(|&i| outer.train[i]).collect(),
        valid: inner
            .valid
            .iter()
            .chain(&inner.test)
            .map(|&i| outer.train[i])
            .collect(),
        test: outer.test,
    }
}
