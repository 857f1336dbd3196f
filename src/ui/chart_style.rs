//! What the charts share: nested axis steps of 1, 2 or 5 times a power of ten, chosen so that
//! labels stand as close as they can without crowding, with the decimals their step needs
//! (egui_plot's default steps by powers of ten, which leaves a 190-point chart with one or two
//! labelled values), and the colours of a figure's line and its 5–95% band.

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

/// How much farther apart than the finest grid lines (egui_plot's `base_step_size`, 8 points)
/// a y axis's labels must be to show (its label spacing starts at 20 points).
const LABEL_OVER_GRID: f64 = 2.5;

/// The grid steps for a smallest sensible step of `base`: the labelled step L, the first of 1, 2,
/// 5 × 10^k at least `LABEL_OVER_GRID` times `base`, with two finer and two coarser steps, each a
/// whole multiple of the one before (so every coarser line is also a finer one and labels never
/// crowd, as 0.4, 0.5, 0.6 do from steps of 0.2 and 0.5): L/10, L/2, L, 5L, 10L, or for L of
/// 5 × 10^k, L/10, L/5, L, 2L, 10L.
pub fn nice_steps(base: f64) -> [f64; 5] {
    let base = if base.is_finite() && base > 0.0 {
        base
    } else {
        1.0
    };
    let want = LABEL_OVER_GRID * base;
    // A tolerance for log10's rounding (100 must give 100, not 200).
    let power = 10f64.powf((want.log10() + 1e-9).floor());
    let (m, power) = [1.0, 2.0, 5.0]
        .into_iter()
        .find(|&m| m * power >= want * (1.0 - 1e-9))
        .map_or((1.0, 10.0 * power), |m| (m, power));
    let l = m * power;
    if m == 5.0 {
        [l / 10.0, l / 5.0, l, 2.0 * l, 10.0 * l]
    } else {
        [l / 10.0, l / 2.0, l, 5.0 * l, 10.0 * l]
    }
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

/// Points one character of an axis label takes, and the room kept between two labels.
const LABEL_CHAR: f64 = 7.0;
const LABEL_GAP: f64 = 16.0;

/// A grid spacer for x axes, whose labels stand side by side: the finest step of 1, 2 or 5 ×
/// 10^k at which the widest label of the range fits between its neighbours, and only that step
/// (egui_plot's default hides x labels closer than 60 points and steps by powers of ten, so a
/// 240-point histogram of revenue was labelled "0" and "1000" only).
pub fn fitted_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(input.base_step_size.is_finite() && input.base_step_size > 0.0 && hi > lo) {
        return Vec::new();
    }
    // egui_plot's base step is the data span of its finest grid spacing, 8 points.
    let points_per_unit = 8.0 / input.base_step_size;
    let mut power = 10f64.powf(input.base_step_size.log10().floor());
    let step = 'found: loop {
        for m in [1.0, 2.0, 5.0] {
            let step = m * power;
            let widest = [lo, hi]
                .iter()
                .map(|&v| {
                    let mark = GridMark {
                        value: (v / step).round() * step,
                        step_size: step,
                    };
                    nice_label(mark, &(lo..=hi)).chars().count()
                })
                .max()
                .unwrap_or(1);
            if step * points_per_unit >= widest as f64 * LABEL_CHAR + LABEL_GAP {
                break 'found step;
            }
        }
        power *= 10.0;
    };
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| GridMark {
            value: k as f64 * step,
            step_size: step,
        })
        .collect()
}

/// A grid spacer for an axis of numbered things (deciles 1 to 10): one line and label at each
/// whole number from `first` to `last` that is in view, and none between or beyond (egui_plot's
/// default labelled only "10" of a decile chart 450 points wide).
pub fn numbered(first: i64, last: i64) -> impl Fn(GridInput) -> Vec<GridMark> {
    move |input| {
        let (lo, hi) = input.bounds;
        let lo = (lo.ceil() as i64).max(first);
        let hi = (hi.floor() as i64).min(last);
        (lo..=hi)
            .map(|k| GridMark {
                value: k as f64,
                step_size: 1.0,
            })
            .collect()
    }
}

/// The charts' axes: `nice_y`, the y axis with `nice_grid` and `nice_label`; `numbered_x`, an x
/// axis of numbered things (`numbered`); `nice_x`, an x axis with `fitted_grid`. Call the x ones
/// before `x_axis_label`, which they would reset.
pub trait NiceAxes {
    fn nice_y(self) -> Self;
    fn numbered_x(self, first: i64, last: i64) -> Self;
    fn nice_x(self) -> Self;
}

impl NiceAxes for egui_plot::Plot<'_> {
    fn nice_y(self) -> Self {
        self.y_grid_spacer(nice_grid).y_axis_formatter(nice_label)
    }

    fn nice_x(self) -> Self {
        // Every mark `fitted_grid` returns is spaced for its label: show them all.
        self.x_grid_spacer(fitted_grid)
            .custom_x_axes(x_axis(1.0..=2.0))
    }

    fn numbered_x(self, first: i64, last: i64) -> Self {
        // Labels of one or two digits need less room than egui_plot's 60 points for x labels.
        self.x_grid_spacer(numbered(first, last))
            .custom_x_axes(x_axis(16.0..=24.0))
    }
}

/// An x axis labelled by `nice_label`, its labels shown where they stand at least `spacing`
/// points apart (fully from the range's end).
fn x_axis(spacing: std::ops::RangeInclusive<f32>) -> Vec<egui_plot::AxisHints<'static>> {
    vec![
        egui_plot::AxisHints::new_x()
            .formatter(nice_label)
            .label_spacing(spacing),
    ]
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
    fn steps_nested_around_the_labelled_one() {
        let close = |got: [f64; 5], want: [f64; 5]| {
            got.iter()
                .zip(want)
                .all(|(g, w)| (g - w).abs() <= 1e-12 * w)
        };
        for (base, want) in [
            (8.5, [5.0, 10.0, 50.0, 100.0, 500.0]),
            (100.0, [50.0, 100.0, 500.0, 1000.0, 5000.0]),
            (0.013, [0.005, 0.01, 0.05, 0.1, 0.5]),
            (8.0, [2.0, 10.0, 20.0, 100.0, 200.0]),
            (0.4, [0.1, 0.5, 1.0, 5.0, 10.0]),
            (0.0, [0.5, 1.0, 5.0, 10.0, 50.0]),
            (f64::NAN, [0.5, 1.0, 5.0, 10.0, 50.0]),
        ] {
            let got = nice_steps(base);
            assert!(close(got, want), "{base}: {got:?}");
            assert!(got.windows(2).all(|w| {
                let r = w[1] / w[0];
                (r - r.round()).abs() < 1e-9
            }));
        }
    }

    #[test]
    fn numbered_axes_mark_each_whole_number_in_view_and_range() {
        let marks = |lo: f64, hi: f64| -> Vec<f64> {
            numbered(1, 10)(GridInput {
                bounds: (lo, hi),
                base_step_size: 0.2,
            })
            .iter()
            .map(|m| m.value)
            .collect()
        };
        assert_eq!(
            marks(0.2, 10.8),
            (1..=10).map(f64::from).collect::<Vec<_>>()
        );
        assert_eq!(marks(2.5, 4.5), vec![3.0, 4.0]);
        assert!(marks(11.0, 12.0).is_empty());
    }

    #[test]
    fn x_steps_leave_room_for_their_labels() {
        // 400 points for 0 to 1: labels "0.1" (3 characters, 37 points) fit 40 points apart.
        let step = |lo: f64, hi: f64, points: f64| {
            let marks = fitted_grid(GridInput {
                bounds: (lo, hi),
                base_step_size: 8.0 * (hi - lo) / points,
            });
            (marks[1].value - marks[0].value, marks.len())
        };
        let (s, n) = step(0.0, 1.0, 400.0);
        assert!((s - 0.1).abs() < 1e-12 && n == 11, "{s} {n}");
        // 240 points for 0 to 1,900: "1500" needs 44 points, 200 is 25 points, 500 is 63.
        let (s, n) = step(0.0, 1900.0, 240.0);
        assert!((s - 500.0).abs() < 1e-9 && n == 4, "{s} {n}");
        // 240 points for 0 to 365: "300" needs 37 points, 50 is 33 points, 100 is 66.
        let (s, _) = step(0.0, 365.0, 240.0);
        assert!((s - 100.0).abs() < 1e-9, "{s}");
        assert!(
            fitted_grid(GridInput {
                bounds: (1.0, 1.0),
                base_step_size: 0.0
            })
            .is_empty()
        );
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
        // Steps 2, 10, 20, 100, 200.
        assert_eq!(at(0.0), Some(200.0));
        assert_eq!(at(50.0), Some(10.0));
        assert_eq!(at(20.0), Some(20.0));
        assert_eq!(at(-10.0), Some(10.0));
        assert_eq!(at(-24.0), Some(2.0));
        assert_eq!(at(-7.0), None);
        assert_eq!(at(-30.0), None);
        assert_eq!(marks.len(), 43); // -24, -22, ..., 60
    }
}
