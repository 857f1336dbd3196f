//! The best price index per segment, on the Scenarios screen for a dynamic-price offer: the
//! search of `promolab price` (`sim::price::optimize_prices`: a grid refined by golden section,
//! the logistic response having no closed-form optimum), run in the background.

use super::glossary;
use super::jobs::{Job, spawn};
use crate::sim::ResponseTable;
use crate::sim::price::{SegmentPrice, optimize_prices, segment_scenario};
use std::sync::Arc;

/// What a search was asked: price index range, stock limit on expected buyers per segment, and
/// margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceQuery {
    pub lo: f64,
    pub hi: f64,
    pub stock: Option<f64>,
    pub margin: f64,
}

pub struct PricePanel {
    pub lo: f64,
    pub hi: f64,
    pub stock: Option<f64>,
    job: Option<(PriceQuery, Job<Vec<SegmentPrice>>)>,
    /// The last search's answer and what it was asked.
    pub result: Option<(PriceQuery, Vec<SegmentPrice>)>,
}

impl Default for PricePanel {
    fn default() -> Self {
        PricePanel {
            lo: 0.7,
            hi: 1.3,
            stock: None,
            job: None,
            result: None,
        }
    }
}

impl PricePanel {
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Takes a finished search's answer.
    pub fn poll(&mut self) {
        if let Some((query, job)) = &self.job {
            let (mut answers, gone) = job.poll();
            if let Some(prices) = answers.pop() {
                self.result = Some((*query, prices));
            }
            if gone {
                self.job = None;
            }
        }
    }

    /// Starts the search on `t` (one at a time).
    pub fn start(&mut self, ctx: egui::Context, t: Arc<ResponseTable>, margin: f64) {
        if self.job.is_some() {
            return;
        }
        let query = PriceQuery {
            lo: self.lo,
            hi: self.hi,
            stock: self.stock,
            margin,
        };
        let job = spawn("prices", ctx, move |send, _| {
            send(optimize_prices(
                &t,
                query.lo,
                query.hi,
                query.margin,
                query.stock,
            ));
        });
        self.job = Some((query, job));
    }

    /// The panel; true when "Compare each at its best price" was pressed.
    pub fn ui(&mut self, ui: &mut egui::Ui, t: &Arc<ResponseTable>, margin: f64) -> bool {
        ui.strong("Best price per segment")
            .on_hover_text(glossary::BEST_PRICE);
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut self.lo)
                    .speed(0.01)
                    .range(0.1..=2.99)
                    .prefix("price index from "),
            );
            self.hi = self.hi.max(self.lo + 0.01);
            ui.add(
                egui::DragValue::new(&mut self.hi)
                    .speed(0.01)
                    .range(0.11..=3.0)
                    .prefix("to "),
            );
            self.lo = self.lo.min(self.hi - 0.01);
            super::offers_edit::optional_limit(
                ui,
                &mut self.stock,
                "stock limit",
                1000.0,
                " buyers",
                "At most this many expected buyers per segment.",
            );
            if ui
                .add_enabled(self.job.is_none(), egui::Button::new("Find best prices"))
                .clicked()
            {
                self.start(ui.ctx().clone(), t.clone(), margin);
            }
            if self.job.is_some() {
                ui.spinner();
            }
        });
        let Some((query, prices)) = &self.result else {
            return false;
        };
        ui.label(format!(
            "Searched price indices {:.2} to {:.2}{}, margin {:.0}% (1 = list price; 0.9 = 10% below it):",
            query.lo,
            query.hi,
            query
                .stock
                .map_or(String::new(), |s| format!(", at most {s:.0} buyers per segment")),
            100.0 * query.margin
        ));
        // A best index outside the past campaign's discounts is the model's extrapolation; the
        // line says what it tried: its discounts, down to its deepest, and no price above list.
        let outside: Vec<&str> = (prices.iter())
            .filter(|p| p.extrapolated)
            .map(|p| p.segment.as_str())
            .collect();
        if !outside.is_empty() {
            let deepest = (t.depth_seen)
                .zip(crate::sim::Offer::DynamicPrice { price_index: 1.0 }.lever())
                .map(|(seen, lever)| seen[lever as usize] as f64);
            let tried = deepest.map_or(String::new(), |d| {
                format!(" (it tried indices from {:.2} to 1.00)", 1.0 - d)
            });
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{}: the best index lies outside what the past campaign tried{tried}, so it is the model's extrapolation, and the range does not include that.",
                    outside.join(", ")
                ),
            );
        }
        egui::Grid::new("best_prices").striped(true).show(ui, |ui| {
            for h in [
                "segment",
                "customers",
                "best index",
                "+profit",
                "5-95%",
                "+revenue",
                "buyers (at list)",
                "price elasticity",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for p in prices {
                ui.label(&p.segment);
                ui.label(p.customers.to_string());
                ui.label(format!("{:.3}", p.best_index));
                ui.label(format!("{:.0}", p.at_best.incremental_profit));
                let r = p.profit_range;
                ui.label(format!("{:.0} to {:.0}", r.p5, r.p95));
                ui.label(format!("{:+.0}", p.at_best.incremental_revenue));
                ui.label(format!(
                    "{:.0} ({:.0})",
                    p.at_best.buyers_with_offer, p.buyers_at_list
                ));
                ui.label(format!("{:.2}", p.elasticity_at_list));
                ui.end_row();
            }
        });
        ui.button("Compare each at its best price")
            .on_hover_text("Saves one scenario per segment at its best price index, to compare them side by side with the others.")
            .clicked()
    }

    /// One scenario per segment of the last search: its best price index, for everyone in that
    /// segment, at the search's margin, with no sending cost (a price is not a message).
    pub fn scenarios(&self, t: &ResponseTable) -> Vec<crate::sim::Scenario> {
        let Some((query, prices)) = &self.result else {
            return Vec::new();
        };
        (prices.iter())
            .map(|p| segment_scenario(t, &p.segment, p.best_index, query.margin))
            .collect()
    }
}
