//! The optimizer's plan on the bundled sample data, scored with the generator's ground truth
//! (issue 5, item 8).

mod common;
use promolab::data::{Mapping, load_paths, sample};
use promolab::model::device::{self, DeviceChoice};
use promolab::model::evaluate::SegmentElasticity;
use promolab::model::{dataset, pipeline};
use promolab::sim::optimize::{Problem, read_offers, solve};
use promolab::sim::{build, holdout, truth};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// What `check` measures.
struct Checked {
    /// The plan scored with the truth.
    truth: truth::TruthCheck,
    /// The model's own estimate of the plan's incremental profit.
    estimate: f64,
    /// The sample scenario's 5-95% profit interval and its true profit.
    interval: (f64, f64, f64),
    /// How many of nine scenarios' intervals hold their true profit.
    covered: usize,
    /// Price elasticity per fifth of the held-out customers by the model's estimate.
    fifths: Vec<SegmentElasticity>,
    /// The same per RFM segment (the observable segments a marketer targets and prices).
    rfm: Vec<SegmentElasticity>,
    /// The plan checked against the past campaign's held-out customers, and the incremental
    /// buyers the truth expects among the customers that check counts.
    control: holdout::PlanCheck,
    control_truth: f64,
    /// What the preferred channel did in the past campaign.
    channel: Option<holdout::ChannelCheck>,
    /// The plan run as a campaign on the truth and measured on its control group: the measured
    /// extra buyers, the truth's, and the plan's expectation.
    measured: (promolab::plan::measure::Total, f64),
}

fn check() -> Checked {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let tables = load_paths(std::slice::from_ref(&dir), &Mapping::default()).unwrap();
    let dev = device::select(DeviceChoice::Cpu).unwrap();
    let (model, meta, _) = build::train_planning_model(
        &tables,
        &Default::default(),
        DeviceChoice::Cpu,
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
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
    let scenario: promolab::sim::Scenario =
        promolab::util::read_json(&dir.join("scenario.json")).unwrap();
    let oracle = truth::oracle_table(&t, &gt).unwrap();
    let sel = promolab::sim::select::select(&t, &scenario);
    let o = promolab::sim::simulate::outcome_of(&t, &scenario, &sel);
    let true_profit = promolab::sim::simulate::outcome_of(&oracle, &scenario, &sel)
        .totals
        .incremental_profit;
    let iv = o.intervals.incremental_profit;
    eprintln!(
        "scenario: estimate {:.0}, 5-95% {:.0} to {:.0}, true {true_profit:.0}, model check {:?}",
        o.totals.incremental_profit,
        iv.p5,
        iv.p95,
        t.check
            .as_ref()
            .map(|c| (c.uplift.factor, c.uplift.factor_se, c.uplift.scatter))
    );
    assert!(
        o.intervals.model_error_sd > 0.0,
        "the control-group check is in the intervals"
    );
    let control = holdout::check_plan(&t, &offers, &sol.choice).unwrap();
    // What the truth expects those customers to have done in the past campaign, which sent
    // each offer through one of the three channels at random (the preferred one a third of the
    // time; elsewhere the offer works `off_channel_factor` as well).
    let rows = &t.holdout.as_ref().unwrap().rows;
    let by_id = gt.by_id();
    let control_truth: f64 = control
        .offers
        .iter()
        .filter(|c| c.observed.judged)
        .map(|c| {
            let j = offers
                .offers
                .iter()
                .position(|o| o.name == c.offer)
                .unwrap();
            let arm = gt.arms.iter().find(|a| a.label() == c.arm).unwrap();
            let none = gt.arms.iter().find(|a| a.offer_type == "none").unwrap();
            let planned = rows
                .iter()
                .filter(|&&r| sol.choice[r as usize] == Some(j as u8));
            planned
                .map(|&r| {
                    let ct = by_id[t.ids[r as usize].as_str()];
                    let seg = &gt.segments[ct.segment];
                    let sent = (ct.conversion(seg, arm, true)
                        + 2.0 * ct.conversion(seg, arm, false))
                        / 3.0;
                    sent - ct.conversion(seg, none, true)
                })
                .sum::<f64>()
        })
        .sum();
    eprintln!("{}", control.lines().join("\n"));
    eprintln!("true incremental buyers among them: {control_truth:.0}");
    let measured = run_and_measure(&t, &oracle, &offers, &sol);
    let ds = pipeline::build_dataset(&tables, &meta.data_spec).unwrap();
    let test = ds.subset(&dataset::training_split(&ds, meta.train.seed).test);
    let elasticity = pipeline::segment_elasticity(&model, &test, &gt, &dev).unwrap();
    let (fifths, rfm) = (elasticity.by_fifth, elasticity.by_rfm_segment);
    Checked {
        truth: c,
        estimate,
        interval: (iv.p5, iv.p95, true_profit),
        covered: interval_coverage(&t, &oracle),
        fifths,
        rfm,
        control,
        control_truth,
        channel: t.channel_check,
        measured,
    }
}

/// Runs the plan as a campaign on the truth (each customer sent an offer buys with the truth's
/// chance under it, each held back with the chance without; a fixed seed) and measures it with
/// `promolab measure`'s function: the measured extra buyers, the truth's expectation for the
/// customers sent an offer, and the plan's own.
fn run_and_measure(
    t: &promolab::sim::ResponseTable,
    oracle: &promolab::sim::ResponseTable,
    offers: &promolab::sim::optimize::OffersFile,
    sol: &promolab::sim::optimize::Solution,
) -> (promolab::plan::measure::Total, f64) {
    use promolab::plan::measure::{self, PlanGroups, Sent};
    use rand::{Rng, SeedableRng};
    let plan = promolab::plan::plan_of_solution(t, offers, sol, None);
    assert!(!plan.control.is_empty(), "the sample offers hold back 10%");
    let pricers = offers.pricers(oracle);
    let index = common::positions(&t.ids);
    let offer_of = |name: &str| offers.offers.iter().position(|o| o.name == name).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut results = std::collections::HashMap::new();
    let mut true_buyers = 0.0;
    for r in &plan.rows {
        let e = pricers[offer_of(&r.offer)].effect(index[r.customer_id.as_str()]);
        true_buyers += e.p1 - e.p0;
        results.insert(r.customer_id.clone(), (rng.random_bool(e.p1), 0.0));
    }
    for c in &plan.control {
        let e = pricers[offer_of(&c.offer)].effect(index[c.customer_id.as_str()]);
        results.insert(c.customer_id.clone(), (rng.random_bool(e.p0), 0.0));
    }
    let groups = PlanGroups {
        sent: (plan.rows.iter())
            .map(|r| Sent {
                id: r.customer_id.clone(),
                offer: r.offer.clone(),
                expected: [r.expected_uplift, 0.0, 0.0],
            })
            .collect(),
        held_back: (plan.control.iter())
            .map(|c| (c.customer_id.clone(), c.offer.clone()))
            .collect(),
        offers: (offers.offers.iter())
            .map(|o| (o.name.clone(), o.offer.clone(), o.channel.send_cost_eur))
            .collect(),
        margin_rate: None,
    };
    let m = measure::measure(&groups, &results, 0.4);
    eprintln!("{}", m.lines().join("\n"));
    eprintln!("true extra buyers among those sent an offer: {true_buyers:.0}");
    let judged: Vec<&str> = (m.offers.iter())
        .filter(|o| o.buyers.is_some())
        .map(|o| o.offer.as_str())
        .collect();
    // The truth for the judged offers only (the measurement leaves out the others).
    let true_judged: f64 = plan
        .rows
        .iter()
        .filter(|r| judged.contains(&r.offer.as_str()))
        .map(|r| {
            let e = pricers[offer_of(&r.offer)].effect(index[r.customer_id.as_str()]);
            e.p1 - e.p0
        })
        .sum();
    (m.buyers.unwrap(), true_judged)
}

/// What holds today: the plan makes a true profit, beats a blanket offer and targeting the
/// customers most likely to buy anyway at the same budget, and the model's own estimate of its
/// profit is within 25% of the truth (the free per-customer response net overstated it 2-3x);
/// the sample scenario's 5-95% interval covers its true profit.
#[test]
fn optimized_plan_beats_blanket_and_propensity_targeting_on_ground_truth() {
    let Checked {
        truth: c,
        estimate,
        interval: (p5, p95, true_profit),
        covered,
        fifths,
        rfm,
        control,
        control_truth,
        channel,
        measured: (measured, measured_truth),
    } = check();
    // The plan run on the truth and measured on its control group (`promolab measure`): the
    // measured extra buyers hold the truth within 2.5 standard errors (the control group is a
    // random share of the customers the plan's rule chose, so it stands for them).
    assert!(
        (measured.observed - measured_truth).abs() <= 2.5 * measured.standard_error,
        "measured {:.0} ± {:.0}, true {measured_truth:.0} (the plan expected {:.0})",
        measured.observed,
        measured.standard_error,
        measured.expected
    );
    // The generator's offers work 0.6 as well through another channel than the preferred one,
    // and its campaign picked channels at random: the campaign shows it.
    let channel = channel.expect("the sample campaign has channels");
    let se = channel
        .preferred
        .standard_error
        .hypot(channel.other.standard_error);
    assert!(
        channel.preferred.uplift - channel.other.uplift > 2.0 * se,
        "{}",
        channel.line()
    );
    // The check against the past campaign: every offer of the sample's offers file is one of
    // its arms, and what the held-out customers did agrees with what the truth expects of them,
    // within the check's own standard error (a wrong arm or customer would not).
    assert!(control.unchecked.is_empty(), "{control:?}");
    assert!(control.offers.iter().filter(|o| o.observed.judged).count() >= 3);
    assert!(
        (control.observed_buyers - control_truth).abs() <= 2.5 * control.observed_buyers_se,
        "observed {:.0} ± {:.0}, true {control_truth:.0}",
        control.observed_buyers,
        control.observed_buyers_se
    );
    // Elasticity (issue 4): grouped by the model's own estimate, the held-out customers' true
    // price elasticity follows it, fifth by fifth (measured: 3-12% off, true -8.3 down to -1.8).
    assert_eq!(fifths.len(), 5, "{fifths:?}");
    for e in &fifths {
        assert!(e.relative_error < 0.2, "{e:?}");
    }
    for w in fifths.windows(2) {
        assert!(w[0].true_elasticity < w[1].true_elasticity, "{fifths:?}");
    }
    // Per RFM segment, the groups a price is set for (measured on the held-out customers 1-4%
    // off, the dormant 18%: nothing in their year to go on; true -3.9 to -4.7).
    assert_eq!(rfm.len(), 5, "{rfm:?}");
    for e in &rfm {
        assert!(e.relative_error < 0.2, "{e:?}");
    }
    // Nine scenarios: all 9 hold the truth today (7 before the check moved to the preferred
    // channel; a 90% range would hold about 8); fewer than 6
    // means the intervals got narrower than the model's real error.
    assert!(
        covered >= 6,
        "{covered} of 9 intervals hold the true profit"
    );
    // The sample scenario's interval covers what would really happen (it missed the truth
    // before the control-group check was added: 8,582 to 11,880 vs 13,016; with the pooled
    // basket growth and a check on the campaign's mix of channels: 4,732 to 12,021 vs 14,489).
    assert!(
        p5 <= true_profit && true_profit <= p95,
        "5-95% {p5:.0} to {p95:.0}, true {true_profit:.0}"
    );
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
    let c = check().truth;
    assert!(c.plan >= 0.9 * c.oracle, "{c:?}");
}

/// How many of nine scenarios (docs/models.md) have their true profit inside the 5-95% interval.
fn interval_coverage(
    t: &promolab::sim::ResponseTable,
    oracle: &promolab::sim::ResponseTable,
) -> usize {
    use promolab::sim::Offer;
    use promolab::sim::scenario::RankBy;
    let cases = [
        (Offer::PctDiscount { pct: 20.0 }, 0.3, RankBy::Profit),
        (Offer::PctDiscount { pct: 10.0 }, 1.0, RankBy::Profit),
        (Offer::PctDiscount { pct: 30.0 }, 0.2, RankBy::Uplift),
        (Offer::PctDiscount { pct: 5.0 }, 0.5, RankBy::Propensity),
        (
            Offer::Coupon {
                amount: 10.0,
                min_spend: 60.0,
            },
            0.5,
            RankBy::Profit,
        ),
        (Offer::FreeShipping { fee: 6.0 }, 0.3, RankBy::Uplift),
        (
            Offer::Gift {
                threshold: 50.0,
                gift_cost: 12.0,
                perceived_value: 0.7,
            },
            0.4,
            RankBy::Profit,
        ),
        (Offer::PctDiscount { pct: 40.0 }, 1.0, RankBy::Profit),
        (
            Offer::Coupon {
                amount: 20.0,
                min_spend: 150.0,
            },
            0.3,
            RankBy::Profit,
        ),
    ];
    let mut covered = 0;
    for (offer, share, rank) in cases {
        let mut s = promolab::sim::Scenario::new("case", offer);
        s.targeting.top_share = share;
        s.targeting.rank_by = rank;
        let sel = promolab::sim::select::select(t, &s);
        let iv = promolab::sim::simulate::outcome_of(t, &s, &sel)
            .intervals
            .incremental_profit;
        let truth = promolab::sim::simulate::outcome_of(oracle, &s, &sel)
            .totals
            .incremental_profit;
        eprintln!(
            "{}: 5-95% {:.0} to {:.0}, true {truth:.0}",
            s.offer.describe(),
            iv.p5,
            iv.p95
        );
        covered += usize::from(iv.p5 <= truth && truth <= iv.p95);
    }
    covered
}
