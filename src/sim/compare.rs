//! Scenarios side by side against the no-promotion baseline.

use super::response::ResponseTable;
use super::scenario::Scenario;
use super::simulate::{Outcome, simulate};
use crate::util::sigmoid;
use serde::Serialize;

/// What happens with no promotion: expected buyers, revenue and gross profit in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Baseline {
    pub customers: usize,
    pub buyers: f64,
    pub revenue: f64,
    pub gross_profit: f64,
}

pub fn baseline(t: &ResponseTable, margin: f64) -> Baseline {
    let each = |r: std::ops::Range<usize>| {
        r.map(|i| {
            let p = sigmoid(t.mean.base_logit[i] as f64);
            (p, p * t.basket_eur[i] as f64)
        })
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    let add = |a: (f64, f64), b: (f64, f64)| (a.0 + b.0, a.1 + b.1);
    let (buyers, revenue) = super::fold_ranges(t.len(), 1 << 14, each, (0.0, 0.0), add);
    Baseline {
        customers: t.len(),
        buyers,
        revenue,
        gross_profit: revenue * margin,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline: Baseline,
    pub scenarios: Vec<Outcome>,
}

pub fn compare(t: &ResponseTable, scenarios: &[Scenario]) -> Comparison {
    Comparison {
        baseline: baseline(t, t.margin_rate),
        scenarios: scenarios.iter().map(|s| simulate(t, s)).collect(),
    }
}

impl Comparison {
    /// A plain-text table, one row per scenario plus the baseline.
    pub fn to_text(&self) -> String {
        let b = &self.baseline;
        let mut s = format!(
            "no promotion: {} customers, {:.1} expected buyers, revenue {:.0}, gross profit {:.0}\n",
            b.customers, b.buyers, b.revenue, b.gross_profit
        );
        s.push_str(&format!(
            "{:<28} {:>9} {:>10} {:>12} {:>10} {:>12} {:>25} {:>7}\n",
            "scenario",
            "targeted",
            "+buyers",
            "+revenue",
            "spend",
            "+profit",
            "+profit 5-95%",
            "ROI"
        ));
        for o in &self.scenarios {
            let t = &o.totals;
            s.push_str(&format!(
                "{:<28} {:>9} {:>10.1} {:>12.0} {:>10.0} {:>12.0} {:>25} {:>7}\n",
                o.scenario.chars().take(28).collect::<String>(),
                t.targeted,
                t.incremental_buyers,
                t.incremental_revenue,
                t.spend(),
                t.incremental_profit,
                format!(
                    "{:.0} to {:.0}",
                    o.intervals.incremental_profit.p5, o.intervals.incremental_profit.p95
                ),
                o.roi.map_or("-".into(), |r| format!("{r:.2}")),
            ));
        }
        s
    }
}
