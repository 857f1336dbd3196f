//! One scenario over every customer: who is eligible, who is targeted, and the expected
//! incremental effect with 5–95% intervals.
//!
//! Method, for a targeted customer with no-offer conversion p0, conversion p1 under the offer,
//! basket B at list price (B1 under the offer), price cut c and other cost g per buyer (see
//! `offer::Terms`), margin rate m and send cost k:
//!   incremental buyers  = p1 − p0
//!   incremental revenue = p1·(B1 − c) − p0·B
//!   redemption cost     = p1·(c + g)        (paid to every buyer, also those who would have bought anyway)
//!   incremental profit  = p1·(m·B1 − c − g) − p0·m·B − k
//! Customers not targeted, and those held back as a control group, contribute nothing. A flash
//! sale's stock cap limits how much of the extra demand can be served. Not modelled: pull-forward
//! (buying now what would have been bought after the response window) and cannibalization of
//! other products or channels; the figures are for the response window only, and a channel other
//! than the customer's preferred one may respond less than the campaign the model learned from.
//!
//! Intervals: Monte Carlo over the model's bootstrap members (model uncertainty) and, for each
//! draw, a normal draw of the sum of independent customer outcomes (customer randomness).

use super::fold_ranges;
use super::offer::{Offer, Shape, Terms};
use super::response::{ClassOffer, Classes, Member, ResponseTable, prefetch};
use super::scenario::Scenario;
use super::select::{Selection, select};
use crate::util::sigmoid;
use promolab_kernels::figures::{
    Basics, ClassBlock, Prices, add_class_block, class_effects, terms_of,
};
pub use promolab_kernels::figures::{Effect, Figures, Increments};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;
use std::ops::Range;

/// What is fixed for every customer of one simulation.
#[derive(Debug, Clone, Copy)]
pub struct Pricing<'a> {
    pub offer: &'a Offer,
    pub margin: f64,
    pub send_cost: f64,
    /// Share of the extra demand that stock can serve (1 without a binding stock cap).
    pub serve: f64,
}

/// The effect for customer `i` under member `m`'s parameters.
pub fn effect(t: &ResponseTable, m: &Member, i: usize, p: &Pricing) -> Effect {
    Pricer::new(t, m, p).effect(i)
}

/// `effect` with everything fixed per simulation looked up once, for passes over many customers.
pub struct Pricer<'a> {
    t: &'a ResponseTable,
    m: &'a Member,
    shape: Shape,
    /// The one-curve sensitivity column of the offer's lever.
    sensitivity: Option<&'a [f32]>,
    /// The offer as latent classes see it.
    class_offer: ClassOffer,
    prices: Prices,
}

impl<'a> Pricer<'a> {
    pub fn new(t: &'a ResponseTable, m: &'a Member, p: &Pricing) -> Self {
        let shape = p.offer.shape();
        Pricer {
            t,
            m,
            shape,
            sensitivity: t.lever_column(m, p.offer),
            class_offer: ClassOffer {
                lever: p.offer.lever().map(|l| l as usize),
                on: if shape.sent { 1.0 } else { 0.0 },
                extra: shape.extra_logit as f32,
            },
            prices: Prices {
                margin: p.margin,
                send: if shape.sent { p.send_cost } else { 0.0 },
                serve: p.serve,
            },
        }
    }

    /// In a pass over `customers` (in order), at the `j`-th: starts loading what `effect` reads
    /// of the customer a few places ahead. Customers picked from a large table are scattered in
    /// memory, and waiting for each one's columns cost more than computing with them.
    #[inline(always)]
    pub fn prefetch_ahead(&self, customers: &[u32], j: usize) {
        const AHEAD: usize = 8;
        let Some(&next) = customers.get(j + AHEAD) else {
            return;
        };
        let (i, m) = (next as usize, self.m);
        if m.classes.is_empty() {
            prefetch(&m.base_logit, i);
            prefetch(&m.contact, i);
            prefetch(self.sensitivity.unwrap_or_default(), i);
        } else {
            m.classes.prefetch(i);
        }
        prefetch(&self.t.basket_eur, i);
        prefetch(&self.t.basket_elasticity, i);
    }

    /// Customer `i`'s probabilities without and with the offer under latent classes `c`.
    #[inline(always)]
    fn classes(&self, c: &Classes, i: usize, terms: &Terms) -> (f64, f64) {
        c.probabilities(i, &self.class_offer, terms.depth as f32)
    }

    /// What every figure of customer `i` is computed from.
    #[inline(always)]
    fn basics(&self, i: usize) -> Basics {
        let (t, m) = (self.t, self.m);
        let b = t.basket_eur[i] as f64;
        let terms: Terms = self.shape.terms(b, t.elasticity(i));
        let (p0, full) = if m.classes.is_empty() {
            let base = m.base_logit[i] as f64;
            let sens = self.sensitivity.map_or(0.0, |col| col[i] as f64);
            let contact = if terms.sent { m.contact[i] as f64 } else { 0.0 };
            (
                sigmoid(base),
                sigmoid(base + contact + sens * terms.depth + terms.extra_logit),
            )
        } else {
            self.classes(&m.classes, i, &terms)
        };
        self.prices.basics(b, terms, p0, full)
    }

    /// Customer `i`'s incremental buyers, revenue and profit (what the intervals need of each
    /// bootstrap member; `effect` has the same and more).
    #[inline(always)]
    pub fn increments(&self, i: usize) -> Increments {
        self.basics(i).increments()
    }

    #[inline(always)]
    pub fn effect(&self, i: usize) -> Effect {
        self.basics(i).effect()
    }

    /// `effect` of each of `customers`, in order, into `out` (cleared first): for latent
    /// classes the block is evaluated in one kernel call, as the simulator's totals are.
    pub fn effects(&self, customers: &[u32], out: &mut Vec<Effect>) {
        out.clear();
        let c = &self.m.classes;
        if c.is_empty() {
            out.extend(customers.iter().map(|&i| self.effect(i as usize)));
            return;
        }
        let mut buffers = ClassBuffers::default();
        let block = buffers.fill(self, customers);
        class_effects(&self.prices, &block, out);
    }
}

/// A block of customers' terms and probabilities in every group of a latent-class table,
/// reused from block to block.
#[derive(Default)]
struct ClassBuffers {
    terms: Vec<(f64, Terms)>,
    depth: Vec<f32>,
    p0: Vec<f32>,
    full: Vec<f32>,
}

impl ClassBuffers {
    /// `customers`' terms under `pricer`'s offer, and their probabilities without and with it
    /// in each group of its member's classes (one kernel call).
    fn fill<'b>(&'b mut self, pricer: &Pricer, customers: &[u32]) -> ClassBlock<'b> {
        let (t, c) = (pricer.t, &pricer.m.classes);
        self.terms.clear();
        let (basket, growth) = (&t.basket_eur, &t.basket_elasticity);
        terms_of(&pricer.shape, basket, growth, customers, &mut self.terms);
        self.depth.clear();
        let depth = self.terms.iter().map(|(_, tm)| tm.depth as f32);
        self.depth.extend(depth);
        let k = c.groups();
        self.p0.resize(customers.len() * k, 0.0);
        self.full.resize(customers.len() * k, 0.0);
        let offer = &pricer.class_offer;
        c.groups_of(customers, offer, &self.depth, &mut self.p0, &mut self.full);
        ClassBlock {
            terms: &self.terms,
            p0: &self.p0,
            full: &self.full,
            groups: k,
            mean: c.group(),
        }
    }
}

/// 5% and 95% bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Interval {
    pub p5: f64,
    pub p95: f64,
}

impl Interval {
    /// Both bounds times `by` (a share as percent: 100).
    pub fn times(self, by: f64) -> Interval {
        Interval {
            p5: self.p5 * by,
            p95: self.p95 * by,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Intervals {
    pub incremental_profit: Interval,
    pub incremental_revenue: Interval,
    pub incremental_buyers: Interval,
    /// Bootstrap members behind the model part of the interval (0: customer randomness only).
    pub model_members: usize,
    /// Relative error of predicted uplift found against the control group (`sim::check`),
    /// included in the intervals (0: no check was possible).
    pub model_error_sd: f64,
    /// The same for buying without the offer.
    pub baseline_error_sd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SegmentFigures {
    pub segment: String,
    pub customers: usize,
    pub figures: Figures,
    /// The segment's 5–95% incremental profit, drawn as the total's is from the segment's own
    /// sums.
    pub profit_range: Interval,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    pub scenario: String,
    pub offer: String,
    pub customers: usize,
    pub eligible: usize,
    /// Held back as a control group (not sent).
    pub held_out: usize,
    pub totals: Figures,
    pub roi: Option<f64>,
    pub intervals: Intervals,
    pub per_segment: Vec<SegmentFigures>,
    /// Share of the extra demand the flash sale's stock can serve (1 = not binding).
    pub stock_served_share: f64,
    /// Share of the customers sent the offer for whom it is deeper than anything of its kind the
    /// past campaign offered (the model extrapolates there); 0 when unknown.
    pub beyond_seen_share: f64,
    /// The deepest depth of this kind the past campaign offered (share of the basket).
    pub deepest_seen: Option<f64>,
    /// The offer sets a price above list (which campaigns of discounts never tried).
    pub above_list_price: bool,
}

/// What the scenario fixes for every customer (stock not yet applied).
pub fn pricing<'a>(t: &ResponseTable, s: &'a Scenario) -> Pricing<'a> {
    Pricing {
        offer: &s.offer,
        margin: s.margin(t),
        send_cost: s.channel.send_cost_eur,
        serve: 1.0,
    }
}

/// One member's sums over `sent`, per segment (those beyond `nseg` counted in the last).
pub(crate) fn sum_member_by_segment(
    t: &ResponseTable,
    m: &Member,
    sent: &[u32],
    p: &Pricing,
    nseg: usize,
) -> Vec<Increments> {
    let pricer = Pricer::new(t, m, p);
    let each = |r: Range<usize>| {
        let chunk = &sent[r];
        let mut sums = vec![Increments::default(); nseg];
        for (j, &i) in chunk.iter().enumerate() {
            pricer.prefetch_ahead(chunk, j);
            let seg = t.segment.get(i as usize).map_or(0, |&s| s as usize);
            let sum = &mut sums[seg.min(nseg - 1)];
            *sum = sum.merge(pricer.increments(i as usize));
        }
        sums
    };
    fold_ranges(
        sent.len(),
        1 << 13,
        each,
        vec![Increments::default(); nseg],
        |a, b| a.iter().zip(&b).map(|(x, y)| x.merge(*y)).collect(),
    )
}

/// Monte Carlo draws per interval.
const DRAWS: usize = 2000;

/// The standard normals behind the intervals: per draw, the customers' outcomes, the model's
/// uplift error and its baseline error; profit's draws first, then revenue's, then buyers'. The
/// same stream every time (seed 7), so the same inputs give the same intervals; drawn once.
fn normal_draws() -> &'static [[f64; 3]] {
    static DRAWN: std::sync::OnceLock<Vec<[f64; 3]>> = std::sync::OnceLock::new();
    DRAWN.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(7);
        let mut normal = |_| StandardNormal.sample(&mut rng);
        (0..3 * DRAWS)
            .map(|_| std::array::from_fn(&mut normal))
            .collect()
    })
}

/// How one quantity's draws are centred and spread (see `draw_interval`), and which of the
/// three streams of normals it uses.
struct Quantity {
    slot: usize,
    centre: fn(&Increments) -> f64,
    var: fn(&Figures) -> f64,
    uplift: fn(&Figures) -> f64,
    baseline: fn(&Figures) -> f64,
}

const PROFIT: Quantity = Quantity {
    slot: 0,
    centre: |c| c.profit,
    var: |f| f.var_profit,
    uplift: |f| f.uplift_profit,
    baseline: |f| f.baseline_profit,
};
const REVENUE: Quantity = Quantity {
    slot: 1,
    centre: |c| c.revenue,
    var: |f| f.var_revenue,
    uplift: |f| f.uplift_revenue,
    baseline: |f| f.baseline_revenue,
};
const BUYERS: Quantity = Quantity {
    slot: 2,
    centre: |c| c.buyers,
    var: |f| f.var_buyers,
    uplift: |f| f.incremental_buyers,
    baseline: |_| 0.0,
};

/// The model's error measured against the control group: relative errors of the uplift and of
/// buying without the offer (0 where no check was possible).
fn check_errors(t: &ResponseTable) -> (f64, f64) {
    t.check.as_ref().map_or((0.0, 0.0), |c| {
        (c.uplift.relative_sd, c.baseline.relative_sd)
    })
}

/// The 5–95% interval of one quantity: each draw a bootstrap member's sums (the mean's without
/// members), customer randomness, and the model's errors against the control group.
fn draw_interval(
    t: &ResponseTable,
    centres: &[Increments],
    mean: &Figures,
    q: &Quantity,
) -> Interval {
    let (model_sd, baseline_sd) = check_errors(t);
    let fallback = [Increments::of(mean)];
    let centres = if centres.is_empty() {
        &fallback[..]
    } else {
        centres
    };
    let normals = &normal_draws()[q.slot * DRAWS..(q.slot + 1) * DRAWS];
    let mut v: Vec<f64> = normals
        .iter()
        .enumerate()
        .map(|(d, &[z, z_uplift, z_base])| {
            (q.centre)(&centres[d % centres.len()])
                + z * (q.var)(mean).sqrt()
                + z_uplift * model_sd * (q.uplift)(mean)
                + z_base * baseline_sd * (q.baseline)(mean)
        })
        .collect();
    // The two ranks, as a full sort would place them.
    let (below, &mut p95, _) = v.select_nth_unstable_by(DRAWS * 95 / 100, f64::total_cmp);
    let p5 = *below
        .select_nth_unstable_by(DRAWS * 5 / 100, f64::total_cmp)
        .1;
    Interval { p5, p95 }
}

/// The 5–95% interval of incremental buyers alone: `intervals(..).incremental_buyers`.
pub(crate) fn buyers_interval(
    t: &ResponseTable,
    members: &[Increments],
    mean: &Figures,
) -> Interval {
    draw_interval(t, members, mean, &BUYERS)
}

/// The 5–95% interval of incremental profit alone: `intervals(..).incremental_profit`.
pub(crate) fn profit_interval(
    t: &ResponseTable,
    members: &[Increments],
    mean: &Figures,
) -> Interval {
    draw_interval(t, members, mean, &PROFIT)
}

/// The 5–95% intervals of profit, revenue and buyers (see the module docs).
pub(crate) fn intervals(t: &ResponseTable, members: Vec<Increments>, mean: &Figures) -> Intervals {
    let (model_error_sd, baseline_error_sd) = check_errors(t);
    Intervals {
        incremental_profit: draw_interval(t, &members, mean, &PROFIT),
        incremental_revenue: draw_interval(t, &members, mean, &REVENUE),
        incremental_buyers: draw_interval(t, &members, mean, &BUYERS),
        model_members: t.members.len(),
        model_error_sd,
        baseline_error_sd,
    }
}

/// Customers per segment (segments beyond `nseg` counted in the last).
fn segment_sizes(t: &ResponseTable, nseg: usize) -> Vec<usize> {
    if t.segment.is_empty() {
        let mut sizes = vec![0; nseg];
        sizes[0] = t.len();
        return sizes;
    }
    t.segment
        .par_chunks(1 << 16)
        .map(|chunk| {
            // Four counts per segment, so that neighbours in one segment do not wait on each
            // other's count.
            let mut c = vec![[0usize; 4]; nseg];
            let at = |s: u16| (s as usize).min(nseg - 1);
            let quads = chunk.chunks_exact(4);
            for &s in quads.remainder() {
                c[at(s)][0] += 1;
            }
            for q in quads {
                for l in 0..4 {
                    c[at(q[l])][l] += 1;
                }
            }
            c.iter().map(|c| c.iter().sum()).collect::<Vec<usize>>()
        })
        .reduce(
            || vec![0usize; nseg],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

fn merge_segments(a: Vec<Figures>, b: Vec<Figures>) -> Vec<Figures> {
    a.iter().zip(&b).map(|(x, y)| x.merge(y)).collect()
}

/// The mean's figures per segment for a mean with latent classes, in blocks of customers: their
/// terms first, then the classes of the whole block in one kernel call (so that the processor
/// works on several customers at once), then the figures. With `members` (a mean that is its
/// members' average, `Classes::is_average_of`) also each bootstrap member's sums: each member's
/// classes are evaluated once per customer and serve both its own sums and the mean's
/// probabilities. The same numbers as `Pricer::effect` per customer and `sum_member_by_segment`
/// per member; the members' sums come per segment, segment-major (`[s * groups + g]`).
fn class_pass(
    t: &ResponseTable,
    pricer: &Pricer,
    sent: &[u32],
    nseg: usize,
    members: bool,
) -> (Vec<Figures>, Vec<Increments>) {
    const BLOCK: usize = 256;
    // The first rows of each block, which the kernel's own prefetching does not reach in time.
    const AHEAD: usize = 8;
    let classes = &t.mean.classes;
    let sums = if members { classes.groups() * nseg } else { 0 };
    let each = |r: Range<usize>| {
        let chunk = &sent[r];
        let mut seg = vec![Figures::default(); nseg];
        let mut members = vec![Increments::default(); sums];
        let mut buffers = ClassBuffers::default();
        for block in chunk.chunks(BLOCK) {
            for &i in block.iter().take(AHEAD) {
                classes.prefetch(i as usize);
            }
            let b = buffers.fill(pricer, block);
            add_class_block(
                &pricer.prices,
                &b,
                block,
                &t.segment,
                &mut seg,
                &mut members,
            );
        }
        (seg, members)
    };
    let init = (
        vec![Figures::default(); nseg],
        vec![Increments::default(); sums],
    );
    fold_ranges(sent.len(), 1 << 13, each, init, |a, b| {
        let members = a.1.iter().zip(&b.1).map(|(x, y)| x.merge(*y));
        (merge_segments(a.0, b.0), members.collect())
    })
}

/// The scenario's outcome for the given selection.
pub fn outcome_of(t: &ResponseTable, s: &Scenario, sel: &Selection) -> Outcome {
    let p = Pricing {
        serve: sel.serve,
        ..pricing(t, s)
    };
    let nseg = t.segment_names.len().max(1);
    let pricer = Pricer::new(t, &t.mean, &p);
    // A mean that is its members' average sums them in its own pass; otherwise each member
    // is summed on its own.
    let shared = t.mean.classes.is_average_of(&t.members);
    let (per_seg, sums) = if !t.mean.classes.is_empty() {
        class_pass(t, &pricer, &sel.sent, nseg, shared)
    } else {
        let each = |r: Range<usize>| {
            let chunk = &sel.sent[r];
            let mut acc = vec![Figures::default(); nseg];
            for (j, &i) in chunk.iter().enumerate() {
                pricer.prefetch_ahead(chunk, j);
                let seg = t.segment.get(i as usize).copied().unwrap_or(0) as usize;
                acc[seg.min(nseg - 1)].add(&pricer.effect(i as usize));
            }
            acc
        };
        let init = vec![Figures::default(); nseg];
        let per_seg = fold_ranges(sel.sent.len(), 1 << 13, each, init, merge_segments);
        (per_seg, Vec::new())
    };
    // Each member's sums per segment, `[segment][member]`, and over all segments.
    let by_segment: Vec<Vec<Increments>> = if shared {
        let groups = sums.len() / nseg;
        sums.chunks(groups.max(1))
            .map(<[Increments]>::to_vec)
            .collect()
    } else {
        let members = t.members.iter();
        let per_member: Vec<Vec<Increments>> = members
            .map(|m| sum_member_by_segment(t, m, &sel.sent, &p, nseg))
            .collect();
        (0..nseg)
            .map(|s| per_member.iter().map(|m| m[s]).collect())
            .collect()
    };
    let members: Vec<Increments> = (0..by_segment.first().map_or(0, Vec::len))
        .map(|g| {
            by_segment
                .iter()
                .fold(Increments::default(), |a, m| a.merge(m[g]))
        })
        .collect();
    let totals = per_seg
        .iter()
        .fold(Figures::default(), |acc, f| acc.merge(f));
    let customers_per_seg = segment_sizes(t, nseg);
    let (beyond_seen_share, deepest_seen) = beyond_seen(t, s, &sel.sent);
    Outcome {
        scenario: s.name.clone(),
        offer: s.offer.describe(),
        customers: t.len(),
        eligible: sel.eligible,
        held_out: sel.held_out.len(),
        roi: totals.roi(),
        intervals: intervals(t, members, &totals),
        per_segment: t
            .segment_labels()
            .into_iter()
            .zip(per_seg)
            .zip(customers_per_seg)
            .enumerate()
            .map(|(s, ((segment, figures), customers))| SegmentFigures {
                segment,
                customers,
                profit_range: profit_interval(
                    t,
                    by_segment.get(s).map_or(&[][..], Vec::as_slice),
                    &figures,
                ),
                figures,
            })
            .collect(),
        totals,
        stock_served_share: sel.serve,
        beyond_seen_share,
        deepest_seen,
        above_list_price: matches!(s.offer, Offer::DynamicPrice { price_index } if price_index > 1.0),
    }
}

impl Outcome {
    /// A warning when the offer goes deeper than the past campaign did, for some customers.
    pub fn extrapolation_warning(&self) -> Option<String> {
        if self.beyond_seen_share > 0.0 && self.above_list_price {
            return Some(
                "A price above the list price: the past campaign only gave discounts, so the model extrapolates its response to them, and the 5-95% range does not include that."
                    .into(),
            );
        }
        (self.beyond_seen_share > 0.0).then(|| {
            let deepest = match self.deepest_seen {
                Some(d) if d > 0.0 => format!("the deepest was {:.0}% of the basket", 100.0 * d),
                _ => "it never made an offer of this kind".into(),
            };
            format!(
                "For {:.0}% of the customers sent the offer it is deeper than anything of its kind in the past campaign ({deepest}): the model extrapolates there, and the 5-95% range does not include that.",
                100.0 * self.beyond_seen_share
            )
        })
    }
}

/// The share of `sent` whose offer depth exceeds the deepest the past campaign offered, and that
/// depth.
fn beyond_seen(t: &ResponseTable, s: &Scenario, sent: &[u32]) -> (f64, Option<f64>) {
    let (Some(seen), Some(lever)) = (t.depth_seen, s.offer.lever()) else {
        return (0.0, None);
    };
    let deepest = seen[lever as usize] as f64;
    if sent.is_empty() {
        return (0.0, Some(deepest));
    }
    let shape = s.offer.shape();
    // Deeper than any arm, or a price above list (a negative depth: campaigns give discounts).
    let beyond = |b: f64| {
        let d = shape.depth(b);
        d > deepest + 1e-6 || d < -1e-6
    };
    let beyond = if shape.worth == 0.0 {
        // The same depth for everyone: no pass over the customers.
        if beyond(1.0) { sent.len() } else { 0 }
    } else {
        sent.par_chunks(1 << 13)
            .map(|c| {
                let deeper = c
                    .iter()
                    .filter(|&&i| beyond(t.basket_eur[i as usize] as f64));
                deeper.count()
            })
            .sum()
    };
    (beyond as f64 / sent.len() as f64, Some(deepest))
}

/// Simulates the scenario (call `Scenario::validate` first for readable errors).
pub fn simulate(t: &ResponseTable, s: &Scenario) -> Outcome {
    let sel = select(t, s);
    outcome_of(t, s, &sel)
}

/// Per-customer effects of the customers sent the offer, in table order: what the totals sum.
pub fn rows(t: &ResponseTable, s: &Scenario, sel: &Selection) -> Vec<(u32, Effect)> {
    let p = Pricing {
        serve: sel.serve,
        ..pricing(t, s)
    };
    let pricer = Pricer::new(t, &t.mean, &p);
    sel.sent
        .par_iter()
        .map(|&i| (i, pricer.effect(i as usize)))
        .collect()
}

/// One point of a sweep over the offer's main value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    pub value: f64,
    pub totals: Figures,
    pub roi: Option<f64>,
    pub intervals: Intervals,
    pub conversion_rate: f64,
}

impl SweepPoint {
    /// 5–95% of the targeted customers' conversion: those who would buy anyway plus the
    /// interval of the incremental buyers (the error of buying anyway is not in it).
    pub fn conversion_interval(&self) -> Option<Interval> {
        let t = &self.totals;
        let n = t.targeted as f64;
        let anyway = t.buyers_with_offer - t.incremental_buyers;
        let b = self.intervals.incremental_buyers;
        (t.targeted > 0).then(|| Interval {
            p5: (anyway + b.p5) / n,
            p95: (anyway + b.p95) / n,
        })
    }

    /// 5–95% of the ROI: the incremental profit's interval over the expected spend.
    pub fn roi_interval(&self) -> Option<Interval> {
        let spend = self.totals.spend();
        let p = self.intervals.incremental_profit;
        (spend > 0.0).then(|| Interval {
            p5: p.p5 / spend,
            p95: p.p95 / spend,
        })
    }
}

/// Re-simulates the scenario at each offer value (for charts vs discount depth or price index).
pub fn sweep(t: &ResponseTable, s: &Scenario, values: &[f64]) -> Vec<SweepPoint> {
    values
        .iter()
        .map(|&v| {
            let mut sv = s.clone();
            sv.offer = s.offer.with_value(v);
            let o = simulate(t, &sv);
            SweepPoint {
                value: v,
                conversion_rate: if o.totals.targeted > 0 {
                    o.totals.buyers_with_offer / o.totals.targeted as f64
                } else {
                    0.0
                },
                roi: o.roi,
                intervals: o.intervals,
                totals: o.totals,
            }
        })
        .collect()
}

/// `n` evenly spaced values over the offer's slider range.
pub fn sweep_values(offer: &Offer, n: usize) -> Vec<f64> {
    let (_, lo, hi) = offer.value_range();
    let n = n.max(2);
    (0..n)
        .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
        .collect()
}

/// The sweep charts' data as CSV: one row per offer value, with the 5–95% intervals the charts
/// draw (empty where a figure is undefined: no one targeted, nothing spent).
pub fn sweep_csv(points: &[SweepPoint], value_label: &str) -> String {
    let mut csv = format!(
        "{},targeted,incremental_buyers,incremental_revenue,spend,incremental_profit,profit_p5,profit_p95,conversion_rate,roi,revenue_p5,revenue_p95,conversion_p5,conversion_p95,roi_p5,roi_p95\n",
        value_label.replace([',', ' '], "_")
    );
    let fixed =
        |x: Option<f64>, places: usize| x.map_or(String::new(), |x| format!("{x:.places$}"));
    for p in points {
        let t = &p.totals;
        let (conversion, roi) = (p.conversion_interval(), p.roi_interval());
        csv.push_str(&format!(
            "{},{},{:.3},{:.2},{:.2},{:.2},{:.2},{:.2},{:.5},{},{:.2},{:.2},{},{},{},{}\n",
            p.value,
            t.targeted,
            t.incremental_buyers,
            t.incremental_revenue,
            t.spend(),
            t.incremental_profit,
            p.intervals.incremental_profit.p5,
            p.intervals.incremental_profit.p95,
            p.conversion_rate,
            fixed(p.roi, 4),
            p.intervals.incremental_revenue.p5,
            p.intervals.incremental_revenue.p95,
            fixed(conversion.map(|c| c.p5), 5),
            fixed(conversion.map(|c| c.p95), 5),
            fixed(roi.map(|r| r.p5), 4),
            fixed(roi.map(|r| r.p95), 4),
        ));
    }
    csv
}

/// The per-segment chart's data as CSV (segment names quoted).
pub fn segments_csv(o: &Outcome) -> String {
    let mut csv = String::from(
        "segment,customers,targeted,incremental_buyers,incremental_revenue,spend,incremental_profit,incremental_profit_p5,incremental_profit_p95\n",
    );
    for s in &o.per_segment {
        let (f, p) = (&s.figures, &s.profit_range);
        csv.push_str(&format!(
            "\"{}\",{},{},{:.3},{:.2},{:.2},{:.2},{:.2},{:.2}\n",
            s.segment.replace('"', "\"\""),
            s.customers,
            f.targeted,
            f.incremental_buyers,
            f.incremental_revenue,
            f.spend(),
            f.incremental_profit,
            p.p5,
            p.p95
        ));
    }
    csv
}

#[cfg(test)]
mod engine_tests {
    use super::*;
    use crate::sim::response::one_segment;

    #[test]
    fn offers_deeper_than_the_past_campaign_are_flagged() {
        // Coupon depth = 10 / basket: 0.5, 0.2, 0.1, 0.05.
        let mut t = one_segment(Default::default(), vec![20.0, 50.0, 100.0, 200.0]);
        t.depth_seen = Some([0.15, 0.25, 0.1, 0.0]);
        let s = Scenario::new(
            "c",
            Offer::Coupon {
                amount: 10.0,
                min_spend: 0.0,
            },
        );
        let o = simulate(&t, &s);
        assert_eq!(o.deepest_seen, Some(0.15f32 as f64));
        assert!(
            (o.beyond_seen_share - 0.5).abs() < 1e-12,
            "{}",
            o.beyond_seen_share
        );
        // 20% off is within the 25% the campaign offered; a gift was never offered at all.
        assert_eq!(
            simulate(&t, &Scenario::new("p", Offer::PctDiscount { pct: 20.0 })).beyond_seen_share,
            0.0
        );
        // 30% off is deeper for everyone.
        assert_eq!(
            simulate(&t, &Scenario::new("p", Offer::PctDiscount { pct: 30.0 })).beyond_seen_share,
            1.0
        );
        let gift = Offer::Gift {
            threshold: 0.0,
            gift_cost: 10.0,
            perceived_value: 0.7,
        };
        assert_eq!(
            simulate(&t, &Scenario::new("g", gift)).beyond_seen_share,
            1.0
        );
        // A price above list is a negative depth, which no campaign discount tried; a price
        // cut within the 25% is not.
        let price = |price_index| Scenario::new("d", Offer::DynamicPrice { price_index });
        let above = simulate(&t, &price(1.1));
        assert_eq!(above.beyond_seen_share, 1.0);
        assert!(
            above
                .extrapolation_warning()
                .is_some_and(|w| w.contains("above the list price")),
            "{:?}",
            above.extrapolation_warning()
        );
        assert_eq!(simulate(&t, &price(0.8)).beyond_seen_share, 0.0);
        assert_eq!(simulate(&t, &price(1.0)).beyond_seen_share, 0.0);
        t.depth_seen = None;
        assert_eq!(simulate(&t, &s).deepest_seen, None);
    }

    #[test]
    fn chart_data_csv_by_hand() {
        let totals = Figures {
            targeted: 10,
            incremental_buyers: 1.5,
            buyers_with_offer: 2.5,
            incremental_revenue: 120.0,
            redemption_cost: 20.0,
            send_cost: 1.0,
            incremental_profit: 30.0,
            ..Figures::default()
        };
        let p = SweepPoint {
            value: 15.0,
            totals,
            roi: Some(30.0 / 21.0),
            intervals: Intervals {
                incremental_profit: Interval {
                    p5: 10.0,
                    p95: 50.0,
                },
                incremental_revenue: Interval {
                    p5: 80.0,
                    p95: 160.0,
                },
                incremental_buyers: Interval { p5: 0.5, p95: 2.5 },
                ..Intervals::default()
            },
            conversion_rate: 0.25,
        };
        // One of the 2.5 buyers would buy anyway: conversion (1 + 0.5) / 10 to (1 + 2.5) / 10;
        // ROI 10 / 21 to 50 / 21.
        let csv = sweep_csv(std::slice::from_ref(&p), "discount %");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("discount_%,targeted,"));
        assert!(lines[0].ends_with(",roi_p5,roi_p95"));
        assert_eq!(
            lines[1],
            "15,10,1.500,120.00,21.00,30.00,10.00,50.00,0.25000,1.4286,80.00,160.00,0.15000,0.35000,0.4762,2.3810"
        );
        let nothing = SweepPoint {
            totals: Figures::default(),
            roi: None,
            ..p
        };
        assert_eq!(nothing.conversion_interval(), None);
        assert_eq!(nothing.roi_interval(), None);
        assert!(
            sweep_csv(&[nothing], "x")
                .lines()
                .nth(1)
                .unwrap()
                .ends_with(",,,,")
        );
        let o = Outcome {
            per_segment: vec![SegmentFigures {
                segment: "say \"hi\"".into(),
                customers: 40,
                figures: totals,
                profit_range: Interval {
                    p5: 12.5,
                    p95: 47.25,
                },
            }],
            ..Outcome::default()
        };
        assert_eq!(
            segments_csv(&o).lines().nth(1).unwrap(),
            "\"say \"\"hi\"\"\",40,10,1.500,120.00,21.00,30.00,12.50,47.25"
        );
    }
}
