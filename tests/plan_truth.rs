//! The optimizer's plan on the bundled sample data, scored with the generator's ground truth
//! (issue 5, item 8).

use promolab::data::{Mapping, load_paths, sample};
use promolab::model::device::{self, DeviceChoice};
use promolab::sim::optimize::{Problem, read_offers, solve};
use promolab::sim::{build, truth};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The truth check and the model's own estimate of the plan's incremental profit.
fn check() -> (truth::TruthCheck, f64) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let tables = load_paths(std::slice::from_ref(&dir), &Mapping::default()).unwrap();
    let dev = device::select(DeviceChoice::Cpu).unwrap();
    let (model, meta) =
        build::train_planning_model(&tables, &dev, &|_| {}, &AtomicBool::new(false)).unwrap();
    let t = build::from_model(&tables, &model, &meta, &dev).unwrap();
    let offers = read_offers(&dir.join("offers.json")).unwrap();
    offers.validate(&t).unwrap();
    let budget = 20_000.0;
    let problem = Problem::build(&t, &offers);
    let sol = solve(&problem, budget);
    assert!(sol.spend <= budget);
    let gt = sample::read_truth(&dir.join("ground_truth.json")).unwrap();
    let c = truth::check_plan(&t, &gt, &offers, &problem, &sol, budget).unwrap();
    let estimate = promolab::sim::optimize::plan_figures(&t, &offers, &sol.choice)
        .1
        .incremental_profit;
    eprintln!("{c:?}, model's estimate {estimate:.0}");
    (c, estimate)
}

/// What holds today: the plan makes a true profit, beats a blanket offer and targeting the
/// customers most likely to buy anyway at the same budget, and the model's own estimate of its
/// profit is within 25% of the truth (the free per-customer response net overstated it 2-3x).
#[test]
fn optimized_plan_beats_blanket_and_propensity_targeting_on_ground_truth() {
    let (c, estimate) = check();
    assert!(c.plan > 0.0, "{c:?}");
    assert!(c.plan > c.blanket, "{c:?}");
    assert!(c.plan > c.by_propensity, "{c:?}");
    assert!(c.oracle >= c.plan, "{c:?}");
    assert!(
        (estimate - c.plan).abs() < 0.25 * c.plan,
        "estimate {estimate} vs true {}",
        c.plan
    );
}

/// The acceptance bar of issue 5: at least 90% of the oracle plan. Not met (about 56%): the
/// oracle knows each customer's hidden segment, which the observable features predict with about
/// 62% accuracy; a plan on the true segment parameters weighted by a supervised segment
/// classifier's posterior reaches about 85% (docs/models.md). Run with `cargo test -- --ignored`.
#[test]
#[ignore = "not met: see the issue 5 note and docs/models.md"]
fn optimized_plan_reaches_90_percent_of_the_oracle() {
    let (c, _) = check();
    assert!(c.plan >= 0.9 * c.oracle, "{c:?}");
}
