//! What the charts share: axis steps of 1, 2 and 5 times a power of ten (egui_plot's default
//! steps by powers of ten, which leaves a 190-point chart with one or two labelled values), and
//! the colours of a figure's line and its 5–95% band.

use crate::sim::simulate::Interval;
use egui::Color32;
use egui_plot::{
    ColorConflictHandling, FilledArea, GridInput, GridMark, Legend, Line, PlotPoints, VLine,
};

pub const PROFIT: Color32 = Color32::from_rgb(205, 70, 60);
pub const REVENUE: Color32 = Color32::from_rgb(50, 115, 200);
pub const CONVERSION: Color32 = Color32::from_rgb(215, 140, 30);
pub const ROI: Color32 = Color32::from_rgb(130, 80, 180);
pub const CURRENT: Color32 = Color32::from_rgb(60, 160, 60);

/// The grid steps for a smallest sensible step of `base`: the first three of 1, 2, 5 × 10^k
/// at or above it (the middle and coarse ones are far enough apart to carry labels).
pub fn nice_steps(base: f64) -> [f64; 3] {
    if !(base.is_finite() && base > 0.0) {
        return [1.0, 2.0, 5.0];
    }
    let mut power = 10f64.powf(base.log10().floor());
    let mut steps = Vec::with_capacity(3);
    while steps.len() < 3 {
        for m in [1.0, 2.0, 5.0] {
            let s = m * power;
            // A tolerance for log10's rounding (base 100 must give 100, not 200).
            if s >= base * (1.0 - 1e-9) && steps.len() < 3 {
                steps.push(s);
            }
        }
        power *= 10.0;
    }
    [steps[0], steps[1], steps[2]]
}

/// A grid spacer for `Plot::x_grid_spacer` / `y_grid_spacer` with `nice_steps`.
pub fn nice_grid(input: GridInput) -> Vec<GridMark> {
    let steps = nice_steps(input.base_step_size);
    let (lo, hi) = input.bounds;
    let mut marks: Vec<GridMark> = Vec::new();
    for &step in steps.iter().rev() {
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        if last - first > 1000 {
            continue;
        }
        for k in first..=last {
            let value = k as f64 * step;
            // Each value once, with its coarsest step (which decides the line's weight).
            if !marks.iter().any(|m| (m.value - value).abs() < step * 1e-6) {
                marks.push(GridMark {
                    value,
                    step_size: step,
                });
            }
        }
    }
    marks
}

/// An axis label for a `nice_grid` mark, with as many decimals as its step needs (egui_plot's
/// default rounds the decimals of the step's logarithm, made for steps of powers of ten: it
/// labels 0.05 and 0.15 as "0.1" and "0.2").
pub fn nice_label(mark: GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    let decimals = if mark.step_size > 0.0 && mark.step_size.is_finite() {
        (-mark.step_size.log10() - 1e-9).ceil().max(0.0) as usize
    } else {
        0
    };
    // (+ 0.0 turns a negative zero into a plain one.)
    format!("{:.*}", decimals, mark.value + 0.0)
}

/// A figure's line in `color`.
pub fn line(name: &str, points: Vec<[f64; 2]>, color: Color32) -> Line<'static> {
    Line::new(name, PlotPoints::from(points)).color(color)
}

/// The marker of the slider's value.
pub fn current(x: f64) -> VLine {
    VLine::new("current", x).color(CURRENT)
}

/// A legend in which a band named like its line shares the line's entry (and colour), so that
/// one click hides both.
pub fn legend() -> Legend {
    Legend::default().color_conflict_handling(ColorConflictHandling::PickLast)
}

/// The figure's 5–95% band over `points` (x and the range there): the line's colour, mostly
/// transparent. Name it like the figure's line and add it before the line, so that the line is
/// drawn over it and gives the shared legend entry its colour.
pub fn band(
    name: &str,
    points: impl Iterator<Item = (f64, Interval)>,
    color: Color32,
) -> FilledArea {
    let (mut xs, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
    for (x, range) in points {
        xs.push(x);
        lo.push(range.p5);
        hi.push(range.p95);
    }
    let [r, g, b, _] = color.to_array();
    FilledArea::new(name, &xs, &lo, &hi).fill_color(Color32::from_rgba_unmultiplied(r, g, b, 56))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_of_one_two_five() {
        assert_eq!(nice_steps(8.5), [10.0, 20.0, 50.0]);
        assert_eq!(nice_steps(100.0), [100.0, 200.0, 500.0]);
        assert_eq!(nice_steps(3.0), [5.0, 10.0, 20.0]);
        assert_eq!(nice_steps(0.013), [0.02, 0.05, 0.1]);
        assert_eq!(nice_steps(1500.0), [2000.0, 5000.0, 10000.0]);
        assert_eq!(nice_steps(0.0), [1.0, 2.0, 5.0]);
        assert_eq!(nice_steps(f64::NAN), [1.0, 2.0, 5.0]);
    }

    #[test]
    fn labels_carry_the_decimals_of_their_step() {
        let label =
            |value: f64, step_size: f64| nice_label(GridMark { value, step_size }, &(0.0..=1.0));
        assert_eq!(label(0.05, 0.05), "0.05");
        assert_eq!(label(0.15, 0.05), "0.15");
        assert_eq!(label(0.2, 0.2), "0.2");
        assert_eq!(label(0.1, 0.1), "0.1");
        assert_eq!(label(0.5, 0.5), "0.5");
        assert_eq!(label(20.0, 10.0), "20");
        assert_eq!(label(1500.0, 500.0), "1500");
        assert_eq!(label(-0.0, 1.0), "0");
        assert_eq!(label(0.04, 0.02), "0.04");
    }

    #[test]
    fn each_mark_once_with_its_coarsest_step() {
        let marks = nice_grid(GridInput {
            bounds: (-25.0, 60.0),
            base_step_size: 8.0,
        });
        let at = |v: f64| marks.iter().find(|m| m.value == v).map(|m| m.step_size);
        assert_eq!(at(0.0), Some(50.0));
        assert_eq!(at(50.0), Some(50.0));
        assert_eq!(at(20.0), Some(20.0));
        assert_eq!(at(-10.0), Some(10.0));
        assert_eq!(at(-30.0), None);
        assert_eq!(marks.len(), 9); // -20, -10, 0, 10, ..., 60
    }
}
