//! Scenario files: one offer, who gets it, through which channel, at what cost. Saved as versioned
//! JSON (`version` 1); unknown fields are refused so a typo does not pass silently.

use super::offer::Offer;
use super::response::ResponseTable;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SCENARIO_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Expected incremental profit (the default: what the money is for).
    #[default]
    Profit,
    /// Expected incremental conversion (p1 − p0).
    Uplift,
    /// Expected conversion without an offer (the usual "best customers" list; for comparison).
    Propensity,
}

impl RankBy {
    /// The ranking in one word, for a scenario's name ("best 30% by profit").
    pub fn word(self) -> &'static str {
        match self {
            RankBy::Profit => "profit",
            RankBy::Uplift => "uplift",
            RankBy::Propensity => "propensity",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

/// A condition on one profile feature, e.g. `recency_days <= 90`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub feature: String,
    pub op: Op,
    pub value: f64,
}

impl Filter {
    pub fn accepts(&self, x: f32) -> bool {
        let (x, v) = (x as f64, self.value);
        match self.op {
            Op::Lt => x < v,
            Op::Le => x <= v,
            Op::Gt => x > v,
            Op::Ge => x >= v,
            Op::Eq => x == v,
            Op::Ne => x != v,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targeting {
    /// Observable segments to include (empty = all).
    pub segments: Vec<String>,
    /// Every filter must hold.
    pub filters: Vec<Filter>,
    /// Share of the eligible customers to target, best first by `rank_by` (0–1).
    pub top_share: f64,
    pub rank_by: RankBy,
    /// Frequency cap: leave out customers contacted within this many days.
    pub exclude_contacted_within_days: Option<f64>,
    /// Share of the targeted customers held back as a randomized control group (0–0.5); they are
    /// not sent the offer, cost nothing and gain nothing, and measure the real uplift afterwards.
    pub control_share: f64,
}

impl Default for Targeting {
    fn default() -> Self {
        Targeting {
            segments: Vec::new(),
            filters: Vec::new(),
            top_share: 1.0,
            rank_by: RankBy::Profit,
            exclude_contacted_within_days: None,
            control_share: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Channel {
    /// "preferred" (each customer's own), or email, sms, push.
    pub name: String,
    pub send_cost_eur: f64,
    /// When the message goes out, as written into the plan ("2026-12-01 10:00").
    pub send_time: String,
}

impl Default for Channel {
    fn default() -> Self {
        Channel {
            name: "preferred".into(),
            send_cost_eur: 0.02,
            send_time: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub name: String,
    pub offer: Offer,
    #[serde(default)]
    pub targeting: Targeting,
    #[serde(default)]
    pub channel: Channel,
    /// Gross margin rate of goods at list price; absent = from the products' unit costs.
    #[serde(default)]
    pub margin_rate: Option<f64>,
    /// Message text with placeholders {name}, {discount}, {category}, {offer}.
    #[serde(default)]
    pub message: String,
}

impl Scenario {
    /// The name promolab gives a scenario: its offer, share and ranking ("20% off, best 30% by
    /// profit").
    pub fn auto_name(&self) -> String {
        format!(
            "{}, best {:.0}% by {}",
            self.offer.describe(),
            100.0 * self.targeting.top_share,
            self.targeting.rank_by.word()
        )
    }

    pub fn new(name: &str, offer: Offer) -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            name: name.into(),
            offer,
            targeting: Targeting::default(),
            channel: Channel::default(),
            margin_rate: None,
            message: String::new(),
        }
    }

    pub fn margin(&self, table: &ResponseTable) -> f64 {
        self.margin_rate.unwrap_or(table.margin_rate)
    }

    /// Checks the numbers and that every feature and segment named exists in `table`.
    pub fn validate(&self, table: &ResponseTable) -> Result<(), String> {
        if self.version != SCENARIO_VERSION {
            return Err(format!(
                "scenario version {} is not supported (this promolab reads version {SCENARIO_VERSION})",
                self.version
            ));
        }
        self.offer.validate()?;
        let t = &self.targeting;
        if !(0.0..=1.0).contains(&t.top_share) {
            return Err(format!(
                "targeting.top_share must be between 0 and 1, got {}",
                t.top_share
            ));
        }
        if !(0.0..=0.5).contains(&t.control_share) {
            return Err(format!(
                "targeting.control_share must be between 0 and 0.5, got {}",
                t.control_share
            ));
        }
        if let Some(m) = self.margin_rate
            && !(0.0..=1.0).contains(&m)
        {
            return Err(format!("margin_rate must be between 0 and 1, got {m}"));
        }
        if !(self.channel.send_cost_eur.is_finite() && self.channel.send_cost_eur >= 0.0) {
            return Err("channel.send_cost_eur must be 0 or more".into());
        }
        for f in &t.filters {
            if table.feature(&f.feature).is_none() {
                let names: Vec<&str> = table.features.iter().map(|(n, _)| n.as_str()).collect();
                return Err(format!(
                    "targeting filter: no feature '{}'; known: {}",
                    f.feature,
                    names.join(", ")
                ));
            }
        }
        for s in &t.segments {
            if !table.segment_names.contains(s) {
                return Err(format!(
                    "targeting: no segment '{s}'; known: {}",
                    table.segment_names.join(", ")
                ));
            }
        }
        if t.exclude_contacted_within_days.is_some() && table.days_since_contact.is_empty() {
            return Err(
                "targeting.exclude_contacted_within_days needs a campaign history table".into(),
            );
        }
        if let Some(why) = table.cannot_simulate(&self.offer) {
            return Err(why);
        }
        Ok(())
    }
}

/// Reads and checks the JSON shape of a scenario file (not yet against data).
pub fn read_scenario(path: &Path) -> Result<Scenario, String> {
    crate::util::read_json(path)
}
