//! Simulator and optimizer invariants on random customers (proptest), plan export/import, and
//! the optimizer against the generator's ground truth.

mod common;

use promolab::plan;
use promolab::sim::offer::Offer;
use promolab::sim::optimize::{OfferOption, OffersFile, Problem, solve};
use promolab::sim::select::select;
use promolab::sim::simulate;
use promolab::sim::{Class, Classes, Member, ResponseTable, Scenario};
use proptest::prelude::*;

fn table_strategy() -> impl Strategy<Value = ResponseTable> {
    prop::collection::vec(
        (
            -6.0f32..2.0,
            -1.0f32..1.0,
            0.0f32..30.0,
            1.0f32..500.0,
            0u16..3,
        ),
        1..60,
    )
    .prop_map(|rows| {
        type Row = (f32, f32, f32, f32, u16);
        let col = |f: &dyn Fn(&Row) -> f32| rows.iter().map(f).collect();
        ResponseTable {
            ids: (0..rows.len()).map(|i| format!("C{i}")).collect(),
            segment: rows.iter().map(|r| r.4).collect(),
            segment_names: vec!["a".into(), "b".into(), "c".into()],
            mean: Member {
                base_logit: col(&|r| r.0),
                contact: col(&|r| r.1),
                sensitivity: std::array::from_fn(|_| col(&|r| r.2)),
                classes: Classes::default(),
            },
            basket_eur: col(&|r| r.3),
            margin_rate: 0.4,
            ..ResponseTable::default()
        }
    })
}

fn pct(p: f64, share: f64) -> Scenario {
    let mut s = Scenario::new("test", Offer::PctDiscount { pct: p });
    s.targeting.top_share = share;
    s.channel.send_cost_eur = 0.0;
    s
}

fn offers(list: Vec<Offer>) -> OffersFile {
    OffersFile {
        version: 1,
        offers: list
            .into_iter()
            .enumerate()
            .map(|(k, offer)| OfferOption {
                name: format!("offer {k}"),
                offer,
                channel: Default::default(),
                redemption_cap: None,
                stock: None,
                message: "{discount} off".into(),
            })
            .collect(),
        objective: Default::default(),
        targeting: Default::default(),
        channel_caps: Default::default(),
        margin_rate: None,
    }
}

fn three_offers() -> OffersFile {
    offers(vec![
        Offer::PctDiscount { pct: 10.0 },
        Offer::Coupon {
            amount: 10.0,
            min_spend: 60.0,
        },
        Offer::Gift {
            threshold: 50.0,
            gift_cost: 12.0,
            perceived_value: 0.7,
        },
    ])
}

proptest! {
    #[test]
    fn zero_discount_costs_nothing_and_without_a_message_effect_changes_nothing(mut t in table_strategy(), share in 0.0f64..1.0) {
        let o = simulate::simulate(&t, &pct(0.0, share));
        prop_assert_eq!(o.totals.redemption_cost, 0.0);
        t.mean.contact.iter_mut().for_each(|c| *c = 0.0);
        let o = simulate::simulate(&t, &pct(0.0, share));
        prop_assert!(o.totals.incremental_buyers.abs() < 1e-9);
        prop_assert!(o.totals.incremental_profit.abs() < 1e-6);
    }

    #[test]
    fn totals_are_the_sums_of_the_customer_rows_and_of_the_segments(t in table_strategy(), p in 0.0f64..60.0, share in 0.0f64..1.0) {
        let s = pct(p, share);
        let sel = select(&t, &s);
        let o = simulate::outcome_of(&t, &s, &sel);
        let rows = simulate::rows(&t, &s, &sel);
        let profit: f64 = rows.iter().map(|r| r.1.incremental_profit).sum();
        let cost: f64 = rows.iter().map(|r| r.1.redemption_cost).sum();
        prop_assert!((o.totals.incremental_profit - profit).abs() < 1e-6);
        prop_assert!((o.totals.redemption_cost - cost).abs() < 1e-6);
        prop_assert_eq!(o.totals.targeted, ((t.len() as f64) * share).round() as usize);
        let seg_profit: f64 = o.per_segment.iter().map(|s| s.figures.incremental_profit).sum();
        prop_assert!((seg_profit - profit).abs() < 1e-6);
        prop_assert!(o.intervals.incremental_profit.p5 <= o.totals.incremental_profit + 1e-9);
        prop_assert!(o.intervals.incremental_profit.p95 >= o.totals.incremental_profit - 1e-9);
    }

    #[test]
    fn a_deeper_discount_never_lowers_incremental_buyers(t in table_strategy(), p in 0.0f64..50.0, extra in 0.0f64..30.0) {
        let shallow = simulate::simulate(&t, &pct(p, 1.0));
        let deep = simulate::simulate(&t, &pct(p + extra, 1.0));
        prop_assert!(deep.totals.incremental_buyers >= shallow.totals.incremental_buyers - 1e-9);
    }

    #[test]
    fn the_budget_is_never_exceeded_and_the_bound_holds(t in table_strategy(), budget in 0.0f64..500.0) {
        let p = Problem::build(&t, &three_offers());
        let s = solve(&p, budget);
        prop_assert!(s.spend <= budget + 1e-6, "spend {} budget {}", s.spend, budget);
        prop_assert!(s.upper_bound >= s.objective_value - 1e-6);
        prop_assert!(s.choice.iter().flatten().count() == s.assigned);
    }

    #[test]
    fn more_budget_never_lowers_the_optimal_profit(t in table_strategy(), budget in 0.0f64..300.0, extra in 0.0f64..300.0) {
        let p = Problem::build(&t, &three_offers());
        let a = solve(&p, budget).objective_value;
        let b = solve(&p, budget + extra).objective_value;
        prop_assert!(b >= a - 1e-6, "{} then {}", a, b);
    }

    #[test]
    fn the_plan_is_close_to_the_exact_optimum_on_small_problems(t in table_strategy(), budget in 0.0f64..100.0) {
        // Brute force over every assignment of up to 7 customers to none or one of 2 offers.
        let t = ResponseTable {
            ids: t.ids.iter().take(7).cloned().collect(),
            ..t
        };
        let n = t.len();
        let f = offers(vec![Offer::PctDiscount { pct: 15.0 }, Offer::Coupon { amount: 10.0, min_spend: 60.0 }]);
        let p = Problem::build(&t, &f);
        let mut best = 0.0f64;
        for code in 0..3usize.pow(n as u32) {
            let (mut c, mut v, mut spend) = (code, 0.0, 0.0);
            for i in 0..n {
                let j = c % 3;
                c /= 3;
                if j > 0 && p.value(i, j - 1).is_finite() {
                    v += p.value(i, j - 1);
                    spend += p.cost(i, j - 1);
                }
            }
            if spend <= budget {
                best = best.max(v);
            }
        }
        let s = solve(&p, budget);
        prop_assert!(s.objective_value <= best + 1e-6);
        prop_assert!(s.upper_bound >= best - 1e-4 * (1.0 + best.abs()), "bound {} optimum {}", s.upper_bound, best);
        // The gap reported is the whole distance to the optimum and beyond.
        prop_assert!(best - s.objective_value <= s.duality_gap + 1e-4 * (1.0 + best.abs()));
    }

    #[test]
    fn export_then_import_gives_the_same_totals(mut t in table_strategy(), budget in 1.0f64..300.0, salted in any::<bool>()) {
        let f = three_offers();
        // Every customer held out of a past campaign that made the first two offers, in turn,
        // or nothing; one in three bought.
        let n = t.len();
        t.holdout = Some(promolab::sim::holdout::Holdout {
            rows: (0..n as u32).collect(),
            arm: (0..n).map(|i| (i % 3) as u16).collect(),
            bought: (0..n).map(|i| (i / 3) % 3 == 0).collect(),
            paid: (0..n).map(|i| 50.0 + (i % 7) as f32).collect(),
            arm_names: vec!["control".into(), "pct_discount 10".into(), "coupon 10 min 60".into()],
            arm_offers: vec![None, Some(f.offers[0].offer.clone()), Some(f.offers[1].offer.clone())],
        });
        let s = solve(&Problem::build(&t, &f), budget);
        let salt = salted.then_some("pepper");
        let p = plan::plan_from_choice(&t, &f, &s.choice, salt);
        let dir = common::temp_dir("plan-roundtrip");
        let path = dir.join("plan.csv");
        plan::write_plan(&p, &path, None).unwrap();
        let back = plan::read_plan(&t, &path, salt).unwrap();
        prop_assert_eq!(back.rows, p.rows.len());
        prop_assert_eq!(back.total.targeted, p.total.targeted);
        prop_assert!((back.total.incremental_profit - p.total.incremental_profit).abs() < 1e-6 * (1.0 + p.total.incremental_profit.abs()));
        prop_assert!((back.total.spend() - s.spend).abs() < 1e-3 * (1.0 + s.spend));
        // The re-imported plan is checked against the campaign as the optimizer's was.
        let check = promolab::sim::holdout::check_plan(&t, &f, &s.choice);
        prop_assert!(check.as_ref().is_some_and(|c| c.offers.len() == 2 && c.unchecked.len() == 1));
        prop_assert_eq!(back.control_group_check, check);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A plan file as a spreadsheet saves it back (a byte-order mark, a message with a line break
/// inside quotes) reads back with the same totals; a customer planned twice is refused with
/// both rows named, not counted twice.
#[test]
fn an_edited_plan_file_reads_back_and_a_repeated_customer_is_refused() {
    let t = ResponseTable {
        ids: vec!["a".into(), "b".into(), "c".into()],
        segment: vec![0; 3],
        segment_names: vec!["all".into()],
        mean: Member {
            base_logit: vec![-2.0, -1.0, -3.0],
            contact: vec![0.0; 3],
            sensitivity: std::array::from_fn(|_| vec![10.0; 3]),
            classes: Classes::default(),
        },
        basket_eur: vec![50.0, 80.0, 30.0],
        margin_rate: 0.5,
        ..ResponseTable::default()
    };
    let f = three_offers();
    let choice = vec![Some(0), None, Some(2)];
    let p = plan::plan_from_choice(&t, &f, &choice, None);
    let dir = common::temp_dir("plan-edited");
    let path = dir.join("plan.csv");
    plan::write_plan(&p, &path, None).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = written.lines().map(String::from).collect();
    assert_eq!(lines.len(), 3, "{written}");
    let message = lines[1].rsplit(',').next().unwrap().to_string();
    let edited_row = format!(
        "{}\"{} \nsee you soon\"",
        &lines[1][..lines[1].len() - message.len()],
        message
    );
    let edited = format!("\u{feff}{}\r\n{edited_row}\r\n{}\r\n", lines[0], lines[2]);
    std::fs::write(&path, edited).unwrap();
    let back = plan::read_plan(&t, &path, None).unwrap();
    assert_eq!(back.rows, 2);
    assert_eq!(back.total, p.total);

    // Customer a planned again on the last line (line 4; its first row is line 2).
    lines.push(lines[1].clone());
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = plan::read_plan(&t, &path, None).unwrap_err();
    assert!(
        err.contains("row 4") && err.contains("row 2") && err.contains("'a'"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hand-checkable case: one customer, 20% off, margin 50%.
#[test]
fn one_customer_by_hand() {
    let t = ResponseTable {
        ids: vec!["a".into()],
        segment: vec![0],
        segment_names: vec!["all".into()],
        mean: Member {
            base_logit: vec![-2.0],
            contact: vec![0.0],
            sensitivity: std::array::from_fn(|_| vec![10.0]),
            classes: Classes::default(),
        },
        basket_eur: vec![50.0],
        margin_rate: 0.5,
        ..ResponseTable::default()
    };
    let mut s = pct(20.0, 1.0);
    s.channel.send_cost_eur = 1.0;
    let o = simulate::simulate(&t, &s);
    // p0 = σ(−2), p1 = σ(0) = 0.5; profit = 0.5·50·(0.5 − 0.2) − p0·50·0.5 − 1.
    let p0 = 1.0 / (1.0 + 2f64.exp());
    assert!((o.totals.incremental_buyers - (0.5 - p0)).abs() < 1e-12);
    assert!((o.totals.redemption_cost - 0.5 * 50.0 * 0.2).abs() < 1e-9);
    assert!((o.totals.incremental_profit - (7.5 - p0 * 25.0 - 1.0)).abs() < 1e-9);
    assert!((o.totals.incremental_revenue - (0.5 * 40.0 - p0 * 50.0)).abs() < 1e-9);
}

/// A hand-checkable latent-class case: one customer, 30% in a class that ignores offers and 70%
/// in one that responds; the mixture is the weighted sum of the classes' probabilities (the
/// one-curve columns are ignored when classes are present).
#[test]
fn latent_classes_by_hand() {
    let class = |weight: f32, base: f32, contact: f32, sens: f32| Class {
        weight: vec![weight],
        base: vec![base],
        contact,
        sensitivity: [sens; 4],
    };
    let t = ResponseTable {
        ids: vec!["a".into()],
        segment: vec![0],
        segment_names: vec!["all".into()],
        mean: Member {
            base_logit: vec![9.0],
            contact: vec![9.0],
            sensitivity: std::array::from_fn(|_| vec![9.0]),
            classes: Classes::new(&[class(0.3, 0.0, 0.0, 0.0), class(0.7, -2.0, -1.0, 15.0)]),
        },
        basket_eur: vec![50.0],
        margin_rate: 0.5,
        ..ResponseTable::default()
    };
    let o = simulate::simulate(&t, &pct(20.0, 1.0));
    // p0 = 0.3·σ(0) + 0.7·σ(−2); p1 = 0.3·σ(0) + 0.7·σ(−2 − 1 + 15·0.2) = 0.15 + 0.35.
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let p0 = 0.3 * 0.5 + 0.7 * sig(-2.0);
    let p1 = 0.15 + 0.35;
    assert!((o.totals.incremental_buyers - (p1 - p0)).abs() < 1e-7);
    assert!((o.totals.redemption_cost - p1 * 50.0 * 0.2).abs() < 1e-5);
    assert!((o.totals.incremental_profit - (p1 * 50.0 * 0.3 - p0 * 25.0)).abs() < 1e-5);
}

/// The control share holds back a stable random part of the targeted customers.
#[test]
fn control_share_holds_back_about_that_share() {
    let t = promolab::sim::bench::random_table(20_000, 0, 3);
    let mut s = pct(10.0, 0.5);
    s.targeting.control_share = 0.2;
    let sel = select(&t, &s);
    let share = sel.held_out.len() as f64 / (sel.held_out.len() + sel.sent.len()) as f64;
    assert!((share - 0.2).abs() < 0.02, "{share}");
    assert_eq!(sel, select(&t, &s), "the draw is stable");
}

/// A latent-class ensemble's mean kept as its members' average (what `sim::build` makes) gives
/// the numbers of the mixture of all the members' classes with their weights divided by the
/// number of members: totals, per-customer effects, the members' interval centres, and the
/// optimizer's plan.
#[test]
fn average_of_members_is_the_mixture_of_their_classes() {
    let mut t = promolab::sim::bench::random_table(5_000, 0, 11);
    let mut rng = 7u64;
    let mut unit = move || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 40) as f32 / (1u64 << 24) as f32
    };
    let n = t.len();
    let members: Vec<Vec<Class>> = (0..3)
        .map(|_| {
            let raw: Vec<Vec<f32>> = (0..4).map(|_| (0..n).map(|_| unit()).collect()).collect();
            (0..4)
                .map(|k| Class {
                    weight: (0..n)
                        .map(|i| raw[k][i] / (0..4).map(|j| raw[j][i]).sum::<f32>())
                        .collect(),
                    base: (0..n).map(|_| -4.0 + 3.0 * unit()).collect(),
                    contact: unit() - 0.5,
                    sensitivity: std::array::from_fn(|_| 10.0 * unit()),
                })
                .collect()
        })
        .collect();
    let all: Vec<Class> = members
        .iter()
        .flatten()
        .map(|c| Class {
            weight: c.weight.iter().map(|w| w / 3.0).collect(),
            ..c.clone()
        })
        .collect();
    t.members = members
        .iter()
        .map(|c| Member {
            classes: Classes::new(c),
            ..t.mean.clone()
        })
        .collect();
    let mut mixture = t.clone();
    mixture.mean.classes = Classes::new(&all);
    t.mean.classes = Classes::average_of(&mut t.members);
    let s = pct(20.0, 0.4);
    let (a, b) = (simulate::simulate(&t, &s), simulate::simulate(&mixture, &s));
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-5 * (1.0 + y.abs());
    assert!(a.totals.targeted == b.totals.targeted && a.totals.targeted > 1_000);
    assert!(
        close(a.totals.incremental_profit, b.totals.incremental_profit),
        "{a:?}\n{b:?}"
    );
    assert!(close(a.totals.var_profit, b.totals.var_profit));
    assert!(close(a.totals.redemption_cost, b.totals.redemption_cost));
    for (x, y) in [
        (
            a.intervals.incremental_profit,
            b.intervals.incremental_profit,
        ),
        (
            a.intervals.incremental_buyers,
            b.intervals.incremental_buyers,
        ),
    ] {
        assert!(close(x.p5, y.p5) && close(x.p95, y.p95), "{x:?} {y:?}");
    }
    // Each segment's range too: the shared pass's per-segment member sums are each member's own.
    for (x, y) in a.per_segment.iter().zip(&b.per_segment) {
        let (x, y) = (x.profit_range, y.profit_range);
        assert!(close(x.p5, y.p5) && close(x.p95, y.p95), "{x:?} {y:?}");
    }
    let sel = select(&t, &s);
    for ((i, x), (_, y)) in simulate::rows(&t, &s, &sel)
        .iter()
        .zip(simulate::rows(&mixture, &s, &sel))
    {
        assert!(
            (x.p1 - y.p1).abs() < 1e-6 && (x.p0 - y.p0).abs() < 1e-6,
            "customer {i}"
        );
    }
    let f = three_offers();
    let budget = 0.3 * solve(&Problem::build(&mixture, &f), 1e12).spend;
    let (pa, pb) = (
        solve(&Problem::build(&t, &f), budget),
        solve(&Problem::build(&mixture, &f), budget),
    );
    assert!((pa.objective_value - pb.objective_value).abs() <= 1e-4 * pb.objective_value.abs());
    // The totals' pass over blocks of customers sums exactly what each customer's effect gives,
    // for the shared table (mean of three groups) and for a mean of one group of 12 classes,
    // with a coupon (a depth per customer) and a plain message (no lever).
    let coupon = Offer::Coupon {
        amount: 15.0,
        min_spend: 80.0,
    };
    for table in [&t, &mixture] {
        for offer in [coupon.clone(), Offer::Message] {
            let mut s = pct(20.0, 0.4);
            s.offer = offer;
            // The optimizer's per-block effects are each customer's own, to the bit.
            let pricing = simulate::pricing(table, &s);
            let pricer = simulate::Pricer::new(table, &table.mean, &pricing);
            let some: Vec<u32> = (0..table.len() as u32).step_by(7).collect();
            let mut block = Vec::new();
            pricer.effects(&some, &mut block);
            assert_eq!(block.len(), some.len());
            for (e, &i) in block.iter().zip(&some) {
                assert_eq!(*e, pricer.effect(i as usize), "customer {i}");
            }
            let o = simulate::simulate(table, &s);
            let rows = simulate::rows(table, &s, &select(table, &s));
            assert_eq!(rows.len(), o.totals.targeted);
            let sum = |f: fn(&simulate::Effect) -> f64| rows.iter().map(|(_, e)| f(e)).sum::<f64>();
            for (total, by_rows) in [
                (o.totals.incremental_profit, sum(|e| e.incremental_profit)),
                (o.totals.incremental_revenue, sum(|e| e.incremental_revenue)),
                (o.totals.buyers_with_offer, sum(|e| e.p1)),
                (o.totals.var_profit, sum(|e| e.var_profit)),
            ] {
                assert!(
                    (total - by_rows).abs() <= 1e-9 * (1.0 + by_rows.abs()),
                    "{total} vs {by_rows}"
                );
            }
        }
    }
}

/// Each segment's 5-95% range is drawn from the segment's own sums as the total's is. Without
/// bootstrap members or a control-group check it is customer randomness alone: the segment's
/// figure ± 1.645 standard deviations (the Monte Carlo's 2,000 draws place a 5% quantile within
/// about 0.05 of them). With one segment it is the total's range, members and all.
#[test]
fn each_segment_has_its_own_range() {
    let mut t = promolab::sim::bench::random_table(20_000, 0, 5);
    let s = pct(15.0, 0.6);
    let o = simulate::simulate(&t, &s);
    assert_eq!(o.per_segment.len(), 5);
    for seg in &o.per_segment {
        let (f, iv) = (&seg.figures, seg.profit_range);
        let sd = f.var_profit.sqrt();
        assert!(f.targeted > 2_000 && sd > 0.0, "{seg:?}");
        for (got, want) in [
            (iv.p5, f.incremental_profit - 1.645 * sd),
            (iv.p95, f.incremental_profit + 1.645 * sd),
        ] {
            assert!(
                (got - want).abs() < 0.2 * sd,
                "{}: {got} vs {want}",
                seg.segment
            );
        }
    }
    let mut t3 = promolab::sim::bench::random_table(20_000, 3, 5);
    for table in [&mut t, &mut t3] {
        table.segment = vec![0; table.len()];
        table.segment_names = vec!["everyone".into()];
        let o = simulate::simulate(table, &s);
        assert_eq!(o.per_segment.len(), 1);
        assert_eq!(
            o.per_segment[0].profit_range,
            o.intervals.incremental_profit
        );
    }
}

/// A plan of one offer to a scenario's customers has the scenario's intervals (the same members'
/// sums, the same draws), and a plan's parts and whole each contain their expected figures.
#[test]
fn a_plan_has_the_intervals_of_the_same_scenario() {
    let mut t = promolab::sim::bench::random_table(30_000, 3, 9);
    promolab::sim::bench::planning_shape(&mut t, 4);
    assert!(!t.members.is_empty());
    let s = pct(15.0, 0.5);
    let sel = select(&t, &s);
    let o = simulate::outcome_of(&t, &s, &sel);
    let p = plan::plan_from_scenario(&t, &s, &sel, None);
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-6 * (1.0 + y.abs());
    let (a, b) = (&p.intervals, &o.intervals);
    for (x, y) in [
        (a.incremental_profit, b.incremental_profit),
        (a.incremental_revenue, b.incremental_revenue),
        (a.incremental_buyers, b.incremental_buyers),
    ] {
        assert!(close(x.p5, y.p5) && close(x.p95, y.p95), "{a:?} vs {b:?}");
    }
    assert!(b.incremental_profit.p95 > b.incremental_profit.p5);
    // Per segment too: the plan's parts are the scenario's segments, figures and ranges.
    assert_eq!(p.per_segment.len(), o.per_segment.len());
    for (x, y) in p.per_segment.iter().zip(&o.per_segment) {
        assert_eq!(x.segment, y.segment);
        assert!(close(
            x.figures.incremental_profit,
            y.figures.incremental_profit
        ));
        assert_eq!(x.figures.targeted, y.figures.targeted);
        let (x, y) = (x.profit_range, y.profit_range);
        assert!(close(x.p5, y.p5) && close(x.p95, y.p95), "{x:?} vs {y:?}");
    }
    // With a control share the same customers are targeted; the held-out ones are the plan's
    // control group, listed apart from its rows.
    let mut held = s.clone();
    held.targeting.control_share = 0.2;
    let sel_held = select(&t, &held);
    let p = plan::plan_from_scenario(&t, &held, &sel_held, None);
    assert!(!p.control.is_empty() && p.control.len() == sel_held.held_out.len());
    assert_eq!(p.rows.len() + p.control.len(), sel.sent.len());
    assert!(p.control.iter().all(|c| c.offer == held.name));
    let f = three_offers();
    let budget = 0.5 * solve(&Problem::build(&t, &f), 1e12).spend;
    let sol = solve(&Problem::build(&t, &f), budget);
    let p = plan::plan_from_choice(&t, &f, &sol.choice, None);
    // The segments' parts add up to the plan.
    let by_segment = |f: fn(&simulate::Figures) -> f64| -> f64 {
        p.per_segment.iter().map(|s| f(&s.figures)).sum()
    };
    assert!(close(
        by_segment(|f| f.incremental_profit),
        p.total.incremental_profit
    ));
    assert!(close(by_segment(|f| f.spend()), p.total.spend()));
    let parts = p.per_offer.iter().zip(&p.per_offer_intervals);
    for (fig, iv) in parts.chain([(&p.total, &p.intervals)]) {
        let i = iv.incremental_profit;
        assert!(
            i.p5 <= fig.incremental_profit && fig.incremental_profit <= i.p95,
            "{fig:?} {iv:?}"
        );
    }
    // The whole is not wider than its parts' widths added up (the parts share the model's error).
    let width = |iv: &simulate::Intervals| iv.incremental_profit.p95 - iv.incremental_profit.p5;
    let sum: f64 = p.per_offer_intervals.iter().map(width).sum();
    assert!(
        width(&p.intervals) <= sum * 1.05,
        "{} vs {sum}",
        width(&p.intervals)
    );
    // The frontier's points carry their plans' ranges: nothing at budget 0, then a range
    // around each plan's value.
    let frontier = promolab::sim::optimize::frontier(&t, &f, &Problem::build(&t, &f), 5);
    assert_eq!((frontier[0].range.p5, frontier[0].range.p95), (0.0, 0.0));
    for fp in &frontier[1..] {
        let slack = 1e-4 * (1.0 + fp.objective_value.abs());
        assert!(
            fp.range.p5 < fp.objective_value + slack && fp.objective_value - slack < fp.range.p95,
            "{fp:?}"
        );
    }
}

/// The same inputs give the same numbers to the last bit on any number of threads: totals,
/// segments and intervals of a simulation (with a held-back control and a stock cap), and the
/// optimizer's plan, value, bound and per-offer figures, and the frontier.
#[test]
fn the_same_numbers_on_any_number_of_threads() {
    let mut t = promolab::sim::bench::random_table(120_000, 3, 5);
    promolab::sim::bench::planning_shape(&mut t, 6);
    let mut s = pct(15.0, 0.8);
    s.targeting.control_share = 0.1;
    let mut flash = pct(20.0, 0.5);
    flash.offer = Offer::FlashSale {
        pct: 20.0,
        hours: 24.0,
        stock_cap: 2_000.0,
        urgency_logit: 0.3,
    };
    let f = three_offers();
    let run = || {
        let outcomes = format!(
            "{:?}",
            [s.clone(), flash.clone()].map(|s| simulate::simulate(&t, &s))
        );
        let budget = 0.4 * solve(&Problem::build(&t, &f), 1e12).spend;
        let sol = solve(&Problem::build(&t, &f), budget);
        let figures = promolab::sim::optimize::plan_figures(&t, &f, &sol.choice);
        let intervals =
            promolab::sim::optimize::plan_intervals(&t, &f, &sol.choice, &figures.0, &figures.1);
        // The frontier's budgets are solved side by side.
        let frontier = promolab::sim::optimize::frontier(&t, &f, &Problem::build(&t, &f), 6);
        let plan = format!(
            "{:?} {} {} {} {:?} {intervals:?} {frontier:?}",
            sol.choice, sol.objective_value, sol.upper_bound, sol.spend, figures
        );
        (outcomes, plan)
    };
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(run)
    };
    let one = on(1);
    for threads in [2, 3, 8] {
        let other = on(threads);
        assert!(one.0 == other.0, "simulation on 1 and {threads} threads");
        assert!(one.1 == other.1, "plan on 1 and {threads} threads");
    }
}
