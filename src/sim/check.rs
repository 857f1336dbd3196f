//! The model checked against the randomized control group: on the held-out customers of the
//! past campaign, the uplift the model predicts is compared with the uplift observed (treated
//! minus control buying rate), per offer and per third of customers by predicted uplift. A
//! factor fitted through the cells says whether the model under- or overstates uplift, and how
//! precisely the control group can tell; the same is fitted for buying without an offer on the
//! held-out control customers. Both errors are included in the scenario intervals (the bootstrap
//! members alone miss a model's systematic bias).

use super::offer::Offer;
use super::response::ResponseTable;
use super::simulate::{Pricer, Pricing};
use crate::model::metrics::Tally;
use serde::Serialize;

/// One offer × group comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckCell {
    pub arm: String,
    /// 1 = the third with the highest predicted uplift.
    pub group: usize,
    pub treated: usize,
    pub control: usize,
    /// Mean predicted uplift over the group's customers.
    pub predicted: f64,
    /// Treated buying rate minus control buying rate.
    pub observed: f64,
    /// Standard error of `observed` (binomial).
    pub standard_error: f64,
}

/// The check's cells and the relative error of predicted uplift they imply.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpliftCheck {
    pub cells: Vec<CheckCell>,
    /// Observed uplift ≈ factor × predicted over `cells` (factor 1 = the model is right on
    /// average; 1.2 = true uplift is 20% larger than predicted).
    pub uplift: Fit,
    /// Customers compared.
    pub customers: usize,
    /// The same check of buying without an offer: held-out control customers in as many groups
    /// by predicted probability as the uplift check (`arm` "no offer", `treated` 0; `observed`
    /// is the buying rate).
    pub baseline_cells: Vec<CheckCell>,
    pub baseline: Fit,
    /// Incremental profit and revenue per offer, where the campaign recorded what its buyers
    /// paid (empty otherwise).
    pub money: Vec<MoneyCell>,
}

/// Observed ≈ factor × predicted over a set of cells, fitted by least squares weighted by 1/se².
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Fit {
    pub factor: f64,
    /// Standard error of `factor` (how precisely the control group pins it down).
    pub factor_se: f64,
    /// Scatter of the cells around factor × predicted beyond sampling noise, relative to the
    /// predictions: sqrt(max(0, Σ[(obs − factor·pred)² − se²]) / Σ pred²).
    pub scatter: f64,
    /// The relative error the intervals use: sqrt((factor − 1)² + factor_se² + scatter²).
    pub relative_sd: f64,
}

/// Fits observed ≈ factor × predicted by least squares weighted by 1/se²; the scatter is what
/// is left beyond sampling noise, relative to the predictions.
pub fn fit(cells: &[CheckCell]) -> Fit {
    let weight = |c: &CheckCell| 1.0 / c.standard_error.powi(2).max(1e-12);
    let sxx: f64 = cells.iter().map(|c| weight(c) * c.predicted.powi(2)).sum();
    let sxy: f64 = cells
        .iter()
        .map(|c| weight(c) * c.predicted * c.observed)
        .sum();
    if cells.is_empty() || sxx <= 0.0 {
        return Fit::default();
    }
    let factor = sxy / sxx;
    let factor_se = 1.0 / sxx.sqrt();
    let excess: f64 = cells
        .iter()
        .map(|c| (c.observed - factor * c.predicted).powi(2) - c.standard_error.powi(2))
        .sum();
    let scale: f64 = cells.iter().map(|c| c.predicted.powi(2)).sum();
    let scatter = (excess.max(0.0) / scale).sqrt();
    Fit {
        factor,
        factor_se,
        scatter,
        relative_sd: ((factor - 1.0).powi(2) + factor_se.powi(2) + scatter.powi(2)).sqrt(),
    }
}

/// Held-out control customers in `groups` equal parts by predicted buying probability `p0`:
/// predicted against observed buying rate.
fn baseline_cells(arm: &[usize], y: &[f32], p0: &[f32], groups: usize) -> Vec<CheckCell> {
    let mut rows: Vec<usize> = (0..arm.len()).filter(|&i| arm[i] == 0).collect();
    rows.sort_by(|&i, &j| p0[j].total_cmp(&p0[i]).then(i.cmp(&j)));
    let n = rows.len();
    (0..groups)
        .filter_map(|g| {
            let part = &rows[g * n / groups..(g + 1) * n / groups];
            if part.len() < MIN_CELL {
                return None;
            }
            let rate = part.iter().map(|&i| y[i] as f64).sum::<f64>() / part.len() as f64;
            Some(CheckCell {
                arm: "no offer".into(),
                group: g + 1,
                treated: 0,
                control: part.len(),
                predicted: part.iter().map(|&i| p0[i] as f64).sum::<f64>() / part.len() as f64,
                observed: rate,
                // At least one buyer's worth, so a group with no buyers is not certain.
                standard_error: (rate.max(1.0 / part.len() as f64) * (1.0 - rate)
                    / part.len() as f64)
                    .sqrt(),
            })
        })
        .collect()
}

/// Cells with fewer treated or control customers than this are left out (too noisy).
pub const MIN_CELL: usize = 30;

/// Compares predicted and observed uplift. `arm[i]` is the offer customer i got (0 = control),
/// `y[i]` whether they bought, `p[a][i]` the model's buying probability under arm `a`.
pub fn uplift_check(
    arm_names: &[String],
    arm: &[usize],
    y: &[f32],
    p: &[Vec<f32>],
    groups: usize,
) -> UpliftCheck {
    let groups = groups.max(1);
    let mut cells = Vec::new();
    for a in 1..p.len().min(arm_names.len()) {
        let mut rows: Vec<usize> = (0..arm.len())
            .filter(|&i| arm[i] == a || arm[i] == 0)
            .collect();
        let uplift = |i: usize| p[a][i] as f64 - p[0][i] as f64;
        rows.sort_by(|&i, &j| uplift(j).total_cmp(&uplift(i)).then(i.cmp(&j)));
        let n = rows.len();
        for g in 0..groups {
            let part = &rows[g * n / groups..(g + 1) * n / groups];
            let t = Tally::of(part, |i| arm[i] == a, y);
            let (nt, nc) = (t.treated, t.control);
            if nt < MIN_CELL || nc < MIN_CELL {
                continue;
            }
            cells.push(CheckCell {
                arm: arm_names[a].clone(),
                group: g + 1,
                treated: nt,
                control: nc,
                predicted: part.iter().map(|&i| uplift(i)).sum::<f64>() / part.len() as f64,
                // Both sides have customers (MIN_CELL each).
                observed: t.uplift().unwrap_or(0.0),
                standard_error: t.uplift_standard_error().unwrap_or(0.0),
            });
        }
    }
    let baseline_cells = p
        .first()
        .map_or_else(Vec::new, |p0| baseline_cells(arm, y, p0, groups));
    UpliftCheck {
        uplift: fit(&cells),
        customers: arm.len(),
        cells,
        baseline: fit(&baseline_cells),
        money: Vec::new(),
        baseline_cells,
    }
}

/// A money figure per customer sent the offer (send cost left out): the model's mean incremental
/// figure next to the treated mean minus the control mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MoneyFigure {
    pub predicted: f64,
    pub observed: f64,
    /// Standard error of `observed` (from the two sides' sample variances).
    pub standard_error: f64,
}

/// How a prediction compares with what the control group observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Within two standard errors of what was observed.
    Agrees,
    /// Above what was observed by more than two standard errors.
    Overstated,
    /// Below it by more than two standard errors.
    Understated,
}

impl Verdict {
    /// The verdict as the CSV export and the screens write it.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Agrees => "agrees",
            Verdict::Overstated => "overstates",
            Verdict::Understated => "understates",
        }
    }
}

impl MoneyFigure {
    pub fn verdict(&self) -> Verdict {
        let gap = self.predicted - self.observed;
        if gap.abs() <= 2.0 * self.standard_error {
            Verdict::Agrees
        } else if gap > 0.0 {
            Verdict::Overstated
        } else {
            Verdict::Understated
        }
    }
}

/// One offer of the past campaign: incremental profit and revenue per customer, predicted and
/// observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoneyCell {
    pub arm: String,
    pub treated: usize,
    pub control: usize,
    pub profit: MoneyFigure,
    pub revenue: MoneyFigure,
}

impl MoneyCell {
    /// The cell in a line, for the command line.
    pub fn line(&self) -> String {
        format!(
            "profit check vs control group, {}: incremental profit per customer predicted {:+.2}, observed {:+.2} ± {:.2}; revenue {:+.2}, observed {:+.2} ± {:.2} ({} treated, {} control)",
            self.arm,
            self.profit.predicted,
            self.profit.observed,
            self.profit.standard_error,
            self.revenue.predicted,
            self.revenue.observed,
            self.revenue.standard_error,
            self.treated,
            self.control
        )
    }
}

/// What one held-out customer brought in the response window: nothing if they did not buy;
/// otherwise the profit it made under the offer they got (`None`: the control group) and the
/// revenue paid, the list-price basket recovered from what was paid.
pub fn observed_money(offer: Option<&Offer>, margin: f64, bought: bool, paid: f64) -> (f64, f64) {
    if !bought {
        return (0.0, 0.0);
    }
    let Some(offer) = offer else {
        return (margin * paid, paid);
    };
    let s = offer.shape();
    // paid = list − cut, cut = cut_share · list · fixed_depth + cut_fixed (the offers a campaign
    // makes have no depth that depends on the basket in the cut).
    let list = (paid + s.cut_fixed) / (1.0 - s.cut_share * s.fixed_depth).max(1e-9);
    (margin * list - (list - paid) - s.other_cost, paid)
}

/// Mean difference of a figure between treated and control, with its standard error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sides {
    n: [usize; 2],
    sum: [f64; 2],
    sq: [f64; 2],
}

impl Sides {
    pub fn add(&mut self, treated: bool, v: f64) {
        let k = usize::from(treated);
        self.n[k] += 1;
        self.sum[k] += v;
        self.sq[k] += v * v;
    }

    /// Whether both sides have at least `MIN_CELL` customers.
    pub fn judged(&self) -> bool {
        self.n[0] >= MIN_CELL && self.n[1] >= MIN_CELL
    }

    pub fn figure(&self, predicted: f64) -> MoneyFigure {
        let mean = |k: usize| self.sum[k] / self.n[k] as f64;
        let var = |k: usize| {
            let n = self.n[k] as f64;
            ((self.sq[k] - n * mean(k).powi(2)) / (n - 1.0)).max(0.0) / n
        };
        MoneyFigure {
            predicted,
            observed: mean(1) - mean(0),
            standard_error: (var(1) + var(0)).sqrt(),
        }
    }
}

/// The model's incremental profit and revenue per customer checked against the past campaign's
/// held-out customers, one cell per offer it made (offers with fewer than `MIN_CELL` customers
/// on either side are left out). `rows` are table rows of held-out customers, `arm[k]` the arm
/// row k got (0 = control, offers as `arm_offers`), `bought[k]` and `paid[k]` what they did.
pub fn money_check(
    t: &ResponseTable,
    arm_names: &[String],
    arm_offers: &[Option<Offer>],
    rows: &[usize],
    arm: &[usize],
    bought: &[bool],
    paid: &[f32],
) -> Vec<MoneyCell> {
    let margin = t.margin_rate;
    let mut out = Vec::new();
    for (a, offer) in arm_offers.iter().enumerate().skip(1) {
        let Some(offer) = offer else { continue };
        let pricing = Pricing {
            offer,
            margin,
            send_cost: 0.0,
            serve: 1.0,
        };
        let pricer = Pricer::new(t, &t.mean, &pricing);
        let (mut profit, mut revenue) = (Sides::default(), Sides::default());
        let (mut predicted_profit, mut predicted_revenue) = (0.0, 0.0);
        for k in (0..rows.len()).filter(|&k| arm[k] == a || arm[k] == 0) {
            let e = pricer.effect(rows[k]);
            predicted_profit += e.incremental_profit;
            predicted_revenue += e.incremental_revenue;
            let treated = arm[k] == a;
            let (p, r) =
                observed_money(treated.then_some(offer), margin, bought[k], paid[k] as f64);
            profit.add(treated, p);
            revenue.add(treated, r);
        }
        if !profit.judged() {
            continue;
        }
        let [control, treated] = profit.n;
        let n = (treated + control) as f64;
        out.push(MoneyCell {
            arm: arm_names[a].clone(),
            treated,
            control,
            profit: profit.figure(predicted_profit / n),
            revenue: revenue.figure(predicted_revenue / n),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_by_hand() {
        let f = |predicted, observed, standard_error| MoneyFigure {
            predicted,
            observed,
            standard_error,
        };
        // The sample plan's 25% off and coupon (docs/models.md).
        assert_eq!(f(5.62, 1.87, 0.68).verdict(), Verdict::Overstated);
        assert_eq!(f(2.26, 2.91, 0.76).verdict(), Verdict::Agrees);
        assert_eq!(f(0.0, 2.0, 0.5).verdict(), Verdict::Understated);
        // Exactly two standard errors apart still agrees.
        assert_eq!(f(1.0, 2.0, 0.5).verdict(), Verdict::Agrees);
    }

    #[test]
    fn check_by_hand() {
        // One offer, one group: 100 treated of whom 30 bought, 100 control of whom 10 bought.
        // Observed uplift 0.2; the model predicts 0.1 for everyone.
        let mut arm = vec![1; 100];
        arm.extend(vec![0; 100]);
        let mut y = vec![0.0; 200];
        y[..30].iter_mut().for_each(|v| *v = 1.0);
        y[100..110].iter_mut().for_each(|v| *v = 1.0);
        let p = vec![vec![0.1f32; 200], vec![0.2f32; 200]];
        let names = vec!["control".to_string(), "offer".to_string()];
        let c = uplift_check(&names, &arm, &y, &p, 1);
        assert_eq!(c.cells.len(), 1);
        let cell = &c.cells[0];
        assert!((cell.observed - 0.2).abs() < 1e-12);
        assert!((cell.predicted - 0.1).abs() < 1e-6);
        let se2: f64 = 0.3 * 0.7 / 100.0 + 0.1 * 0.9 / 100.0;
        assert!((cell.standard_error - se2.sqrt()).abs() < 1e-12);
        // One cell: the factor is observed / predicted = 2, known to ± se / predicted; no
        // scatter is left around it.
        let pred = cell.predicted;
        assert!((c.uplift.factor - 0.2 / pred).abs() < 1e-9);
        assert!((c.uplift.factor_se - se2.sqrt() / pred).abs() < 1e-9);
        assert_eq!(c.uplift.scatter, 0.0);
        let want = ((c.uplift.factor - 1.0).powi(2) + c.uplift.factor_se.powi(2)).sqrt();
        assert!((c.uplift.relative_sd - want).abs() < 1e-12);
        // A model that predicts the observed uplift keeps only the check's own precision.
        let exact = vec![vec![0.1f32; 200], vec![0.3f32; 200]];
        let e = uplift_check(&names, &arm, &y, &exact, 1);
        assert!((e.uplift.factor - 1.0).abs() < 1e-6);
        assert!((e.uplift.relative_sd - e.uplift.factor_se).abs() < 1e-6);
        // Buying without an offer: 100 control customers, 10 bought, 0.1 predicted: factor 1.
        assert_eq!(c.baseline_cells.len(), 1);
        assert!((c.baseline.factor - 1.0).abs() < 1e-6, "{:?}", c.baseline);
        assert!((c.baseline.factor_se - (0.1f64 * 0.9 / 100.0).sqrt() / 0.1).abs() < 1e-5);
        // Groups too small to judge are left out.
        assert!(uplift_check(&names, &arm, &y, &p, 10).cells.is_empty());
    }

    #[test]
    fn observed_money_by_hand() {
        let pct = Offer::PctDiscount { pct: 10.0 };
        // 90 paid at 10% off: a 100 list basket, margin 40 less the 10 given away.
        let (p, r) = observed_money(Some(&pct), 0.4, true, 90.0);
        assert!((p - 30.0).abs() < 1e-9 && r == 90.0, "{p} {r}");
        // 90 paid with 10 off an order of 60 or more: the same basket, the same profit.
        let coupon = Offer::Coupon {
            amount: 10.0,
            min_spend: 60.0,
        };
        let (p, _) = observed_money(Some(&coupon), 0.4, true, 90.0);
        assert!((p - 30.0).abs() < 1e-9, "{p}");
        // A gift costs what it costs, the basket is paid in full.
        let gift = Offer::Gift {
            threshold: 50.0,
            gift_cost: 5.0,
            perceived_value: 1.0,
        };
        let (p, _) = observed_money(Some(&gift), 0.4, true, 100.0);
        assert!((p - 35.0).abs() < 1e-9, "{p}");
        assert_eq!(observed_money(None, 0.4, true, 100.0), (40.0, 100.0));
        assert_eq!(observed_money(Some(&pct), 0.4, false, 0.0), (0.0, 0.0));
    }

    #[test]
    fn money_check_by_hand() {
        // 100 treated with 10% off, 30 of whom paid 90; 100 control, 10 of whom paid 100.
        let t = crate::sim::response::one_segment(
            [vec![], vec![2.0; 200], vec![], vec![]],
            vec![100.0; 200],
        );
        let names = vec!["control".to_string(), "pct_discount 10".to_string()];
        let offers = vec![None, Some(Offer::PctDiscount { pct: 10.0 })];
        let rows: Vec<usize> = (0..200).collect();
        let mut arm = vec![1; 100];
        arm.extend(vec![0; 100]);
        let bought: Vec<bool> = (0..200)
            .map(|k| k < 30 || (100..110).contains(&k))
            .collect();
        let paid: Vec<f32> = (0..200)
            .map(|k| {
                if !bought[k] {
                    0.0
                } else if k < 100 {
                    90.0
                } else {
                    100.0
                }
            })
            .collect();
        let cells = money_check(&t, &names, &offers, &rows, &arm, &bought, &paid);
        assert_eq!(cells.len(), 1);
        let c = &cells[0];
        assert_eq!((c.treated, c.control), (100, 100));
        // Profit: 0.3 × 30 − 0.1 × 40 = 5; revenue 0.3 × 90 − 0.1 × 100 = 17.
        assert!((c.profit.observed - 5.0).abs() < 1e-9, "{:?}", c.profit);
        assert!((c.revenue.observed - 17.0).abs() < 1e-9, "{:?}", c.revenue);
        // Sample variances: treated (30 × 30² − 100 × 9²) / 99, control (10 × 40² − 100 × 4²) / 99.
        let se = ((18900.0 / 99.0 + 14400.0 / 99.0) / 100.0f64).sqrt();
        assert!((c.profit.standard_error - se).abs() < 1e-9);
        // The prediction is the engine's own, the same for every customer here.
        let offer = offers[1].as_ref().unwrap();
        let pricing = Pricing {
            offer,
            margin: 0.4,
            send_cost: 0.0,
            serve: 1.0,
        };
        let e = Pricer::new(&t, &t.mean, &pricing).effect(0);
        assert!((c.profit.predicted - e.incremental_profit).abs() < 1e-9);
        assert!((c.revenue.predicted - e.incremental_revenue).abs() < 1e-9);
        assert!(e.incremental_revenue > 0.0);
        // Too few customers on a side: no cell.
        assert!(money_check(&t, &names, &offers, &rows[..120], &arm, &bought, &paid).is_empty());
    }
}
