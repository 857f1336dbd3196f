//! Simulator invariants on random customers (proptest).

use promolab::sim::{ResponseTable, Scenario, simulate, simulate_totals};
use proptest::prelude::*;

fn table_strategy() -> impl Strategy<Value = ResponseTable> {
    prop::collection::vec(
        (-6.0f32..2.0, -1.0f32..1.0, 0.0f32..30.0, 1.0f32..500.0),
        1..60,
    )
    .prop_map(|rows| ResponseTable {
        ids: (0..rows.len()).map(|i| i.to_string()).collect(),
        base_logit: rows.iter().map(|r| r.0).collect(),
        contact: rows.iter().map(|r| r.1).collect(),
        sensitivity: rows.iter().map(|r| r.2).collect(),
        basket_eur: rows.iter().map(|r| r.3).collect(),
    })
}

proptest! {
    #[test]
    fn zero_discount_costs_nothing_and_without_a_message_effect_changes_nothing(mut t in table_strategy(), share in 0.0f64..1.0) {
        let s = Scenario { discount_pct: 0.0, target_share: share, send_cost_eur: 0.0, margin_rate: 0.4 };
        let (_, totals) = simulate(&t, &s);
        prop_assert_eq!(totals.discount_cost, 0.0);
        t.contact.iter_mut().for_each(|c| *c = 0.0);
        let (_, totals) = simulate(&t, &s);
        prop_assert!(totals.incremental_buyers.abs() < 1e-9);
        prop_assert!(totals.incremental_profit.abs() < 1e-6);
    }

    #[test]
    fn totals_are_the_sums_of_the_customer_rows(t in table_strategy(), pct in 0.0f64..60.0, share in 0.0f64..1.0) {
        let s = Scenario { discount_pct: pct, target_share: share, send_cost_eur: 0.5, margin_rate: 0.4 };
        let (rows, totals) = simulate(&t, &s);
        let profit: f64 = rows.iter().map(|r| r.incremental_profit).sum();
        let cost: f64 = rows.iter().map(|r| r.discount_cost).sum();
        prop_assert!((totals.incremental_profit - profit).abs() < 1e-6);
        prop_assert!((totals.discount_cost - cost).abs() < 1e-6);
        prop_assert_eq!(totals.targeted, ((t.len() as f64) * share).round() as usize);
        // The fast path used for live sliders agrees with the full simulation.
        let fast = simulate_totals(&t, &s);
        prop_assert_eq!(fast.targeted, totals.targeted);
        prop_assert!((fast.incremental_profit - totals.incremental_profit).abs() < 1e-3 * (1.0 + totals.incremental_profit.abs()));
    }

    #[test]
    fn a_deeper_discount_never_lowers_incremental_buyers(t in table_strategy(), pct in 0.0f64..50.0, extra in 0.0f64..30.0) {
        let s = |p: f64| Scenario { discount_pct: p, target_share: 1.0, send_cost_eur: 0.0, margin_rate: 0.4 };
        let (_, shallow) = simulate(&t, &s(pct));
        let (_, deep) = simulate(&t, &s(pct + extra));
        prop_assert!(deep.incremental_buyers >= shallow.incremental_buyers - 1e-9);
    }
}
