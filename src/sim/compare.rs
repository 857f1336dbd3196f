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

/// Scenarios side by side as CSV (the Scenarios screen's comparison chart): name, targeted,
/// incremental buyers, revenue, spend, profit with its 5–95% range, ROI (empty when nothing is
/// spent). Names are quoted where CSV needs it.
pub fn comparison_csv(rows: &[(&str, &Outcome)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "scenario",
        "targeted",
        "incremental_buyers",
        "incremental_revenue",
        "spend",
        "incremental_profit",
        "profit_p5",
        "profit_p95",
        "roi",
    ];
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for (name, o) in rows {
        let t = &o.totals;
        let iv = o.intervals.incremental_profit;
        let _ = w.write_record([
            name.to_string(),
            t.targeted.to_string(),
            format!("{:.3}", t.incremental_buyers),
            format!("{:.2}", t.incremental_revenue),
            format!("{:.2}", t.spend()),
            format!("{:.2}", t.incremental_profit),
            format!("{:.2}", iv.p5),
            format!("{:.2}", iv.p95),
            o.roi.map_or(String::new(), |r| format!("{r:.4}")),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_csv_by_hand() {
        let mut o = Outcome::default();
        o.totals.targeted = 10;
        o.totals.incremental_buyers = 1.5;
        o.totals.incremental_revenue = 120.0;
        o.totals.incremental_profit = 30.0;
        o.intervals.incremental_profit.p5 = -5.0;
        o.intervals.incremental_profit.p95 = 60.25;
        let csv = comparison_csv(&[("20% off, best 30%", &o)]);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some(
                "scenario,targeted,incremental_buyers,incremental_revenue,spend,incremental_profit,profit_p5,profit_p95,roi"
            )
        );
        let spend = format!("{:.2}", o.totals.spend());
        assert_eq!(
            lines.next().unwrap(),
            format!("\"20% off, best 30%\",10,1.500,120.00,{spend},30.00,-5.00,60.25,")
        );
        assert_eq!(lines.next(), None);
    }
}
