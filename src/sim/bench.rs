//! Speed of re-simulating a scenario, for `promolab bench` and docs/benchmarks.md.

use super::{ResponseTable, Scenario, simulate_totals};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// Median milliseconds of `runs` simulations of a 20%-off scenario over `customers` random customers.
pub fn simulate_ms(customers: usize, runs: usize) -> f64 {
    let mut rng = StdRng::seed_from_u64(1);
    let t = ResponseTable {
        ids: (0..customers).map(|i| i.to_string()).collect(),
        base_logit: (0..customers)
            .map(|_| rng.random_range(-5.0..0.0))
            .collect(),
        contact: (0..customers)
            .map(|_| rng.random_range(-0.5..0.5))
            .collect(),
        sensitivity: (0..customers)
            .map(|_| rng.random_range(0.0..15.0))
            .collect(),
        basket_eur: (0..customers)
            .map(|_| rng.random_range(10.0..200.0))
            .collect(),
    };
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|k| {
            let s = Scenario {
                discount_pct: 10.0 + k as f64,
                target_share: 0.3,
                send_cost_eur: 0.05,
                margin_rate: 0.4,
            };
            let start = Instant::now();
            let totals = simulate_totals(&t, &s);
            assert_eq!(totals.customers, customers);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
