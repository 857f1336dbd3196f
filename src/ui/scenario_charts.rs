//! The Scenarios screen's charts: the scenario's figures against its offer's value (with their
//! 5–95% bands), its incremental profit per segment and its uplift by decile, and the saved
//! scenarios side by side.

use super::chart_style::{self, NiceAxes};
use super::glossary;
use crate::sim::Scenario;
use crate::sim::select::UpliftDecile;
use crate::sim::simulate::{self, Outcome, SweepPoint};
use egui_plot::{Bar, BarChart, HLine, Line, Plot, Points, VLine};

/// Why the sweep's curves can jump: the targeted customers are picked again at each value.
fn reranked_note(t: &crate::sim::scenario::Targeting) -> Option<String> {
    use crate::sim::scenario::RankBy;
    if t.top_share >= 1.0 {
        return None;
    }
    let share = format!("{:.0}%", 100.0 * t.top_share);
    Some(match t.rank_by {
        RankBy::Profit => format!(
            "At each value the best {share} by incremental profit are picked again, so who gets the offer changes along the curves: where the offer loses money on everyone, the best are those it changes least (rare buyers), and revenue drops."
        ),
        RankBy::Uplift => format!(
            "At each value the best {share} by uplift are picked again, so who gets the offer changes along the curves."
        ),
        RankBy::Propensity => return None,
    })
}

/// Profit and revenue, conversion and ROI against the offer's value (nothing for an offer
/// without one, such as a plain message), with a line while `stale` curves are recomputed.
pub fn sweep_charts(ui: &mut egui::Ui, sweep: &[SweepPoint], scenario: &Scenario, stale: bool) {
    // Curves against the offer's value (a plain message has none to vary).
    let (label, lo, hi) = scenario.offer.value_range();
    if hi > lo {
        if stale {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Updating the charts against the offer's value…");
            });
        }
        let current = scenario.offer.value();
        let series = |f: &dyn Fn(&SweepPoint) -> f64| -> Vec<[f64; 2]> {
            sweep.iter().map(|p| [p.value, f(p)]).collect()
        };
        // A band over the points where `f` gives an interval.
        let band_of = |name: &str, f: &dyn Fn(&SweepPoint) -> Option<simulate::Interval>, color| {
            let points = sweep.iter().filter_map(|p| Some((p.value, f(p)?)));
            chart_style::band(name, points, color)
        };
        // Both charts over the offer's value.
        let plot = |id: &str| {
            Plot::new(id)
                .allow_scroll(false)
                .height(190.0)
                .legend(chart_style::legend())
                .nice_y()
                .nice_x()
                .x_axis_label(label)
        };
        ui.columns(2, |cols| {
            plot("profit-vs-value")
                .show(&mut cols[0], |p| {
                    p.add(band_of(
                        "incremental revenue",
                        &|p| Some(p.intervals.incremental_revenue),
                        chart_style::REVENUE,
                    ));
                    p.add(band_of(
                        "incremental profit",
                        &|p| Some(p.intervals.incremental_profit),
                        chart_style::PROFIT,
                    ));
                    p.line(chart_style::line(
                        "incremental revenue",
                        series(&|p| p.totals.incremental_revenue),
                        chart_style::REVENUE,
                    ));
                    p.line(chart_style::line(
                        "incremental profit",
                        series(&|p| p.totals.incremental_profit),
                        chart_style::PROFIT,
                    ));
                    p.vline(chart_style::current(current));
                })
                .response
                .on_hover_text(glossary::SWEEP_BANDS);
            plot("conversion-roi")
                .show(&mut cols[1], |p| {
                    p.add(band_of(
                        "conversion of targeted, %",
                        &|p| p.conversion_interval().map(|i| i.times(100.0)),
                        chart_style::CONVERSION,
                    ));
                    // ROI where something is redeemed (a bare message's ROI is only its send cost).
                    let redeemed = |p: &SweepPoint| p.totals.redemption_cost > 0.0;
                    p.add(band_of(
                        "ROI x 100",
                        &|p| {
                            p.roi_interval()
                                .filter(|_| redeemed(p))
                                .map(|i| i.times(100.0))
                        },
                        chart_style::ROI,
                    ));
                    p.line(chart_style::line(
                        "conversion of targeted, %",
                        series(&|p| p.conversion_rate * 100.0),
                        chart_style::CONVERSION,
                    ));
                    let roi: Vec<[f64; 2]> = sweep
                        .iter()
                        .filter(|p| redeemed(p))
                        .filter_map(|p| p.roi.map(|r| [p.value, r * 100.0]))
                        .collect();
                    p.line(chart_style::line("ROI x 100", roi, chart_style::ROI));
                    p.vline(chart_style::current(current));
                })
                .response
                .on_hover_text(glossary::SWEEP_BANDS);
        });
        if let Some(note) = reranked_note(&scenario.targeting) {
            ui.weak(note);
        }
    }
}

/// Incremental profit per segment and uplift by decile (the targeted share `top` marked).
pub fn segment_and_decile_charts(
    ui: &mut egui::Ui,
    o: &Outcome,
    deciles: &[UpliftDecile],
    top: f64,
) {
    let shown: Vec<_> = o.per_segment.iter().filter(|s| s.customers > 0).collect();
    let bars: Vec<Bar> = shown
        .iter()
        .enumerate()
        .map(|(k, s)| Bar::new(k as f64, s.figures.incremental_profit).name(&s.segment))
        .collect();
    let ranges: Vec<simulate::Interval> = shown.iter().map(|s| s.profit_range).collect();
    let names: Vec<String> = shown.iter().map(|s| s.segment.clone()).collect();
    let ink = ui.visuals().strong_text_color();
    ui.columns(2, |cols| {
        cols[0]
            .label("Incremental profit per segment, with its 5-95% range")
            .on_hover_text(format!(
                "{}\n\n{}",
                glossary::INCREMENTAL,
                glossary::INTERVAL
            ));
        Plot::new("segments")
            .nice_y()
            .allow_scroll(false)
            .height(150.0)
            .x_axis_formatter(move |mark, _| {
                let k = mark.value.round();
                if (mark.value - k).abs() < 1e-6 && k >= 0.0 {
                    names.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .show(&mut cols[0], |p| {
                p.bar_chart(BarChart::new("incremental profit", bars));
                for (k, iv) in ranges.iter().enumerate() {
                    error_bar(p, k as f64, iv, ink);
                }
            });
        // No legend (it covered the bars): the heading's line says what is drawn.
        cols[1].horizontal(|ui| {
            ui.label("Uplift by decile")
                .on_hover_text(glossary::SCENARIO_DECILES);
            ui.weak("bars: the model, 5-95%; dots: the truth; line: how far it goes")
                .on_hover_text(glossary::SCENARIO_DECILES);
        });
        let predicted: Vec<Bar> = deciles
            .iter()
            .map(|d| Bar::new(d.decile as f64, d.predicted * 100.0).width(0.7))
            .collect();
        let ranges: Vec<(f64, simulate::Interval)> = deciles
            .iter()
            .map(|d| {
                let r = simulate::Interval {
                    p5: d.range.p5 * 100.0,
                    p95: d.range.p95 * 100.0,
                };
                (d.decile as f64, r)
            })
            .collect();
        let truth: Vec<[f64; 2]> = deciles
            .iter()
            .filter_map(|d| Some([d.decile as f64, d.truth? * 100.0]))
            .collect();
        Plot::new("scenario-deciles")
            .nice_y()
            .numbered_x(1, 10)
            .allow_scroll(false)
            .height(150.0)
            .x_axis_label("decile of eligible customers (1 = first in line)")
            .y_axis_label("uplift, points")
            .show(&mut cols[1], |p| {
                p.bar_chart(BarChart::new("predicted uplift", predicted));
                for (x, r) in &ranges {
                    error_bar(p, *x, r, ink);
                }
                if !truth.is_empty() {
                    p.points(Points::new("true uplift", truth).radius(4.0));
                }
                p.vline(VLine::new("targeted up to here", 0.5 + 10.0 * top));
            });
    });
}

/// Incremental profit of scenarios side by side, each with its 5–95% range, against no
/// promotion (0).
pub fn comparison_chart(ui: &mut egui::Ui, rows: &[(&str, &Outcome)]) {
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(k, (name, o))| {
            Bar::new(k as f64 + 1.0, o.totals.incremental_profit)
                .name(*name)
                .width(0.6)
        })
        .collect();
    // Category labels cut to fit under their bar (about 7 points a letter; a label wider than
    // its bar's room is not drawn at all).
    let room = ui.available_width() / rows.len().max(1) as f32;
    let letters = ((room / 7.5) as usize).clamp(6, 22);
    let names: Vec<String> = rows
        .iter()
        .map(|(name, _)| {
            if name.chars().count() < letters {
                return name.to_string();
            }
            let mut short: String = name.chars().take(letters - 1).collect();
            short.push('…');
            short
        })
        .collect();
    // No legend (it covered a bar whatever its corner): the heading says what is drawn.
    ui.label("Incremental profit side by side (5–95%): bars, with their ranges; 0 is no promotion")
        .on_hover_text(glossary::INTERVAL);
    let whisker = ui.visuals().strong_text_color();
    Plot::new("comparison")
        .nice_y()
        .x_grid_spacer(chart_style::numbered(1, rows.len() as i64))
        .x_axis_formatter(move |mark, _| {
            let k = mark.value.round();
            if (mark.value - k).abs() < 1e-6 && k >= 1.0 {
                names.get(k as usize - 1).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .allow_scroll(false)
        .height(170.0)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("incremental profit", bars).color(chart_style::PROFIT));
            for (k, (_, o)) in rows.iter().enumerate() {
                error_bar(p, k as f64 + 1.0, &o.intervals.incremental_profit, whisker);
            }
            p.hline(HLine::new("no promotion", 0.0).color(egui::Color32::GRAY));
        });
}

/// A 5–95% range as an error bar at `x`: a line from 5% to 95% with a cap at each end (three
/// separate lines: one path that turned back on itself drew slanted, heavy caps).
fn error_bar(p: &mut egui_plot::PlotUi, x: f64, iv: &simulate::Interval, color: egui::Color32) {
    let cap = 0.06;
    for points in [
        vec![[x, iv.p5], [x, iv.p95]],
        vec![[x - cap, iv.p5], [x + cap, iv.p5]],
        vec![[x - cap, iv.p95], [x + cap, iv.p95]],
    ] {
        p.line(Line::new("5–95%", points).color(color).width(1.5));
    }
}
