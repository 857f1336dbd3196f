//! Speed of re-simulating a scenario and of the optimizer, for `promolab bench` and
//! docs/benchmarks.md.

use super::offer::Offer;
use super::optimize::{Problem, solve};
use super::response::{Class, Classes, Member, ResponseTable};
use super::scenario::Scenario;
use super::simulate::simulate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::Instant;

/// A random response table of `n` customers in 5 segments (all four levers learned).
pub fn random_table(n: usize, members: usize, seed: u64) -> ResponseTable {
    let mut rng = StdRng::seed_from_u64(seed);
    let member = |rng: &mut StdRng| Member {
        base_logit: (0..n).map(|_| rng.random_range(-5.0..0.0)).collect(),
        contact: (0..n).map(|_| rng.random_range(-0.5..0.5)).collect(),
        sensitivity: std::array::from_fn(|_| (0..n).map(|_| rng.random_range(0.0..15.0)).collect()),
        classes: Classes::default(),
    };
    let mean = member(&mut rng);
    let members = (0..members).map(|_| member(&mut rng)).collect();
    ResponseTable {
        ids: (0..n).map(|i| format!("C{i:07}")).collect(),
        segment: (0..n).map(|i| (i % 5) as u16).collect(),
        segment_names: (0..5).map(|s| format!("segment {s}")).collect(),
        mean,
        members,
        basket_eur: (0..n).map(|_| rng.random_range(10.0..200.0)).collect(),
        basket_elasticity: (0..n).map(|_| rng.random_range(0.0..1.0)).collect(),
        margin_rate: 0.4,
        source: "random benchmark table".into(),
        // As a model trained on a campaign has them (the simulator checks every offer's depth
        // against them).
        depth_seen: Some([0.25, 0.3, 0.2, 0.1]),
        ..ResponseTable::default()
    }
}

/// Three bootstrap members of five latent classes each over `n` customers (equal weights,
/// random logits and effects); `concat()` of them, with the weights divided by 3 as here, is
/// their average as one mixture of 15 classes.
fn planning_classes(n: usize, seed: u64) -> Vec<Vec<Class>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..3)
        .map(|_| {
            (0..5)
                .map(|_| Class {
                    weight: vec![1.0 / 15.0; n],
                    base: (0..n).map(|_| rng.random_range(-5.0..0.0)).collect(),
                    contact: rng.random_range(-0.5..0.5),
                    sensitivity: std::array::from_fn(|_| rng.random_range(0.0..15.0)),
                })
                .collect()
        })
        .collect()
}

/// Gives `t` the planning model's shape, as `sim::build` makes it from the app's model: three
/// bootstrap members of five latent classes, and their average as the mean.
pub fn planning_shape(t: &mut ResponseTable, seed: u64) {
    t.mean.classes = Classes::default();
    t.members = planning_classes(t.len(), seed)
        .into_iter()
        .map(|mut classes| {
            classes.iter_mut().for_each(|c| c.weight.fill(1.0 / 5.0));
            Member {
                classes: Classes::new(&classes),
                ..t.mean.clone()
            }
        })
        .collect();
    t.mean.classes = Classes::average_of(&mut t.members);
}

#[derive(Debug, Clone, Serialize)]
pub struct SimBench {
    pub customers: usize,
    pub threads: usize,
    /// Median of 7 re-simulations of a 20%-off scenario to the top 30% by profit, with 5–95%
    /// intervals, no bootstrap members.
    pub simulate_ms: f64,
    /// The same with 5 bootstrap members (model uncertainty).
    pub simulate_5_members_ms: f64,
    /// The same without members, on a latent-class table whose mean has 15 classes of its own
    /// (the planning model's mean as a plain mixture, without its members).
    pub simulate_15_classes_ms: f64,
    /// The planning model's whole shape: 3 bootstrap members of 5 latent classes each (for the
    /// intervals) and their average as the mean.
    pub simulate_planning_model_ms: f64,
    pub optimize_offers: usize,
    /// Building the customer x offer matrices from the response table.
    pub optimize_build_ms: f64,
    /// The same from the planning model's shape (every effect a mixture of 3 x 5 classes).
    pub optimize_build_planning_model_ms: f64,
    /// The efficient frontier on the planning model's shape: 21 budgets, each solved and its
    /// plan's 5–95% range computed (`optimize::frontier`, in the background after Optimize).
    pub frontier_planning_model_ms: f64,
    /// The best price index per segment on the planning model's shape (5 segments, indices 0.7
    /// to 1.3: `price::optimize_prices`, in the background on the Scenarios screen).
    pub price_search_planning_model_ms: f64,
    /// Solving for a budget of a third of the unconstrained spend.
    pub optimize_solve_ms: f64,
    pub optimize_gap_share: f64,
    /// Rows of the optimized plan, and building them (ids, offers, figures, messages): what
    /// the Plan screen redoes, in the background, when the message template changes.
    pub plan_rows: usize,
    pub plan_build_ms: f64,
}

fn median_ms(runs: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|k| {
            let start = Instant::now();
            f(k);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

pub fn run(customers: usize) -> SimBench {
    // 8 offers: coupons, percentages, shipping, gift.
    let offers: Vec<Offer> = vec![
        Offer::Coupon {
            amount: 10.0,
            min_spend: 60.0,
        },
        Offer::Coupon {
            amount: 20.0,
            min_spend: 150.0,
        },
        Offer::PctDiscount { pct: 10.0 },
        Offer::PctDiscount { pct: 20.0 },
        Offer::PctDiscount { pct: 30.0 },
        Offer::FreeShipping { fee: 6.0 },
        Offer::Gift {
            threshold: 50.0,
            gift_cost: 12.0,
            perceived_value: 0.7,
        },
        Offer::Message,
    ];
    let file = super::optimize::OffersFile {
        version: super::optimize::OFFERS_VERSION,
        offers: offers
            .into_iter()
            .enumerate()
            .map(|(k, offer)| super::optimize::OfferOption {
                name: format!("offer {k}"),
                offer,
                channel: super::scenario::Channel {
                    name: "email".into(),
                    ..Default::default()
                },
                redemption_cap: None,
                stock: None,
                message: String::new(),
            })
            .collect(),
        objective: Default::default(),
        targeting: Default::default(),
        channel_caps: Default::default(),
        margin_rate: None,
    };
    let mut t = random_table(customers, 5, 1);
    let scenario = |k: usize| {
        let mut s = Scenario::new(
            "bench",
            Offer::PctDiscount {
                pct: 10.0 + k as f64,
            },
        );
        s.targeting.top_share = 0.3;
        s
    };
    let with_members = median_ms(7, |k| {
        let o = simulate(&t, &scenario(k));
        assert_eq!(o.customers, customers);
    });
    let members = std::mem::take(&mut t.members);
    let plain = median_ms(7, |k| {
        simulate(&t, &scenario(k));
    });
    t.mean.classes = Classes::new(&planning_classes(customers, 2).concat());
    // The mean as a plain mixture of 15 classes: each member's class weights divided by 3.
    let latent = median_ms(7, |k| {
        simulate(&t, &scenario(k));
    });
    planning_shape(&mut t, 2);
    let planning = median_ms(7, |k| {
        simulate(&t, &scenario(k));
    });
    let start = Instant::now();
    let planning_problem = Problem::build(&t, &file);
    let planning_build_ms = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let frontier = super::optimize::frontier(&t, &file, &planning_problem, 21);
    let frontier_ms = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(frontier.len(), 21);
    drop(planning_problem);
    let start = Instant::now();
    let prices = super::price::optimize_prices(&t, 0.7, 1.3, t.margin_rate, None);
    let price_ms = start.elapsed().as_secs_f64() * 1000.0;
    assert!(!prices.is_empty());
    t.mean.classes = Classes::default();
    t.members = members;
    let start = Instant::now();
    let problem = Problem::build(&t, &file);
    let build_ms = start.elapsed().as_secs_f64() * 1000.0;
    let full = solve(&problem, f64::MAX / 4.0).spend;
    let start = Instant::now();
    let sol = solve(&problem, full / 3.0);
    let solve_ms = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let plan = crate::plan::plan_from_choice(&t, &file, &sol.choice, None);
    let plan_build_ms = start.elapsed().as_secs_f64() * 1000.0;
    SimBench {
        customers,
        threads: rayon::current_num_threads(),
        simulate_ms: plain,
        simulate_5_members_ms: with_members,
        simulate_15_classes_ms: latent,
        simulate_planning_model_ms: planning,
        optimize_offers: file.offers.len(),
        optimize_build_ms: build_ms,
        optimize_build_planning_model_ms: planning_build_ms,
        frontier_planning_model_ms: frontier_ms,
        price_search_planning_model_ms: price_ms,
        optimize_solve_ms: solve_ms,
        optimize_gap_share: sol.gap_share,
        plan_rows: plan.rows.len(),
        plan_build_ms,
    }
}
