//! The response table from a trained model and the loaded tables: the one place where model
//! outputs become the simulator's plain columns.

use super::offer::LEVER_NAMES;
use super::response::{Class, Classes, Member, ResponseTable};
use super::segments::{RFM_NAMES, rfm_segment};
use crate::data::{Table, TableKind};
use crate::model::dataset::Dataset;
use crate::model::device::ComputeDevice;
use crate::model::pipeline::{self, MemberResponse};
use crate::model::store::ModelMeta;
use crate::model::uplift::{ModelKind, TrainedModel};
use std::collections::HashMap;

/// The planning model's settings: a latent-class response model (5 classes; 3 and 8 plan about as
/// well on the sample data, see docs/models.md) with 3 bootstrap members. Patience 10: on the
/// sample data every member's best epoch is the 3rd to 6th, and 10 gives the very model 30 gave,
/// in a third of the time.
pub fn planning_config() -> crate::model::train::TrainConfig {
    crate::model::train::TrainConfig {
        ensemble: 3,
        classes: 5,
        hidden: vec![32],
        learning_rate: 0.01,
        batch_size: 512,
        epochs: 300,
        patience: 10,
        ..Default::default()
    }
}

/// Trains the model the planning screens and commands use by default on `spec`'s data: the
/// discount-response model (`planning_config`; the members' spread is the model part of the
/// intervals) on a campaign history; on a flat campaign table, whose arms are messages rather
/// than priced offers, the uplift network with three bootstrap members.
/// The device is chosen once the training rows are known (`device::select_for`); it is returned
/// with the model.
pub fn train_planning_model(
    tables: &[Table],
    spec: &pipeline::DataSpec,
    choice: crate::model::device::DeviceChoice,
    on_event: &dyn Fn(crate::model::train::TrainEvent),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<(TrainedModel, ModelMeta, ComputeDevice), String> {
    let ds = pipeline::build_dataset(tables, spec)?;
    let (kind, cfg) = if spec.flat.is_some() {
        let cfg = crate::model::train::TrainConfig {
            ensemble: 3,
            ..Default::default()
        };
        (ModelKind::Uplift, cfg)
    } else {
        (ModelKind::Response, planning_config())
    };
    let req = pipeline::TrainRequest {
        kind,
        spec,
        cfg: &cfg,
        truth: None,
    };
    let job = crate::model::device::Workload {
        rows: ds.n(),
        batch_size: cfg.batch_size,
    };
    let device = crate::model::device::select_for(choice, job)?;
    let (model, meta) = pipeline::train_and_evaluate(&req, &ds, &device, on_event, cancel)
        .map_err(|e| e.to_string())?;
    Ok((model, meta, device))
}

/// How many customers a model scores in `tables`: the customers table's rows, or a flat
/// campaign table's (one row per customer); the larger when both are there.
pub fn customer_rows(tables: &[Table]) -> usize {
    tables
        .iter()
        .filter(|t| matches!(t.kind, TableKind::Customers | TableKind::FlatCampaign))
        .map(Table::n_rows)
        .max()
        .unwrap_or(0)
}

/// Margin used when the data has no product unit costs (the scenario can set its own).
pub const DEFAULT_MARGIN_RATE: f64 = 0.4;

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// The offer type of a campaign arm named like "pct_discount 10" or "coupon 10 min 60".
fn arm_lever(arm: &str) -> Option<usize> {
    let kind = arm.split_whitespace().next()?;
    LEVER_NAMES.iter().position(|l| *l == kind)
}

/// One member's columns: each lever's sensitivity from the first arm of that offer type (arms of
/// one type share their sensitivity in the response net); levers the campaign did not try take
/// the percentage one. A latent-class net also hands over its classes.
fn member_of(r: &MemberResponse, arm_names: &[String], n: usize) -> Member {
    let a = arm_names.len();
    let mut lever_arm: [Option<usize>; 4] = [None; 4];
    for (arm, name) in arm_names.iter().enumerate().skip(1) {
        if let Some(l) = arm_lever(name) {
            lever_arm[l].get_or_insert(arm);
        }
    }
    let sensitivity = std::array::from_fn(|l| {
        lever_arm[l].map_or_else(Vec::new, |arm| {
            (0..n).map(|i| r.per_depth[i * a + arm]).collect()
        })
    });
    let pct = lever_arm[super::offer::Lever::Pct as usize];
    let classes = r.classes.as_ref().map_or_else(Vec::new, |c| {
        (0..c.k)
            .map(|k| Class {
                weight: (0..n).map(|i| c.weight[i * c.k + k]).collect(),
                base: (0..n).map(|i| c.base[i * c.k + k]).collect(),
                contact: c.contact[k],
                sensitivity: std::array::from_fn(|l| {
                    lever_arm[l]
                        .or(pct)
                        .map_or(0.0, |arm| c.per_depth[k * a + arm])
                }),
            })
            .collect()
    });
    Member {
        base_logit: r.base.clone(),
        contact: r.contact.clone(),
        sensitivity,
        classes: Classes::new(&classes),
    }
}

/// The ensemble's mean: averaged columns, and for latent-class members the average of the
/// members' conversion probabilities (the mixture of all their classes; the members' classes
/// move into one table the mean shares, see `Classes::average_of`).
fn mean_member(members: &mut [Member], n: usize) -> Member {
    let classes = Classes::average_of(members);
    let k = members.len() as f32;
    let avg = |f: &dyn Fn(&Member) -> &Vec<f32>| -> Vec<f32> {
        if members.iter().any(|m| f(m).is_empty()) {
            return Vec::new();
        }
        (0..n)
            .map(|i| members.iter().map(|m| f(m)[i]).sum::<f32>() / k)
            .collect()
    };
    Member {
        base_logit: avg(&|m| &m.base_logit),
        contact: avg(&|m| &m.contact),
        sensitivity: std::array::from_fn(|l| avg(&|m| &m.sensitivity[l])),
        classes,
    }
}

/// Gross margin rate at list price from order lines and product unit costs.
pub fn margin_rate(tables: &[Table]) -> Option<f64> {
    let find = |k| tables.iter().find(|t| t.kind == k);
    let (lines, products) = (find(TableKind::OrderLines)?, find(TableKind::Products)?);
    let num = |t: &'_ Table, name: &str, i: usize| t.column(name).and_then(|c| c.values.number(i));
    let pid = products.text("product_id")?;
    products.column("unit_cost")?;
    let cost: HashMap<&str, f64> = (0..products.n_rows())
        .filter_map(|i| Some((pid[i].as_deref()?, num(products, "unit_cost", i)?)))
        .collect();
    let lp = lines.text("product_id")?;
    let (mut revenue, mut goods) = (0.0, 0.0);
    for (i, pid) in lp.iter().enumerate() {
        if let (Some(p), Some(q), Some(u)) = (
            pid.as_deref(),
            num(lines, "quantity", i),
            num(lines, "unit_price", i),
        ) && let Some(c) = cost.get(p)
        {
            revenue += q * u;
            goods += q * c;
        }
    }
    (revenue > 0.0).then(|| (1.0 - goods / revenue).clamp(0.0, 1.0))
}

/// Observable RFM segments from profile features (a marketer can see and target these).
pub fn rfm_segments(ds: &Dataset) -> (Vec<u16>, Vec<String>) {
    match rfm_of_rows(ds) {
        Some(seg) => (seg, RFM_NAMES.iter().map(|s| s.to_string()).collect()),
        None => (vec![0; ds.n()], vec!["all".into()]),
    }
}

/// Each row's RFM segment (`RFM_NAMES` index) from the dataset's raw features, or `None` when
/// it lacks recency or frequency.
pub fn rfm_of_rows(ds: &Dataset) -> Option<Vec<u16>> {
    let col = |name: &str| ds.feature_names.iter().position(|n| n == name);
    let (r, f) = (col("recency_days")?, col("frequency_365d")?);
    let tenure = col("tenure_days");
    Some(
        (0..ds.n())
            .map(|i| {
                let x = ds.row(i);
                rfm_segment(x[r], x[f], tenure.map(|t| x[t]))
            })
            .collect(),
    )
}

/// The deepest effective depth of each lever's arms over the customers of `ds`.
fn depth_seen(ds: &Dataset) -> Option<[f32; 4]> {
    if ds.depth.is_empty() {
        return None;
    }
    let a = ds.arm_names.len();
    let mut seen = [0.0f32; 4];
    for (arm, name) in ds.arm_names.iter().enumerate() {
        if let Some(l) = arm_lever(name) {
            for i in 0..ds.n() {
                seen[l] = seen[l].max(ds.depth[i * a + arm]);
            }
        }
    }
    Some(seen)
}

/// Days since each customer's last campaign message, counted to the latest date in the data.
/// A row that sent nothing (the control group, offer or channel "none") is no contact.
fn days_since_contact(tables: &[Table], ids: &[String]) -> Vec<f32> {
    let Some(c) = tables.iter().find(|t| t.kind == TableKind::Campaigns) else {
        return Vec::new();
    };
    let (Some(cust), Some(sent)) = (c.text("customer_id"), c.time("sent_at")) else {
        return Vec::new();
    };
    // Columns looked up once, not per row.
    let (control, offer, channel) = (c.bool("control"), c.text("offer_type"), c.text("channel"));
    let is_none = |col: Option<&[Option<String>]>, r: usize| {
        col.and_then(|v| v[r].as_deref())
            .is_some_and(|x| x.trim().eq_ignore_ascii_case("none"))
    };
    let sent_nothing = |r: usize| {
        control.is_some_and(|v| v[r] == Some(true)) || is_none(offer, r) || is_none(channel, r)
    };
    let mut last: HashMap<&str, i64> = HashMap::new();
    for (r, (id, t)) in cust.iter().zip(sent).enumerate() {
        if sent_nothing(r) {
            continue;
        }
        if let (Some(id), Some(t)) = (id.as_deref(), *t) {
            let e = last.entry(id).or_insert(t);
            *e = (*e).max(t);
        }
    }
    let latest_order = tables
        .iter()
        .filter(|t| t.kind == TableKind::OrderLines)
        .filter_map(|t| t.time("timestamp"))
        .flat_map(|v| v.iter().flatten().copied())
        .max();
    let now = last
        .values()
        .copied()
        .chain(latest_order)
        .max()
        .unwrap_or(0);
    ids.iter()
        .map(|id| {
            last.get(id.as_str())
                .map_or(f32::NAN, |&t| ((now - t) as f64 / 86_400.0) as f32)
        })
        .collect()
}

/// Basket growth per unit of discount depth, one figure for every customer: the basket heads of
/// the percentage arms (turned back into list prices) against the control's, each arm's relative
/// growth averaged over the customers, fitted through the origin over the arms' depths (least
/// squares). None without a percentage arm.
///
/// Per customer the heads' ratio is mostly noise (a 10% arm multiplies its error by ten), and the
/// optimizer seeks out the customers whose noise looks best: with per-customer values the plan at
/// a 5,000 budget expected 1.5 times its true profit and made 46% of the oracle's; with one pooled
/// figure, 0.8 times and about 60% (docs/models.md, "Basket growth").
fn pooled_basket_elasticity(arm_names: &[String], basket: &[Vec<f32>]) -> Option<f32> {
    let control = basket.first()?;
    let (mut dr, mut dd) = (0.0f64, 0.0f64);
    for (arm, name) in arm_names.iter().enumerate().skip(1) {
        let Some(super::offer::Offer::PctDiscount { pct }) =
            super::holdout::Holdout::offer_of_label(name)
        else {
            continue;
        };
        let d = pct / 100.0;
        let Some(b) = basket.get(arm).filter(|b| !b.is_empty() && d > 0.0) else {
            continue;
        };
        // The heads learn the revenue paid, after the discount: the basket at list prices is
        // that over 1 − d.
        let growth = b
            .iter()
            .zip(control)
            .map(|(&b, &c)| b as f64 / (1.0 - d).max(0.05) / (c as f64).max(1e-3) - 1.0)
            .sum::<f64>()
            / b.len() as f64;
        dr += d * growth;
        dd += d * d;
    }
    (dd > 0.0).then(|| (dr / dd).clamp(0.0, 5.0) as f32)
}

/// Each customer's preferred channel by id, from the customers table (None without one).
fn preferred_by_id(tables: &[Table]) -> Option<HashMap<&str, &str>> {
    let c = tables.iter().find(|t| t.kind == TableKind::Customers)?;
    let (cid, ch) = (c.text("customer_id")?, c.text("preferred_channel")?);
    let pairs = cid.iter().zip(ch);
    Some(
        pairs
            .filter_map(|(i, c)| Some((i.as_deref()?, c.as_deref()?)))
            .collect(),
    )
}

fn preferred_channels(tables: &[Table], ids: &[String]) -> Vec<String> {
    let Some(map) = preferred_by_id(tables) else {
        return Vec::new();
    };
    ids.iter()
        .map(|id| map.get(id.as_str()).unwrap_or(&"email").to_string())
        .collect()
}

/// For each of `ids`: whether the campaign (`campaign`, else the table's first) reached them
/// through their preferred channel; None where the campaign's channel or the customer's preferred
/// one is not known, or they were in the control.
fn sent_on_preferred(
    tables: &[Table],
    ids: &[String],
    campaign: Option<&str>,
) -> Vec<Option<bool>> {
    let unknown = || vec![None; ids.len()];
    let find = |k| tables.iter().find(|t| t.kind == k);
    let (Some(c), Some(preferred)) = (find(TableKind::Campaigns), preferred_by_id(tables)) else {
        return unknown();
    };
    let (Some(cid), Some(cust), Some(ch)) = (
        c.text("campaign_id"),
        c.text("customer_id"),
        c.text("channel"),
    ) else {
        return unknown();
    };
    let Some(chosen) = campaign.or_else(|| cid.iter().flatten().next().map(String::as_str)) else {
        return unknown();
    };
    let control = c.bool("control");
    let sent: HashMap<&str, &str> = (0..c.n_rows())
        .filter(|&i| cid[i].as_deref() == Some(chosen))
        .filter(|&i| control.is_none_or(|v| v[i] != Some(true)))
        .filter_map(|i| Some((cust[i].as_deref()?, ch[i].as_deref()?)))
        .collect();
    ids.iter()
        .map(|id| {
            let (s, p) = (sent.get(id.as_str())?, preferred.get(id.as_str())?);
            Some(s.eq_ignore_ascii_case(p))
        })
        .collect()
}

/// Predicted baskets, non-negative and capped at their 99.5th percentile: the basket head
/// extrapolates wildly for a handful of extreme profiles, and one customer must not carry a plan.
fn winsorized_baskets(b: &[f32]) -> Vec<f32> {
    let mut sorted: Vec<f32> = b.iter().map(|x| x.max(0.0)).collect();
    sorted.sort_by(f32::total_cmp);
    let cap = sorted
        .get(((sorted.len() as f64) * 0.995) as usize)
        .copied()
        .unwrap_or(f32::INFINITY);
    b.iter().map(|x| x.max(0.0).min(cap)).collect()
}

/// How much of the basket heads' differences between customers shows up in what held-out buyers
/// really paid: the slope of their revenue on their own arm's predicted basket (both after any
/// discount), clamped to 0–1; 1 (trust the heads) with fewer than 30 held-out buyers.
fn held_out_basket_slope(test: &[usize], ds: &Dataset, basket: &[Vec<f32>]) -> f64 {
    let pairs: Vec<(f64, f64)> = test
        .iter()
        .filter(|&&i| ds.y[i] > 0.5)
        .filter_map(|&i| Some((*basket.get(ds.arm[i])?.get(i)? as f64, ds.value[i] as f64)))
        .collect();
    if pairs.len() < 30 {
        return 1.0;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return 1.0;
    }
    (sxy / sxx).clamp(0.0, 1.0)
}

/// Each customer's basket moved toward the mean basket, keeping `slope` of its difference from
/// it (a calibration on held-out buyers, as `sim::check` is for uplift). On the sample data the
/// held-out slope is 0.10–0.25 depending on the seed: the control head, learned from a few hundred
/// buyers, says little about one customer's basket, and the optimizer, which picks the customers
/// with the best-looking figures, sought out its overestimates (docs/models.md, "Basket level").
fn shrunk_baskets(basket: &[f32], slope: f64) -> Vec<f32> {
    let mean = basket.iter().map(|&b| b as f64).sum::<f64>() / basket.len().max(1) as f64;
    basket
        .iter()
        .map(|&b| (mean + slope * (b as f64 - mean)) as f32)
        .collect()
}

/// Scores every customer of the model's dataset and gathers the simulator's columns.
pub fn from_model(
    tables: &[Table],
    model: &TrainedModel,
    meta: &ModelMeta,
    device: &ComputeDevice,
) -> Result<ResponseTable, String> {
    let ds = pipeline::build_dataset(tables, &meta.data_spec)?;
    let cols = pipeline::response_columns(model, &ds, device)?;
    let n = ds.n();
    let (mean, members) = if model.kind == ModelKind::Response {
        let members: Vec<Member> = model
            .nets
            .iter()
            .map(|f| {
                pipeline::member_response(f, &ds, device).map(|r| member_of(&r, &ds.arm_names, n))
            })
            .collect::<Result<_, _>>()?;
        // One net is its own mean (and no ensemble: nothing to average for the intervals).
        match <[Member; 1]>::try_from(members) {
            Ok([one]) => (one, Vec::new()),
            Err(mut members) => (mean_member(&mut members, n), members),
        }
    } else {
        // Conversion with and without the (first) treatment: the offer is the contact itself.
        let base: Vec<f32> = cols.p[0].iter().map(|&p| logit(p)).collect();
        let contact = match cols.p.get(1) {
            Some(p1) => p1.iter().zip(&base).map(|(&p, &b)| logit(p) - b).collect(),
            None => vec![0.0; n],
        };
        let m = Member {
            base_logit: base,
            contact,
            sensitivity: Default::default(),
            classes: Classes::default(),
        };
        (m, Vec::new())
    };
    // Per customer from the order history where it has enough promotion orders, else one
    // pooled figure from the campaign's basket heads (docs/models.md, "Basket growth").
    let basket_elasticity = if model.kind == ModelKind::Response {
        super::growth::customer_growth(tables, &ds, &mean)
            .or_else(|| pooled_basket_elasticity(&ds.arm_names, &cols.basket).map(|e| vec![e; n]))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let features: Vec<(String, Vec<f32>)> = ds
        .feature_names
        .iter()
        .enumerate()
        .map(|(j, name)| (name.clone(), (0..n).map(|i| ds.row(i)[j]).collect()))
        .collect();
    let feature = |name: &str| features.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let open_cart = match (feature("cart_days_30d"), feature("cart_abandon_rate")) {
        (Some(days), Some(rate)) => days
            .iter()
            .zip(rate)
            .map(|(&d, &r)| d > 0.0 && r > 0.0)
            .collect(),
        _ => Vec::new(),
    };
    let (segment, segment_names) = rfm_segments(&ds);
    let margin = margin_rate(tables);
    let depth_seen = depth_seen(&ds);
    let on_preferred = sent_on_preferred(tables, &ds.ids, meta.data_spec.campaign.as_deref());
    let channel_check = super::holdout::ChannelCheck::of(
        (0..ds.n()).map(|i| (ds.arm[i] != 0, ds.y[i] > 0.5, on_preferred[i])),
    );
    // The held-out rows of the split the model was trained on (same data, same seed).
    let test = crate::model::dataset::training_split(&ds, meta.train.seed).test;
    // The model is checked under the conditions plans send in, the customer's preferred channel:
    // treated rows reached through another channel are left out (where the campaign's channels
    // are known). It learned from the campaign's mix of channels, so this check also measures
    // what the preferred channel adds (docs/models.md, "Basket growth").
    let checked: Vec<usize> = test
        .iter()
        .copied()
        .filter(|&i| ds.arm[i] == 0 || on_preferred[i] != Some(false))
        .collect();
    let check = super::check::uplift_check(
        &ds.arm_names,
        &checked.iter().map(|&i| ds.arm[i]).collect::<Vec<_>>(),
        &checked.iter().map(|&i| ds.y[i]).collect::<Vec<_>>(),
        &cols
            .p
            .iter()
            .map(|col| checked.iter().map(|&i| col[i]).collect())
            .collect::<Vec<_>>(),
        3,
    );
    // Which offer each campaign arm made. A model that learned no discounts simulates a message
    // as its first treatment (`contact` above), so with several unpriced arms (two e-mails) that
    // arm is the message's: the checks judge what the plan's figures come from.
    let mut arm_offers = super::holdout::Holdout::arm_offers(&ds.arm_names);
    if model.kind != ModelKind::Response
        && arm_offers.len() > 2
        && arm_offers.iter().all(Option::is_none)
    {
        arm_offers[1] = Some(crate::sim::Offer::Message);
    }
    let mut table = ResponseTable {
        segment,
        segment_names,
        mean,
        members,
        basket_eur: shrunk_baskets(
            &winsorized_baskets(&cols.basket[0]),
            held_out_basket_slope(&test, &ds, &cols.basket),
        ),
        basket_elasticity,
        channel: preferred_channels(tables, &ds.ids),
        open_cart,
        days_since_contact: days_since_contact(tables, &ds.ids),
        features,
        margin_rate: margin.unwrap_or(DEFAULT_MARGIN_RATE),
        source: format!(
            "{}{} trained on {}{}",
            if meta.train.classes > 0 {
                format!("latent-class ({} classes) ", meta.train.classes)
            } else {
                String::new()
            },
            meta.kind.label(),
            meta.data_description,
            if margin.is_none() {
                "; no product unit costs, margin 40% assumed"
            } else {
                ""
            }
        ),
        ids: ds.ids,
        check: (!check.cells.is_empty()).then_some(check),
        channel_check,
        holdout: Some(super::holdout::Holdout {
            rows: test.iter().map(|&i| i as u32).collect(),
            arm: test.iter().map(|&i| ds.arm[i] as u16).collect(),
            bought: test.iter().map(|&i| ds.y[i] > 0.5).collect(),
            paid: if test.iter().any(|&i| ds.y[i] > 0.5 && ds.value[i] > 0.0) {
                test.iter().map(|&i| ds.value[i]).collect()
            } else {
                Vec::new()
            },
            arm_offers: arm_offers.clone(),
            arm_names: ds.arm_names.clone(),
        }),
        depth_seen,
    };
    // Profit and revenue checked too, where the campaign recorded what its buyers paid.
    let paid_known = checked.iter().any(|&i| ds.y[i] > 0.5 && ds.value[i] > 0.0);
    if paid_known && table.check.is_some() {
        let money = super::check::money_check(
            &table,
            &ds.arm_names,
            &arm_offers,
            &checked,
            &checked.iter().map(|&i| ds.arm[i]).collect::<Vec<_>>(),
            &checked.iter().map(|&i| ds.y[i] > 0.5).collect::<Vec<_>>(),
            &checked.iter().map(|&i| ds.value[i]).collect::<Vec<_>>(),
        );
        if let Some(c) = table.check.as_mut() {
            c.money = money;
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frequency cap counts messages: a control-group row (nothing sent) is no contact, and
    /// days count to the latest date in the data.
    #[test]
    fn days_since_contact_skips_rows_that_sent_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("campaigns.csv");
        std::fs::write(
            &path,
            "campaign_id,customer_id,offer_type,offer_value,channel,sent_at,converted,revenue,control\n\
             K1,C1,coupon,10,email,2026-11-01,0,0,0\n\
             K1,C2,none,0,none,2026-11-01,0,0,1\n\
             K0,C2,pct_discount,10,sms,2026-10-22,1,20,0\n\
             K1,C3,pct_discount,10,email,2026-11-01,0,0,1\n",
        )
        .unwrap();
        let t = crate::data::load_table(&path, &Default::default()).unwrap();
        let ids = ["C1", "C2", "C3", "C4"].map(String::from);
        let days = days_since_contact(&[t], &ids);
        assert_eq!(days[0], 0.0);
        // C2's last message is the 10% SMS ten days before; its control row sent nothing.
        assert_eq!(days[1], 10.0);
        // C3 was held back as control, C4 is not in the campaigns: never contacted.
        assert!(days[2].is_nan() && days[3].is_nan(), "{days:?}");
    }

    /// Held-out buyers whose revenue follows half of the predicted differences: slope 0.5, and
    /// the baskets keep half of their distance from the mean.
    #[test]
    fn baskets_shrink_by_the_held_out_slope_by_hand() {
        let n = 80;
        let predicted: Vec<f32> = (0..n).map(|i| 40.0 + i as f32).collect();
        let ds = Dataset {
            ids: (0..n).map(|i| format!("C{i}")).collect(),
            feature_names: Vec::new(),
            x: Vec::new(),
            arm: vec![0; n],
            arm_names: vec!["control".into()],
            // Every other customer bought; revenue 60 + half the predicted difference from 79.
            y: (0..n).map(|i| (i % 2) as f32).collect(),
            value: predicted.iter().map(|&b| 60.0 + 0.5 * (b - 79.0)).collect(),
            depth: Vec::new(),
        };
        let all: Vec<usize> = (0..n).collect();
        let slope = held_out_basket_slope(&all, &ds, std::slice::from_ref(&predicted));
        assert!((slope - 0.5).abs() < 1e-9, "{slope}");
        // Fewer than 30 buyers (20 among the first 40): the heads are trusted as they are.
        let few = held_out_basket_slope(&all[..40], &ds, std::slice::from_ref(&predicted));
        assert_eq!(few, 1.0);
        let shrunk = shrunk_baskets(&[10.0, 20.0, 30.0], 0.5);
        assert_eq!(shrunk, vec![15.0, 20.0, 25.0]);
        assert_eq!(shrunk_baskets(&[10.0, 30.0], 0.0), vec![20.0, 20.0]);
    }
}
