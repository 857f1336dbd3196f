//! The oracle: the sample generator's true per-customer parameters as a response table, so any
//! plan can be scored by what would really happen (offers sent through each customer's preferred
//! channel), and the optimizer can be run on the truth for comparison.

use super::offer::{LEVER_NAMES, Offer};
use super::optimize::{OffersFile, Problem, Solution, plan_figures, solve};
use super::response::{Classes, Member, ResponseTable};
use super::select::id_unit;
use crate::data::sample::{Arm, GroundTruth};
use std::collections::HashMap;

/// The offer a campaign arm made (None for the control).
pub fn offer_of_arm(arm: &Arm) -> Option<Offer> {
    Some(match arm.offer_type.as_str() {
        "coupon" => Offer::Coupon {
            amount: arm.offer_value,
            min_spend: arm.min_spend,
        },
        "pct_discount" => Offer::PctDiscount {
            pct: arm.offer_value,
        },
        "free_shipping" => Offer::FreeShipping {
            fee: arm.offer_value,
        },
        "gift" => Offer::Gift {
            threshold: arm.min_spend,
            gift_cost: arm.offer_value,
            perceived_value: 0.7,
        },
        _ => return None,
    })
}

/// `like` with its parameters replaced by the truth (same customers, order, segments and
/// features, so the same scenario files apply). Customers unknown to the truth are an error.
pub fn oracle_table(like: &ResponseTable, truth: &GroundTruth) -> Result<ResponseTable, String> {
    let by_id: HashMap<&str, usize> = truth
        .customers
        .iter()
        .enumerate()
        .map(|(k, c)| (c.customer_id.as_str(), k))
        .collect();
    let n = like.len();
    let mut m = Member {
        base_logit: Vec::with_capacity(n),
        contact: Vec::with_capacity(n),
        sensitivity: Default::default(),
        classes: Classes::default(),
    };
    let (mut basket, mut elasticity) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for id in &like.ids {
        let c = &truth.customers[*by_id
            .get(id.as_str())
            .ok_or_else(|| format!("customer {id} is not in the ground truth"))?];
        let seg = &truth.segments[c.segment];
        m.base_logit.push(c.logit_base as f32);
        m.contact.push(seg.contact_effect as f32);
        for (l, col) in m.sensitivity.iter_mut().enumerate() {
            debug_assert_eq!(LEVER_NAMES[l], crate::data::sample::OFFER_KINDS[l]);
            col.push((c.discount_sensitivity * seg.offer_multipliers[l]) as f32);
        }
        basket.push(c.basket_eur as f32);
        elasticity.push(seg.basket_elasticity as f32);
    }
    Ok(ResponseTable {
        mean: m,
        members: Vec::new(),
        basket_eur: basket,
        basket_elasticity: elasticity,
        margin_rate: truth.gross_margin_rate,
        source: "ground truth (sample generator)".into(),
        ..like.clone()
    })
}

/// True incremental profit (ground truth) of the optimized plan and of the plans it should beat,
/// all within the same budget of expected spend.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TruthCheck {
    /// The optimizer's plan on the model's estimates.
    pub plan: f64,
    /// The optimizer run on the true parameters.
    pub oracle: f64,
    /// Best single offer sent to customers in random order until the budget is spent.
    pub blanket: f64,
    /// Best single offer sent to the customers most likely to buy anyway, until the budget is spent.
    pub by_propensity: f64,
}

/// Assigns offer `j` to customers in `order` while the model's expected spend fits the budget.
fn fill_in_order(p: &Problem, order: &[usize], j: usize, budget: f64) -> Vec<Option<u8>> {
    let mut choice = vec![None; p.n];
    let mut spend = 0.0;
    for &i in order {
        let c = p.cost(i, j);
        if !p.value(i, j).is_finite() || p.held_out[i] {
            continue;
        }
        if spend + c > budget {
            break;
        }
        spend += c;
        choice[i] = Some(j as u8);
    }
    choice
}

/// `model` is the problem `plan` was solved on (the model's estimates for `t` and `offers`).
pub fn check_plan(
    t: &ResponseTable,
    truth: &GroundTruth,
    offers: &OffersFile,
    model: &Problem,
    plan: &Solution,
    budget: f64,
) -> Result<TruthCheck, String> {
    let oracle = oracle_table(t, truth)?;
    let true_profit =
        |choice: &[Option<u8>]| plan_figures(&oracle, offers, choice).1.incremental_profit;
    let oracle_plan = solve(&Problem::build(&oracle, offers), budget);
    let mut random: Vec<usize> = (0..t.len()).collect();
    random.sort_by(|&a, &b| id_unit(&t.ids[a]).total_cmp(&id_unit(&t.ids[b])));
    let mut by_p0: Vec<usize> = (0..t.len()).collect();
    by_p0.sort_by(|&a, &b| t.mean.base_logit[b].total_cmp(&t.mean.base_logit[a]));
    let best_single = |order: &[usize]| {
        (0..offers.offers.len())
            .map(|j| true_profit(&fill_in_order(model, order, j, budget)))
            .fold(f64::NEG_INFINITY, f64::max)
    };
    Ok(TruthCheck {
        plan: true_profit(&plan.choice),
        oracle: true_profit(&oracle_plan.choice),
        blanket: best_single(&random),
        by_propensity: best_single(&by_p0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::sample::{SampleConfig, generate};
    use crate::sim::simulate::{Pricing, effect};

    /// The simulator's economics on the oracle table reproduce the generator's own conversion
    /// and revenue for every arm (preferred channel), so "true profit" means what it says.
    #[test]
    fn oracle_matches_the_generator() {
        let truth = generate(SampleConfig {
            customers: 300,
            seed: 3,
        })
        .truth;
        let like = ResponseTable {
            ids: truth
                .customers
                .iter()
                .map(|c| c.customer_id.clone())
                .collect(),
            ..ResponseTable::default()
        };
        let t = oracle_table(&like, &truth).unwrap();
        for arm in &truth.arms {
            let Some(offer) = offer_of_arm(arm) else {
                continue;
            };
            let p = Pricing {
                offer: &offer,
                margin: truth.gross_margin_rate,
                send_cost: 0.0,
                serve: 1.0,
            };
            for (i, c) in truth.customers.iter().enumerate() {
                let seg = &truth.segments[c.segment];
                let e = effect(&t, &t.mean, i, &p);
                let p1 = c.conversion(seg, arm, true);
                assert!(
                    (e.p1 - p1).abs() < 1e-5,
                    "{} {}: {} vs {p1}",
                    arm.name,
                    i,
                    e.p1
                );
                let revenue = e.incremental_revenue + e.p0 * c.basket_eur;
                let want = c.expected_revenue(seg, arm, true);
                assert!(
                    (revenue - want).abs() < 1e-3 * want.max(1.0),
                    "{}: revenue {revenue} vs {want}",
                    arm.name
                );
            }
        }
    }
}
