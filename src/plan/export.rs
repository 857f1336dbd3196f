//! From an optimized (or simulated) assignment to files a CRM can import:
//! - `plan.csv`: one row per customer to contact (UTF-8, header);
//! - `plan.summary.csv`: expected figures per offer and in total;
//! - `plan.control.csv`, when the plan holds back a control group: one row per customer held
//!   back (sent nothing) with the offer the plan would have sent them;
//! - `plan.offers.json`: the offers the plan refers to, so `promolab simulate --plan` can
//!   recompute its totals.
//!
//! All are written atomically (temporary file + rename).

use super::message::{MessageContext, render};
use super::privacy::pseudonym;
use crate::sim::holdout::PlanCheck;
use crate::sim::optimize::{
    OFFERS_VERSION, OfferOption, OffersFile, SegmentPart, Solution, plan_figures, plan_intervals,
    plan_ranges,
};
use crate::sim::response::ResponseTable;
use crate::sim::scenario::Scenario;
use crate::sim::select::Selection;
use crate::sim::simulate::{Effect, Figures, Intervals, Pricer};
use crate::util::write_atomic;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const PLAN_COLUMNS: [&str; 12] = [
    "customer_id",
    "segment",
    "offer",
    "offer_type",
    "offer_value",
    "channel",
    "send_time",
    "expected_uplift",
    "expected_incremental_profit",
    "expected_incremental_revenue",
    "expected_cost",
    "message",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    pub customer_id: String,
    pub segment: String,
    pub offer: String,
    pub offer_type: String,
    pub offer_value: f64,
    pub channel: String,
    pub send_time: String,
    pub expected_uplift: f64,
    pub expected_incremental_profit: f64,
    pub expected_incremental_revenue: f64,
    pub expected_cost: f64,
    pub message: String,
}

pub const CONTROL_COLUMNS: [&str; 4] = ["customer_id", "segment", "offer_held_back", "channel"];

/// A customer of the plan's control group: sent nothing, though the plan's rule would have sent
/// them `offer` through `channel`. After the campaign their purchases, against those of the
/// customers sent the same offer, measure its real uplift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlRow {
    pub customer_id: String,
    pub segment: String,
    pub offer: String,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub offers: OffersFile,
    pub rows: Vec<PlanRow>,
    /// The control group held back (empty when the plan holds none back).
    pub control: Vec<ControlRow>,
    pub per_offer: Vec<Figures>,
    pub total: Figures,
    /// 5–95% of each offer's part and of the whole (`optimize::plan_intervals`).
    pub per_offer_intervals: Vec<Intervals>,
    pub intervals: Intervals,
    /// The same figures per segment, with each one's 5–95% incremental profit.
    pub per_segment: Vec<SegmentPart>,
    pub pseudonymized: bool,
}

/// The customer's largest category share ("share_shoes" -> "shoes").
fn top_category(t: &ResponseTable, i: usize) -> Option<&str> {
    t.features
        .iter()
        .filter(|(n, _)| n.starts_with("share_"))
        .max_by(|a, b| a.1[i].total_cmp(&b.1[i]))
        .filter(|(_, v)| v[i] > 0.0)
        .map(|(n, _)| &n["share_".len()..])
}

/// The plan of an assignment (offer index per customer, None = no offer).
pub fn plan_from_choice(
    t: &ResponseTable,
    offers: &OffersFile,
    choice: &[Option<u8>],
    salt: Option<&str>,
) -> Plan {
    let pricers = offers.pricers(t);
    let row = |i: usize, j: usize, e: &Effect| {
        let o = &offers.offers[j];
        let id = &t.ids[i];
        PlanRow {
            customer_id: customer_id(id, salt),
            segment: t.segment_name(i).to_string(),
            offer: o.name.clone(),
            offer_type: o.offer.kind().into(),
            offer_value: o.offer.value(),
            channel: channel_of(t, o, i),
            send_time: o.channel.send_time.clone(),
            expected_uplift: e.incremental_buyers,
            expected_incremental_profit: e.incremental_profit,
            expected_incremental_revenue: e.incremental_revenue,
            expected_cost: e.redemption_cost + e.send_cost,
            message: render(
                &o.message,
                &MessageContext {
                    customer_id: id,
                    name: None,
                    category: top_category(t, i),
                    offer: &o.offer,
                },
            )
            .replace(['\n', '\r'], " "),
        }
    };
    // In customer order (rayon's collect keeps it); the sums are the optimizer's own.
    let chosen: Vec<(usize, usize)> = choice
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|j| (i, j as usize)))
        .collect();
    let effects = effects_of(&pricers, &chosen);
    let rows = chosen
        .par_iter()
        .zip(&effects)
        .map(|(&(i, j), e)| row(i, j, e))
        .collect();
    let (per_offer, total) = plan_figures(t, offers, choice);
    let (per_offer_intervals, intervals, per_segment) =
        plan_ranges(t, offers, choice, &per_offer, &total);
    Plan {
        offers: offers.clone(),
        rows,
        control: Vec::new(),
        per_offer,
        total,
        per_offer_intervals,
        intervals,
        per_segment,
        pseudonymized: salt.is_some(),
    }
}

/// The id written for customer `id`: pseudonymized with `salt`, when there is one.
pub(super) fn customer_id(id: &str, salt: Option<&str>) -> String {
    salt.map_or_else(|| id.to_string(), |s| pseudonym(s, id))
}

/// The channel offer `o` goes through to customer `i`: the offer's, or the customer's preferred.
fn channel_of(t: &ResponseTable, o: &OfferOption, i: usize) -> String {
    if o.channel.name == "preferred" {
        t.channel.get(i).cloned().unwrap_or_else(|| "email".into())
    } else {
        o.channel.name.clone()
    }
}

/// The plan of an optimizer's solution: the offers to send and the control group held back
/// (`Solution::control`), with ids pseudonymized alike.
pub fn plan_of_solution(
    t: &ResponseTable,
    offers: &OffersFile,
    s: &Solution,
    salt: Option<&str>,
) -> Plan {
    Plan {
        control: control_rows(t, offers, &s.control, salt),
        ..plan_from_choice(t, offers, &s.choice, salt)
    }
}

/// The control group's rows: each (customer, offer index) held back.
fn control_rows(
    t: &ResponseTable,
    offers: &OffersFile,
    held: &[(u32, u8)],
    salt: Option<&str>,
) -> Vec<ControlRow> {
    held.iter()
        .map(|&(i, j)| {
            let (i, o) = (i as usize, &offers.offers[j as usize]);
            ControlRow {
                customer_id: customer_id(&t.ids[i], salt),
                segment: t.segment_name(i).to_string(),
                offer: o.name.clone(),
                channel: channel_of(t, o, i),
            }
        })
        .collect()
}

/// Each (customer, offer)'s effect, in order: in blocks, each offer's customers of a block in
/// one call (`Pricer::effects`; the same numbers as one customer at a time).
fn effects_of(pricers: &[Pricer], chosen: &[(usize, usize)]) -> Vec<Effect> {
    let blocks: Vec<Vec<Effect>> = chosen
        .par_chunks(1 << 12)
        .map(|block| {
            let mut out = vec![Effect::default(); block.len()];
            let mut buf = Vec::new();
            for (j, pricer) in pricers.iter().enumerate() {
                let (at, customers): (Vec<usize>, Vec<u32>) = block
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.1 == j)
                    .map(|(a, &(i, _))| (a, i as u32))
                    .unzip();
                if customers.is_empty() {
                    continue;
                }
                pricer.effects(&customers, &mut buf);
                for (a, e) in at.into_iter().zip(buf.drain(..)) {
                    out[a] = e;
                }
            }
            out
        })
        .collect();
    blocks.concat()
}

/// A one-offer offers file for a scenario.
pub fn scenario_offers(s: &Scenario) -> OffersFile {
    OffersFile {
        version: OFFERS_VERSION,
        offers: vec![OfferOption {
            name: s.name.clone(),
            offer: s.offer.clone(),
            channel: s.channel.clone(),
            redemption_cap: None,
            stock: None,
            message: s.message.clone(),
        }],
        objective: Default::default(),
        targeting: s.targeting.clone(),
        channel_caps: Default::default(),
        margin_rate: s.margin_rate,
    }
}

/// The plan of a simulated scenario's selection, with its held-out control group. A flash
/// sale's stock limit is not applied per row (every row shows its full expected effect).
pub fn plan_from_scenario(
    t: &ResponseTable,
    s: &Scenario,
    sel: &Selection,
    salt: Option<&str>,
) -> Plan {
    let mut choice = vec![None; t.len()];
    for &i in &sel.sent {
        choice[i as usize] = Some(0u8);
    }
    let offers = scenario_offers(s);
    let held: Vec<(u32, u8)> = sel.held_out.iter().map(|&i| (i, 0)).collect();
    Plan {
        control: control_rows(t, &offers, &held, salt),
        ..plan_from_choice(t, &offers, &choice, salt)
    }
}

fn field(s: &str) -> String {
    crate::data::table::csv_field(s)
}

impl Plan {
    pub fn to_csv(&self) -> String {
        let mut s = PLAN_COLUMNS.join(",");
        s.push('\n');
        for r in &self.rows {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{:.6},{:.4},{:.4},{:.4},{}\n",
                field(&r.customer_id),
                field(&r.segment),
                field(&r.offer),
                r.offer_type,
                r.offer_value,
                field(&r.channel),
                field(&r.send_time),
                r.expected_uplift,
                r.expected_incremental_profit,
                r.expected_incremental_revenue,
                r.expected_cost,
                field(&r.message)
            ));
        }
        s
    }

    /// The control group as CSV (`CONTROL_COLUMNS`).
    pub fn control_csv(&self) -> String {
        let mut s = CONTROL_COLUMNS.join(",");
        s.push('\n');
        for r in &self.control {
            s.push_str(&format!(
                "{},{},{},{}\n",
                field(&r.customer_id),
                field(&r.segment),
                field(&r.offer),
                field(&r.channel)
            ));
        }
        s
    }

    /// The plan per segment as CSV: each segment reached, its customers sent an offer and
    /// held back, expected figures and the 5–95% range of its incremental profit.
    pub fn segments_csv(&self) -> String {
        let mut s = String::from(
            "segment,customers,control_customers,incremental_buyers,spend,incremental_profit,incremental_profit_p5,incremental_profit_p95\n",
        );
        for p in self.segments_reached() {
            let (f, r) = (&p.figures, &p.profit_range);
            let held = self.control_in_segment(&p.segment);
            s.push_str(&format!(
                "{},{},{held},{:.3},{:.2},{:.2},{:.2},{:.2}\n",
                field(&p.segment),
                f.targeted,
                f.incremental_buyers,
                f.spend(),
                f.incremental_profit,
                r.p5,
                r.p95
            ));
        }
        s
    }

    /// The segments the plan sends an offer to, in the table's order.
    pub fn segments_reached(&self) -> impl Iterator<Item = &SegmentPart> {
        self.per_segment.iter().filter(|p| p.figures.targeted > 0)
    }

    /// Customers of the control group in `segment`.
    pub fn control_in_segment(&self, segment: &str) -> usize {
        self.control.iter().filter(|r| r.segment == segment).count()
    }

    /// Customers of the control group held back from `offer` (None: from any offer).
    pub fn control_of(&self, offer: Option<&str>) -> usize {
        self.control
            .iter()
            .filter(|r| offer.is_none_or(|o| r.offer == o))
            .count()
    }

    /// Expected figures per offer and in total, the control customers held back from each, and,
    /// with `check`, each offer's check against the past campaign: incremental profit per
    /// held-out customer the plan sends it to, before sending costs (the model's, the observed
    /// one and its standard error; empty where not judged) and the verdict (agrees, overstates,
    /// understates, or why it was not judged; the total's from the summed figure).
    pub fn summary_csv(&self, check: Option<&PlanCheck>) -> String {
        let mut s = String::from(
            "offer,customers,control_customers,expected_incremental_buyers,expected_redemptions,expected_incremental_revenue,expected_spend,expected_incremental_profit,incremental_profit_p5,incremental_profit_p95,incremental_revenue_p5,incremental_revenue_p95,incremental_buyers_p5,incremental_buyers_p95,past_campaign_profit_per_customer_model,past_campaign_profit_per_customer_observed,past_campaign_profit_per_customer_se,past_campaign_check\n",
        );
        let checked = |name: &str| -> String {
            match check.and_then(|c| c.profit_of(name)) {
                Some(f) => format!(
                    ",{:.4},{:.4},{:.4},{}",
                    f.predicted,
                    f.observed,
                    f.standard_error,
                    f.verdict().word()
                ),
                None => format!(",,,,{}", check.map_or("", |c| c.unjudged(name))),
            }
        };
        let line = |name: &str, f: &Figures, iv: &Intervals, held: usize, check: String| {
            let mut row = format!(
                "{},{},{held},{:.3},{:.3},{:.2},{:.2},{:.2}",
                field(name),
                f.targeted,
                f.incremental_buyers,
                f.buyers_with_offer,
                f.incremental_revenue,
                f.spend(),
                f.incremental_profit,
            );
            // Money to the cent, buyers to three places, as in the columns before.
            let ranges = [iv.incremental_profit, iv.incremental_revenue];
            for r in ranges {
                row.push_str(&format!(",{:.2},{:.2}", r.p5, r.p95));
            }
            let b = iv.incremental_buyers;
            row.push_str(&format!(",{:.3},{:.3}{check}\n", b.p5, b.p95));
            row
        };
        let parts = self.offers.offers.iter().zip(&self.per_offer);
        for ((o, f), iv) in parts.zip(&self.per_offer_intervals) {
            let held = self.control_of(Some(&o.name));
            s.push_str(&line(&o.name, f, iv, held, checked(&o.name)));
        }
        // The total's figure is a sum, in other units than the offers' per customer.
        let total = check
            .and_then(|c| c.profit_of("total"))
            .map_or(",,,,".to_string(), |f| {
                format!(",,,,{}", f.verdict().word())
            });
        let held = self.control_of(None);
        s.push_str(&line("total", &self.total, &self.intervals, held, total));
        s
    }
}

/// `plan.csv` -> `plan.summary.csv`, `plan.offers.json`.
pub fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    path.with_file_name(format!("{stem}.{suffix}"))
}

/// Writes the plan, its summary (with the check against the past campaign, when there is one),
/// its offers and its control group (when it holds one back), each atomically; returns the
/// paths written.
pub fn write_plan(
    plan: &Plan,
    path: &Path,
    check: Option<&PlanCheck>,
) -> std::io::Result<Vec<PathBuf>> {
    let summary = sidecar(path, "summary.csv");
    let offers = sidecar(path, "offers.json");
    let json = serde_json::to_string_pretty(&plan.offers).map_err(std::io::Error::other)?;
    write_atomic(&offers, json.as_bytes())?;
    write_atomic(&summary, plan.summary_csv(check).as_bytes())?;
    let segments = sidecar(path, "segments.csv");
    write_atomic(&segments, plan.segments_csv().as_bytes())?;
    let mut written = vec![path.to_path_buf(), summary, segments, offers];
    if !plan.control.is_empty() {
        let control = sidecar(path, "control.csv");
        write_atomic(&control, plan.control_csv().as_bytes())?;
        written.push(control);
    }
    write_atomic(path, plan.to_csv().as_bytes())?;
    Ok(written)
}

/// A plan file read back: its totals recomputed from the response table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedPlan {
    pub rows: usize,
    pub per_offer: Vec<(String, Figures)>,
    pub total: Figures,
    /// 5–95% of each offer's part (in `per_offer`'s order) and of the whole.
    pub per_offer_intervals: Vec<Intervals>,
    pub intervals: Intervals,
    /// The plan checked against the past campaign's held-out customers (when the model has
    /// them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_group_check: Option<crate::sim::holdout::PlanCheck>,
}

/// Reads `plan.csv` (and `plan.offers.json` beside it) and recomputes the expected totals with
/// the response table. Pseudonymized ids are matched with the same `salt`.
pub fn read_plan(
    t: &ResponseTable,
    path: &Path,
    salt: Option<&str>,
) -> Result<ImportedPlan, String> {
    let offers_path = sidecar(path, "offers.json");
    let offers = crate::sim::optimize::read_offers(&offers_path)
        .map_err(|e| format!("{e} (the offers file is written beside the plan by promolab)"))?;
    let records = read_columns(path, &["customer_id", "offer"])?;
    let index: HashMap<String, usize> = t
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (customer_id(id, salt), i))
        .collect();
    let mut choice = vec![None; t.len()];
    // The line each planned customer was read on.
    let mut first_row: HashMap<usize, u64> = HashMap::new();
    let mut rows = 0;
    for (row, f) in records {
        let (id, offer) = (f[0].as_str(), f[1].as_str());
        let i = *index.get(id).ok_or_else(|| {
            format!(
                "{}: row {row}, column customer_id: '{}' is not a customer of the loaded data{}",
                path.display(),
                id,
                if salt.is_none() && id.starts_with("p_") {
                    " (pseudonymized ids need --salt)"
                } else {
                    ""
                }
            )
        })?;
        if let Some(first) = first_row.insert(i, row) {
            return Err(format!(
                "{}: row {row}, column customer_id: '{}' is already planned on row {first} (a plan gives each customer one offer)",
                path.display(),
                id
            ));
        }
        let j = offers
            .offers
            .iter()
            .position(|o| o.name == offer)
            .ok_or_else(|| {
                format!(
                    "{}: row {row}, column offer: '{}' is not in {}",
                    path.display(),
                    offer,
                    offers_path.display()
                )
            })?;
        choice[i] = Some(j as u8);
        rows += 1;
    }
    let (per, total) = plan_figures(t, &offers, &choice);
    let (per_offer_intervals, intervals) = plan_intervals(t, &offers, &choice, &per, &total);
    Ok(ImportedPlan {
        rows,
        per_offer: offers
            .offers
            .iter()
            .map(|o| o.name.clone())
            .zip(per)
            .collect(),
        total,
        per_offer_intervals,
        intervals,
        control_group_check: crate::sim::holdout::check_plan(t, &offers, &choice),
    })
}

/// The named columns of every non-empty row of a CSV file, with the row's line number.
pub(super) fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<(u64, Vec<String>)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let header = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let cols = names
        .iter()
        .map(|n| {
            header
                .iter()
                .position(|h| h == *n)
                .ok_or_else(|| format!("{}: no column {n}", path.display()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut out = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| format!("{}: {e}", path.display()))?;
        if r.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let line = r.position().map_or(0, |p| p.line());
        out.push((
            line,
            cols.iter()
                .map(|&c| r.get(c).unwrap_or("").to_string())
                .collect(),
        ));
    }
    Ok(out)
}
