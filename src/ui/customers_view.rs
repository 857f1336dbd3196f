//! The Customers tab: segment overview (sizes, revenue share, RFM histograms), a segment editor
//! with filters on profile features, one customer's profile, and the feature summary.

use super::chart_style::NiceAxes;
use super::filter_edit;
use super::glossary;
use super::jobs::Loaded;
use crate::data::features::Profiles;
use crate::plan::export::Plan;
use crate::sim::ResponseTable;
use crate::sim::scenario::{Filter, Scenario};
use crate::sim::segments::{self, CustomSegment, RFM_NAMES, SegmentStats};
use crate::sim::simulate;
use egui_plot::{Bar, BarChart, Legend, Plot};

#[derive(Default, PartialEq, Clone, Copy)]
pub enum Pane {
    #[default]
    Segments,
    Customer,
    Features,
}

/// What the Customers tab asks the app to do.
pub enum CustomersAction {
    /// Restrict the current scenario to these conditions and show the Scenarios tab.
    Target(Vec<Filter>),
}

/// One row of the segment overview.
struct SegmentRow {
    name: String,
    custom: bool,
    stats: SegmentStats,
    member: Vec<bool>,
}

/// Segment rows and histograms, recomputed only when the data or the segments change.
struct Overview {
    key: (usize, usize, Vec<CustomSegment>),
    rows: Vec<SegmentRow>,
    error: Option<String>,
    /// Per `HISTOGRAMS` feature: the clip value and everyone's shares (None: no such feature).
    hist: Vec<Option<(f64, Shares)>>,
    /// The selected segment's shares per feature, for `selected_for`.
    selected_hist: Vec<Vec<(f64, f64)>>,
    selected_for: Option<usize>,
}

const BINS: usize = 24;

/// (bin start, share of customers) per histogram bin.
type Shares = Vec<(f64, f64)>;

#[derive(Default)]
pub struct CustomersView {
    pub pane: Pane,
    /// Custom segments (kept in the project file).
    pub segments: Vec<CustomSegment>,
    /// The segment whose histograms are overlaid (index into the overview rows).
    pub selected: Option<usize>,
    pub query: String,
    overview: Option<Overview>,
    /// The shown customer's percentile per feature, keyed by (profiles, customer).
    percentiles: Option<((usize, usize), Vec<f64>)>,
    /// The last id looked up and where it is, keyed by (profiles, query).
    lookup: Option<((usize, String), Option<usize>)>,
}

/// The RFM histograms: feature, x-axis label, tooltip.
const HISTOGRAMS: [(&str, &str, &str); 3] = [
    (
        "recency_days",
        "days since last purchase",
        glossary::RECENCY,
    ),
    ("frequency_365d", "orders in 365 days", glossary::FREQUENCY),
    ("monetary_365d", "revenue in 365 days", glossary::MONETARY),
];

fn fmt_opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("—".into(), |v| format!("{v:.digits$}"))
}

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// What the Scenarios and Plan screens know about the customers: the planning model's table,
/// the generator's truth in the same shape (sample data), the scenario being edited and the
/// optimized plan.
#[derive(Clone, Copy)]
pub struct Planning<'a> {
    pub table: Option<&'a ResponseTable>,
    pub oracle: Option<&'a ResponseTable>,
    pub scenario: &'a Scenario,
    pub plan: Option<&'a Plan>,
}

impl CustomersView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        loaded: Option<&Loaded>,
        planning: Planning,
    ) -> Option<CustomersAction> {
        ui.heading("Customers");
        let Some(loaded) = loaded else {
            ui.label("Load data on the Data tab first.");
            return None;
        };
        let p = match &loaded.profiles {
            Ok(p) => p,
            Err(e) => {
                ui.label(format!("No profiles: {e}"));
                return None;
            }
        };
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} customers × {} features",
                p.n_rows(),
                p.names.len()
            ));
            ui.separator();
            for (pane, label) in [
                (Pane::Segments, "Segments"),
                (Pane::Customer, "One customer"),
                (Pane::Features, "Feature summary"),
            ] {
                ui.selectable_value(&mut self.pane, pane, label);
            }
        });
        ui.separator();
        match self.pane {
            Pane::Segments => return self.segments_pane(ui, loaded, p),
            Pane::Customer => self.customer_pane(ui, loaded, p, planning),
            Pane::Features => features_pane(ui, loaded),
        }
        None
    }

    fn refresh(&mut self, loaded: &Loaded, p: &Profiles) {
        let key = (
            p as *const Profiles as usize,
            p.n_rows(),
            self.segments.clone(),
        );
        if self.overview.as_ref().is_some_and(|o| o.key == key) {
            return;
        }
        let mut rows = Vec::new();
        let all = vec![true; p.n_rows()];
        rows.push(SegmentRow {
            name: "all customers".into(),
            custom: false,
            stats: segments::stats(p, &all),
            member: all,
        });
        if let Some(rfm) = &loaded.rfm {
            for (k, name) in RFM_NAMES.iter().enumerate() {
                let member: Vec<bool> = rfm.iter().map(|&s| s as usize == k).collect();
                let stats = segments::stats(p, &member);
                // An empty RFM segment says nothing; it is left out, not shown as zeros.
                if stats.customers > 0 {
                    rows.push(SegmentRow {
                        name: format!("RFM: {name}"),
                        custom: false,
                        stats,
                        member,
                    });
                }
            }
        }
        let mut error = None;
        for s in &self.segments {
            match segments::members(p, &s.filters) {
                Ok(member) => rows.push(SegmentRow {
                    name: s.name.clone(),
                    custom: true,
                    stats: segments::stats(p, &member),
                    member,
                }),
                Err(e) => error = Some(format!("segment '{}': {e}", s.name)),
            }
        }
        let hist = HISTOGRAMS
            .iter()
            .map(|(feature, _, _)| {
                let v = p.column(feature)?;
                let hi = segments::upper_clip(v);
                Some((hi, segments::histogram_shares(v, None, hi, BINS)))
            })
            .collect();
        self.overview = Some(Overview {
            key,
            rows,
            error,
            hist,
            selected_hist: Vec::new(),
            selected_for: None,
        });
    }

    /// The selected segment's histograms, computed when the selection changes.
    fn refresh_selected(&mut self, p: &Profiles) {
        let Some(o) = &mut self.overview else { return };
        if o.selected_for == self.selected && !o.selected_hist.is_empty() {
            return;
        }
        let member = self
            .selected
            .and_then(|k| o.rows.get(k))
            .filter(|r| r.stats.customers > 0 && r.stats.customers < p.n_rows())
            .map(|r| r.member.as_slice());
        o.selected_hist = HISTOGRAMS
            .iter()
            .zip(&o.hist)
            .map(
                |((feature, _, _), h)| match (member, h, p.column(feature)) {
                    (Some(m), Some((hi, _)), Some(v)) => {
                        segments::histogram_shares(v, Some(m), *hi, BINS)
                    }
                    _ => Vec::new(),
                },
            )
            .collect();
        o.selected_for = self.selected;
    }

    fn segments_pane(
        &mut self,
        ui: &mut egui::Ui,
        loaded: &Loaded,
        p: &Profiles,
    ) -> Option<CustomersAction> {
        self.refresh(loaded, p);
        self.refresh_selected(p);
        let mut action = None;
        egui::Panel::right("segment_editor")
            .default_size(380.0)
            .show(ui, |ui| action = self.editor(ui, p));
        let Some(o) = &self.overview else {
            return action;
        };
        if let Some(e) = &o.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("segments")
                .striped(true)
                .num_columns(7)
                .show(ui, |ui| {
                    for (h, tip) in [
                        (
                            "segment",
                            "Click a segment to compare its histograms with everyone's",
                        ),
                        ("customers", glossary::SEGMENT_SIZE),
                        ("share", glossary::SEGMENT_SIZE),
                        ("revenue share", glossary::REVENUE_SHARE),
                        ("mean recency", glossary::RECENCY),
                        ("mean frequency", glossary::FREQUENCY),
                        ("mean revenue", glossary::MONETARY),
                    ] {
                        glossary::header(ui, h, tip);
                    }
                    ui.end_row();
                    for (k, r) in o.rows.iter().enumerate() {
                        let label = if r.custom {
                            format!("{} (custom)", r.name)
                        } else {
                            r.name.clone()
                        };
                        if ui
                            .selectable_label(self.selected == Some(k), label)
                            .clicked()
                        {
                            self.selected = Some(k);
                        }
                        let s = &r.stats;
                        ui.label(s.customers.to_string());
                        ui.label(percent(s.share));
                        ui.label(s.revenue_share.map_or("—".into(), percent));
                        ui.label(fmt_opt(s.mean_recency_days, 0));
                        ui.label(fmt_opt(s.mean_frequency, 1));
                        ui.label(fmt_opt(s.mean_monetary, 0));
                        ui.end_row();
                    }
                });
            let chosen = self
                .selected
                .and_then(|k| o.rows.get(k))
                .map(|r| r.name.as_str());
            ui.add_space(8.0);
            ui.columns(HISTOGRAMS.len(), |cols| {
                for (j, (col, (feature, axis, tip))) in cols.iter_mut().zip(HISTOGRAMS).enumerate()
                {
                    let Some((hi, all)) = &o.hist[j] else {
                        col.weak(format!("no {feature} in these data"));
                        continue;
                    };
                    col.label(axis).on_hover_text(tip);
                    let mine = o.selected_hist.get(j).filter(|h| !h.is_empty());
                    histogram_plot(col, feature, axis, *hi, all, chosen.zip(mine));
                }
            });
        });
        action
    }

    /// The list of custom segments and the selected one's conditions.
    fn editor(&mut self, ui: &mut egui::Ui, p: &Profiles) -> Option<CustomersAction> {
        let mut action = None;
        ui.strong("Custom segments");
        ui.weak("A segment is every customer who meets all its conditions.");
        if ui.button("New segment").clicked() {
            self.segments.push(CustomSegment {
                name: format!("segment {}", self.segments.len() + 1),
                filters: vec![Filter {
                    feature: if p.column("recency_days").is_some() {
                        "recency_days".into()
                    } else {
                        p.names.first().cloned().unwrap_or_default()
                    },
                    op: crate::sim::scenario::Op::Le,
                    value: 90.0,
                }],
            });
            // Select the new segment's row (it comes last in the overview).
            self.selected = None;
        }
        let mut delete = None;
        for (k, s) in self.segments.iter_mut().enumerate() {
            ui.separator();
            ui.horizontal(|ui| {
                ui.label("name");
                ui.text_edit_singleline(&mut s.name);
            });
            filter_edit::edit(ui, &format!("segment-{k}"), &mut s.filters, &p.names);
            ui.horizontal(|ui| {
                if ui
                    .button("Target in Scenarios")
                    .on_hover_text("Restrict the current scenario to this segment's customers")
                    .clicked()
                {
                    action = Some(CustomersAction::Target(s.filters.clone()));
                }
                if ui.button("Delete").clicked() {
                    delete = Some(k);
                }
            });
        }
        if let Some(k) = delete {
            self.segments.remove(k);
            self.selected = None;
        }
        action
    }

    fn customer_pane(
        &mut self,
        ui: &mut egui::Ui,
        loaded: &Loaded,
        p: &Profiles,
        planning: Planning,
    ) {
        let Planning {
            table,
            oracle,
            scenario,
            plan,
        } = planning;
        ui.horizontal(|ui| {
            ui.label("Customer id");
            let hint = p
                .customer_ids
                .first()
                .map_or(String::new(), |id| format!("e.g. {id}"));
            ui.add(egui::TextEdit::singleline(&mut self.query).hint_text(hint));
        });
        let q = self.query.trim();
        // The lookup is a pass over every id: only when the query changes.
        let key = (p as *const Profiles as usize, q.to_string());
        if self.lookup.as_ref().is_none_or(|(k, _)| *k != key) {
            let found = p.customer_ids.iter().position(|id| id == q);
            self.lookup = Some((key, found));
        }
        let exact = self.lookup.as_ref().and_then(|(_, i)| *i);
        let Some(i) = exact else {
            if q.is_empty() {
                ui.label("Type a customer id, or pick one:");
            } else {
                ui.label("No customer with this id; ids that contain it:");
            }
            let mut pick = None;
            ui.horizontal_wrapped(|ui| {
                for id in p.customer_ids.iter().filter(|id| id.contains(q)).take(40) {
                    if ui.small_button(id).clicked() {
                        pick = Some(id.clone());
                    }
                }
            });
            if let Some(id) = pick {
                self.query = id;
            }
            return;
        };
        if let Some(rfm) = &loaded.rfm {
            ui.label(format!("RFM segment: {}", RFM_NAMES[rfm[i] as usize]));
        }
        let in_custom: Vec<&str> = match &self.overview {
            // The overview already knows every custom segment's members.
            Some(o) if o.key.2 == self.segments => o
                .rows
                .iter()
                .filter(|r| r.custom && r.member[i])
                .map(|r| r.name.as_str())
                .collect(),
            _ => self
                .segments
                .iter()
                .filter(|s| segments::members(p, &s.filters).is_ok_and(|m| m[i]))
                .map(|s| s.name.as_str())
                .collect(),
        };
        if !in_custom.is_empty() {
            ui.label(format!("In custom segments: {}", in_custom.join(", ")));
        }
        if let Some(t) = table
            && let Some(j) = t.ids.iter().position(|id| id == &p.customer_ids[i])
        {
            let pricing = simulate::pricing(t, scenario);
            let e = simulate::effect(t, &t.mean, j, &pricing);
            // How far the bootstrap members disagree about this one customer.
            let spread = member_spread(t.members.iter().map(|m| {
                let e = simulate::effect(t, m, j, &pricing);
                (e.p1 - e.p0, e.incremental_profit)
            }));
            // The generator's truth for this customer (sample data), in the same rows.
            let truth = oracle
                .filter(|o| o.ids.get(j) == t.ids.get(j))
                .map(|o| simulate::effect(o, &o.mean, j, &pricing));
            egui::Grid::new("customer_response")
                .num_columns(2)
                .show(ui, |ui| {
                    glossary::row(
                        ui,
                        "chance to buy without an offer",
                        percent(e.p0),
                        "The model's estimate for the response window if nothing is sent.",
                    );
                    glossary::row(
                        ui,
                        &format!("with \"{}\"", scenario.offer.describe()),
                        percent(e.p1),
                        "The same with the current scenario's offer.",
                    );
                    let (uplift_range, profit_range) = spread.map_or_else(
                        || (String::new(), String::new()),
                        |Spread {
                             members,
                             uplift: u,
                             profit: p,
                         }| {
                            let among = |lo: String, hi: String| {
                                format!(" (its {members} bootstrap models: {lo} to {hi})")
                            };
                            (
                                among(
                                    format!("{:+.1}", 100.0 * u.0),
                                    format!("{:+.1}", 100.0 * u.1),
                                ),
                                among(format!("{:.2}", p.0), format!("{:.2}", p.1)),
                            )
                        },
                    );
                    glossary::row(
                        ui,
                        "uplift",
                        format!("{:+.1} points{uplift_range}", 100.0 * (e.p1 - e.p0)),
                        &format!("{}\n\n{}", glossary::UPLIFT, glossary::CUSTOMER_SPREAD),
                    );
                    glossary::row(
                        ui,
                        "expected incremental profit",
                        format!("{:.2}{profit_range}", e.incremental_profit),
                        &format!(
                            "{}\n\n{}",
                            glossary::EXPECTED_PROFIT,
                            glossary::CUSTOMER_SPREAD
                        ),
                    );
                    if let Some(truth) = &truth {
                        glossary::row(
                            ui,
                            "true (sample generator)",
                            format!(
                                "uplift {:+.1} points, incremental profit {:.2}",
                                100.0 * (truth.p1 - truth.p0),
                                truth.incremental_profit
                            ),
                            "What the sample data's generator knows about this customer: the same figures from the true response, to check the model's estimate against.",
                        );
                    }
                });
        } else {
            ui.weak("Train a planning model on the Scenarios tab to see this customer's predicted response.");
        }
        if let Some(plan) = plan {
            ui.label(plan_line(plan, &p.customer_ids[i]));
        }
        ui.separator();
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("customer_profile")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    glossary::header(ui, "feature", "");
                    glossary::header(ui, "value", "");
                    glossary::header(ui, "median of everyone", "");
                    glossary::header(
                        ui,
                        "percentile",
                        "Where this customer stands among all customers: 50% is typical, 90% means higher than nine in ten (ties count half).",
                    );
                    ui.end_row();
                    // Percentiles take a pass over every customer per feature: once per customer.
                    let key = (p as *const Profiles as usize, i);
                    if self.percentiles.as_ref().is_none_or(|(k, _)| *k != key) {
                        self.percentiles = Some((key, percentiles(p, i)));
                    }
                    let ranks = self.percentiles.as_ref().map(|(_, r)| r.as_slice()).unwrap_or(&[]);
                    for (j, ((name, col), (_, summary))) in p
                        .names
                        .iter()
                        .zip(&p.columns)
                        .zip(&loaded.feature_summary)
                        .enumerate()
                    {
                        ui.label(name);
                        ui.label(format!("{:.2}", col[i]));
                        ui.label(format!("{:.2}", summary[2]));
                        ui.label(ranks.get(j).map_or("—".into(), |&r| percent(r)));
                        ui.end_row();
                    }
                });
        });
    }
}

/// How far the bootstrap members disagree about one customer: how many there are, and the
/// lowest and highest uplift and incremental profit among them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    members: usize,
    uplift: (f64, f64),
    profit: (f64, f64),
}

/// The spread of the members' (uplift, profit); None without at least two members.
fn member_spread(each: impl Iterator<Item = (f64, f64)>) -> Option<Spread> {
    let all: Vec<(f64, f64)> = each.collect();
    let range = |f: fn(&(f64, f64)) -> f64| {
        let lo = all.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = all.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    (all.len() >= 2).then(|| Spread {
        members: all.len(),
        uplift: range(|x| x.0),
        profit: range(|x| x.1),
    })
}

/// Customer `i`'s mid-rank percentile for each feature: the share of customers with a lower
/// value, ties counting half.
fn percentiles(p: &Profiles, i: usize) -> Vec<f64> {
    p.columns
        .iter()
        .map(|col| {
            let x = col[i];
            let below = col.iter().filter(|&&v| v < x).count();
            let equal = col.iter().filter(|&&v| v == x).count();
            (below as f64 + equal as f64 / 2.0) / col.len().max(1) as f64
        })
        .collect()
}

/// Everyone's histogram (clipped at the 99th percentile so a few big spenders do not flatten
/// it), with an optional segment's own beside it, both as shares of their customers.
fn histogram_plot(
    ui: &mut egui::Ui,
    feature: &str,
    axis: &str,
    hi: f64,
    all: &[(f64, f64)],
    segment: Option<(&str, &Vec<(f64, f64)>)>,
) {
    let width = hi / BINS as f64;
    let bars = |shares: &[(f64, f64)], offset: f64| -> Vec<Bar> {
        shares
            .iter()
            .map(|&(x, share)| Bar::new(x + width * (0.5 + offset), share).width(width * 0.45))
            .collect()
    };
    Plot::new(format!("hist-{feature}"))
        .nice_y()
        .nice_x()
        .allow_scroll(false)
        .height(240.0)
        .legend(Legend::default())
        .x_axis_label(axis)
        .y_axis_label("share of customers")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("everyone", bars(all, -0.25)));
            if let Some((name, mine)) = segment {
                plot.bar_chart(BarChart::new(name, bars(mine, 0.25)));
            }
        });
}

/// What the optimized plan does with customer `id`, in a line.
fn plan_line(plan: &Plan, id: &str) -> String {
    if plan.pseudonymized {
        return "In the plan: its customer ids are pseudonymized, so this customer cannot be looked up (clear the salt on the Plan screen).".into();
    }
    match plan.rows.iter().find(|r| r.customer_id == id) {
        Some(r) => {
            let when = if r.send_time.is_empty() {
                String::new()
            } else {
                format!(" on {}", r.send_time)
            };
            format!(
                "In the plan: {} through {}{when} (expected uplift {:+.1} points, incremental profit {:.2}).",
                r.offer,
                r.channel,
                100.0 * r.expected_uplift,
                r.expected_incremental_profit
            )
        }
        None => "Not in the plan: no offer for this customer.".into(),
    }
}

fn features_pane(ui: &mut egui::Ui, loaded: &Loaded) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("feature_summary")
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                for h in ["feature", "mean", "min", "median", "max"] {
                    ui.strong(h);
                }
                ui.end_row();
                for (name, [mean, min, median, max]) in &loaded.feature_summary {
                    ui.label(name);
                    for x in [mean, min, median, max] {
                        ui.label(format!("{x:.3}"));
                    }
                    ui.end_row();
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_spread_by_hand() {
        let three = [(0.02, 1.5), (-0.01, -0.25), (0.05, 3.0)];
        assert_eq!(
            member_spread(three.into_iter()),
            Some(Spread {
                members: 3,
                uplift: (-0.01, 0.05),
                profit: (-0.25, 3.0)
            })
        );
        // One member (or none) has no spread to show.
        assert_eq!(member_spread([(0.02, 1.5)].into_iter()), None);
        assert_eq!(member_spread(std::iter::empty()), None);
    }
}
