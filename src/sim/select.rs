//! Who is sent a scenario's offer: eligibility, the ranking key and the top-k cut.
//!
//! This is the first half of every re-simulation, so it is shaped for a slider: the scenario's
//! rules and columns are looked up once (`Eligibility`, `Ranker`), the key of a block of
//! customers is one loop over plain columns, and the cut needs one pass: a sample of keys gives a
//! narrow band around the k-th largest key, the pass keeps the customers above the band and the
//! few inside it, and only those inside are ordered. When the band misses (a rare, unlucky
//! sample), the exact histogram cut `top_k` over all keys decides instead; both give the same
//! customers.

use super::offer::{Offer, Shape};
use super::response::ResponseTable;
use super::scenario::{Filter, RankBy, Scenario};
use super::simulate::{Figures, Increments, Interval, Pricer, Pricing, buyers_interval, pricing};
use promolab_kernels::{KeyColumns, KeyKind, KeyParams};
use rayon::prelude::*;
use serde::Serialize;
use std::ops::Range;

/// Who gets the offer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub eligible: usize,
    /// Targeted and sent, in table order.
    pub sent: Vec<u32>,
    /// Targeted but held back as the control group.
    pub held_out: Vec<u32>,
    pub serve: f64,
}

/// A stable pseudo-random number in [0, 1) from a customer id (the control-group draw).
pub fn id_unit(id: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain(*b"promolab-control") {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether a targeted customer is held back as the control group (a stable draw by id).
pub fn held_back(id: &str, control_share: f64) -> bool {
    control_share > 0.0 && id_unit(id) < control_share
}

/// Which segments the scenario includes, by segment index (empty: all).
pub fn segment_mask(t: &ResponseTable, s: &Scenario) -> Vec<bool> {
    if s.targeting.segments.is_empty() {
        return Vec::new();
    }
    t.segment_names
        .iter()
        .map(|n| s.targeting.segments.contains(n))
        .collect()
}

/// A scenario's eligibility rules with their columns looked up once.
pub struct Eligibility<'a> {
    segment: &'a [u16],
    /// Included segments by index (empty: all).
    seg_ok: Vec<bool>,
    /// Filters on profile features the table has (filters on unknown features are ignored).
    filters: Vec<(&'a [f32], &'a Filter)>,
    /// Days since the last contact and the frequency cap in days.
    recent: Option<(&'a [f32], f64)>,
    /// Open carts, for a cart-recovery offer (only customers with one are eligible).
    cart: Option<&'a [bool]>,
}

impl<'a> Eligibility<'a> {
    pub fn new(t: &'a ResponseTable, s: &'a Scenario) -> Self {
        let tg = &s.targeting;
        Eligibility {
            segment: &t.segment,
            seg_ok: segment_mask(t, s),
            filters: tg
                .filters
                .iter()
                .filter_map(|f| t.feature(&f.feature).map(|col| (col, f)))
                .collect(),
            recent: tg
                .exclude_contacted_within_days
                .filter(|_| !t.days_since_contact.is_empty())
                .map(|days| (t.days_since_contact.as_slice(), days)),
            cart: matches!(s.offer, Offer::CartRecovery { .. }).then_some(t.open_cart.as_slice()),
        }
    }

    /// True when no rule leaves anyone out.
    pub fn everyone(&self) -> bool {
        self.seg_ok.is_empty()
            && self.filters.is_empty()
            && self.recent.is_none()
            && self.cart.is_none()
    }

    /// Whether customer `i` may receive the offer at all.
    #[inline]
    pub fn allows(&self, i: usize) -> bool {
        if !self.seg_ok.is_empty()
            && !self.seg_ok[self.segment.get(i).copied().unwrap_or(0) as usize]
        {
            return false;
        }
        if self.filters.iter().any(|(col, f)| !f.accepts(col[i])) {
            return false;
        }
        if let Some((days, cap)) = self.recent
            && let Some(&d) = days.get(i)
            && d.is_finite()
            && (d as f64) < cap
        {
            return false;
        }
        self.cart
            .is_none_or(|open| open.get(i).copied().unwrap_or(false))
    }
}

/// Keys of a block of customers are computed together, in a buffer of this size.
const BLOCK: usize = 2048;
static ZEROS: [f32; BLOCK] = [0.0; BLOCK];

/// The scenario's ranking key (larger is better; −∞ for the ineligible), with everything fixed
/// per scenario looked up once. Computed in f32 from the ensemble's mean curve by
/// `promolab_kernels::keys` (vectorized, fully optimized): it only orders customers, the totals
/// are summed in f64 by `simulate::effect`.
pub struct Ranker<'a> {
    t: &'a ResponseTable,
    eligibility: Eligibility<'a>,
    kind: KeyKind,
    sensitivity: Option<&'a [f32]>,
    params: KeyParams,
}

impl<'a> Ranker<'a> {
    pub fn new(t: &'a ResponseTable, s: &'a Scenario) -> Self {
        let p = pricing(t, s);
        let shape: Shape = s.offer.shape();
        Ranker {
            t,
            eligibility: Eligibility::new(t, s),
            kind: match s.targeting.rank_by {
                RankBy::Profit => KeyKind::Profit,
                RankBy::Uplift => KeyKind::Uplift,
                RankBy::Propensity => KeyKind::Propensity,
            },
            sensitivity: t.lever_column(&t.mean, &s.offer),
            params: KeyParams {
                fixed_depth: shape.fixed_depth as f32,
                worth: shape.worth as f32,
                threshold: shape.threshold.max(1.0) as f32,
                basket_floor: shape.basket_floor as f32,
                cut_share: shape.cut_share as f32,
                cut_fixed: shape.cut_fixed as f32,
                other_cost: shape.other_cost as f32,
                extra_logit: shape.extra_logit as f32,
                contact_on: if shape.sent { 1.0 } else { 0.0 },
                margin: p.margin as f32,
                send_cost: if shape.sent { p.send_cost as f32 } else { 0.0 },
            },
        }
    }

    /// The keys of customers `start..start + out.len()`.
    pub fn keys(&self, start: usize, out: &mut [f32]) {
        for (b, out) in out.chunks_mut(BLOCK).enumerate() {
            let start = start + b * BLOCK;
            let (n, t) = (out.len(), self.t);
            let r = start..start + n;
            let or_zeros = |col: &'a [f32]| {
                if col.is_empty() {
                    &ZEROS[..n]
                } else {
                    &col[r.clone()]
                }
            };
            let columns = KeyColumns {
                base_logit: &t.mean.base_logit[r.clone()],
                contact: &t.mean.contact[r.clone()],
                basket: &t.basket_eur[r.clone()],
                growth: or_zeros(&t.basket_elasticity),
                sensitivity: self.sensitivity.map_or(&ZEROS[..n], or_zeros),
            };
            promolab_kernels::keys(self.kind, &self.params, &columns, out);
            if !self.eligibility.everyone() {
                for (j, o) in out.iter_mut().enumerate() {
                    if !self.eligibility.allows(start + j) {
                        *o = f32::NEG_INFINITY;
                    }
                }
            }
        }
    }

    /// The keys of the customers `rows` (in any order).
    pub fn keys_of(&self, rows: &[usize]) -> Vec<f32> {
        let t = self.t;
        let gather = |col: &[f32]| -> Vec<f32> {
            if col.is_empty() {
                vec![0.0; rows.len()]
            } else {
                rows.iter().map(|&i| col[i]).collect()
            }
        };
        let (base, contact) = (gather(&t.mean.base_logit), gather(&t.mean.contact));
        let (basket, growth) = (gather(&t.basket_eur), gather(&t.basket_elasticity));
        let sensitivity = gather(self.sensitivity.unwrap_or(&[]));
        let columns = KeyColumns {
            base_logit: &base,
            contact: &contact,
            basket: &basket,
            growth: &growth,
            sensitivity: &sensitivity,
        };
        let mut out = vec![0.0; rows.len()];
        promolab_kernels::keys(self.kind, &self.params, &columns, &mut out);
        for (o, &i) in out.iter_mut().zip(rows) {
            if !self.eligibility.allows(i) {
                *o = f32::NEG_INFINITY;
            }
        }
        out
    }
}

/// Customers per parallel task of the passes over the whole table.
const CHUNK: usize = 1 << 15;

/// Indices of the `k` largest keys (ties broken by table order), in table order. A parallel
/// histogram finds the bin holding the k-th key; only that bin is sorted. Work is split into
/// chunks with plain loops inside (cheap even without full optimization).
pub fn top_k(keys: &[f32], k: usize) -> Vec<u32> {
    let n = keys.len();
    if k == 0 {
        return Vec::new();
    }
    if k >= n {
        return (0..n as u32).collect();
    }
    let (lo, hi) = keys
        .par_chunks(CHUNK)
        .map(|c| {
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            for &x in c {
                if x.is_finite() {
                    lo = lo.min(x);
                    hi = hi.max(x);
                }
            }
            (lo, hi)
        })
        .reduce(
            || (f32::INFINITY, f32::NEG_INFINITY),
            |(a, b), (c, d)| (a.min(c), b.max(d)),
        );
    const BINS: usize = 4096;
    let scale = if hi > lo {
        BINS as f32 / (hi - lo)
    } else {
        1.0
    };
    // Bin 0 holds −∞ (ineligible); bins count from the top, so bin 1 holds the largest keys.
    let bin = |x: f32| -> usize {
        if x.is_finite() {
            1 + (((hi - x) * scale) as usize).min(BINS - 1)
        } else {
            0
        }
    };
    let counts = keys
        .par_chunks(CHUNK)
        .map(|c| {
            let mut counts = vec![0u32; BINS + 1];
            for &x in c {
                counts[bin(x)] += 1;
            }
            counts
        })
        .reduce(
            || vec![0u32; BINS + 1],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    // Walk from the top bin down to the one holding the k-th key.
    let (mut above, mut cut_bin) = (0usize, 0usize);
    for b in (1..=BINS).chain(std::iter::once(0)) {
        let c = counts[b] as usize;
        if above + c >= k {
            cut_bin = b;
            break;
        }
        above += c;
    }
    // Per chunk, in table order: the indices above the cut bin, and the candidates in it.
    let parts: Vec<Part> = keys
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, c)| {
            let mut part = Part::default();
            for (j, &x) in c.iter().enumerate() {
                let i = (ci * CHUNK + j) as u32;
                let b = bin(x);
                if b == cut_bin {
                    part.maybe.push((x, i));
                } else if b != 0 && (cut_bin == 0 || b < cut_bin) {
                    part.sure.push(i);
                }
            }
            part
        })
        .collect();
    finish_cut(&parts, k - above)
}

/// One chunk's customers above a cut (`sure`) and inside its band (`maybe`), in table order.
#[derive(Default)]
struct Part {
    sure: Vec<u32>,
    maybe: Vec<(f32, u32)>,
    eligible: usize,
}

/// The sure customers of every part and the best `need` of those inside the band, in table
/// order (ties inside the band broken by table order).
///
/// The band's `need`-th best is found once; then each part, in parallel, merges its sure
/// customers with its band customers at least as good, straight into its place in the result.
fn finish_cut(parts: &[Part], need: usize) -> Vec<u32> {
    // Better first: larger key, then earlier in the table (a total order: no two are equal).
    let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    let mut inside: Vec<(f32, u32)> = parts.iter().flat_map(|p| p.maybe.iter().copied()).collect();
    // The worst chosen from the band, or None when none is.
    let worst = match need {
        0 => None,
        n if n >= inside.len() => inside.iter().copied().max_by(order),
        n => Some(*inside.select_nth_unstable_by(n - 1, order).1),
    };
    let chosen = |x: &(f32, u32)| worst.is_some_and(|w| order(x, &w).is_le());
    let sizes: Vec<usize> = parts
        .par_iter()
        .map(|p| p.sure.len() + p.maybe.iter().filter(|x| chosen(x)).count())
        .collect();
    let mut all = vec![0u32; sizes.iter().sum()];
    let mut places = Vec::with_capacity(parts.len());
    let mut rest = all.as_mut_slice();
    for &size in &sizes {
        let (place, after) = rest.split_at_mut(size);
        places.push(place);
        rest = after;
    }
    parts.par_iter().zip(places).for_each(|(p, place)| {
        // Both lists are in table order: merge them.
        let mut band = p.maybe.iter().filter(|x| chosen(x)).map(|x| x.1).peekable();
        let mut at = 0;
        let mut put = |i: u32| {
            place[at] = i;
            at += 1;
        };
        for &x in &p.sure {
            while let Some(y) = band.next_if(|&y| y < x) {
                put(y);
            }
            put(x);
        }
        band.for_each(put);
    });
    all
}

/// Bounds (lo, hi) such that, very likely, the `share` best of the eligible have keys above
/// `lo` and at most that many have keys above `hi`; from an evenly spaced sample of keys.
fn band(ranker: &Ranker, n: usize, share: f64) -> (f32, f32) {
    // Runs of consecutive customers spread evenly over the table: cheap to read, and the
    // count above the cut is still an unbiased estimate.
    const RUN: usize = 32;
    let runs = (n / RUN).clamp(1, 512);
    let step = n / runs;
    // At most 16,384 keys: measured as fast in one thread as spread over two.
    let mut sample: Vec<f32> = Vec::with_capacity(runs * RUN);
    let mut keys = [0.0f32; RUN];
    for r in 0..runs {
        let keys = &mut keys[..RUN.min(n - r * step)];
        ranker.keys(r * step, keys);
        sample.extend(keys.iter().filter(|k| k.is_finite()));
    }
    let m = sample.len() as f64;
    // The key at a rank (0 = largest) of the sample; a selection, not a sort.
    let mut at_rank = |r: usize| *sample.select_nth_unstable_by(r, |a, b| b.total_cmp(a)).1;
    // The sample's count above the k-th largest key is about binomial(m, share).
    let at = share * m;
    let margin = 5.0 * (m * share * (1.0 - share)).sqrt() + 8.0;
    let hi = if at - margin < 0.0 {
        f32::INFINITY
    } else {
        at_rank((at - margin) as usize)
    };
    let lo_at = (at + margin).ceil();
    let lo = if lo_at >= m {
        f32::NEG_INFINITY
    } else {
        at_rank(lo_at as usize)
    };
    (lo, hi)
}

/// The eligible count and the targeted customers (the best `top_share` of the eligible), in
/// table order.
fn targeted(t: &ResponseTable, s: &Scenario) -> (usize, Vec<u32>) {
    let ranker = Ranker::new(t, s);
    let n = t.len();
    let share = s.targeting.top_share.clamp(0.0, 1.0);
    let (lo, hi) = band(&ranker, n, share);
    let parts: Vec<Part> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let start = c * CHUNK;
            let mut keys = [0.0f32; BLOCK];
            let mut part = Part::default();
            for b in (start..(start + CHUNK).min(n)).step_by(BLOCK) {
                let keys = &mut keys[..BLOCK.min(n - b)];
                ranker.keys(b, keys);
                part.eligible += promolab_kernels::split_by_band(
                    keys,
                    b as u32,
                    lo,
                    hi,
                    &mut part.sure,
                    &mut part.maybe,
                );
            }
            part
        })
        .collect();
    let eligible: usize = parts.iter().map(|p| p.eligible).sum();
    let k = ((eligible as f64 * share).round() as usize).min(eligible);
    let sure: usize = parts.iter().map(|p| p.sure.len()).sum();
    let inside: usize = parts.iter().map(|p| p.maybe.len()).sum();
    if sure <= k && k <= sure + inside {
        return (eligible, finish_cut(&parts, k - sure));
    }
    // The sample's band missed the k-th key: the exact cut over every key.
    let mut keys = vec![0.0f32; n];
    keys.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, out)| ranker.keys(c * CHUNK, out));
    (eligible, top_k(&keys, k))
}

/// Chooses who is sent the offer and who is held back.
pub fn select(t: &ResponseTable, s: &Scenario) -> Selection {
    let (eligible, targeted) = targeted(t, s);
    let share = s.targeting.control_share;
    let (held_out, sent) = if share > 0.0 {
        let held: Vec<bool> = targeted
            .par_iter()
            .map(|&i| held_back(&t.ids[i as usize], share))
            .collect();
        let (mut held_out, mut sent) = (Vec::new(), Vec::with_capacity(targeted.len()));
        for (i, h) in targeted.into_iter().zip(held) {
            if h { held_out.push(i) } else { sent.push(i) }
        }
        (held_out, sent)
    } else {
        (Vec::new(), targeted)
    };
    let mut sel = Selection {
        eligible,
        sent,
        held_out,
        serve: 1.0,
    };
    if let Offer::FlashSale { stock_cap, .. } = s.offer {
        let pricer = Pricer::new(t, &t.mean, &pricing(t, s));
        let each = |r: Range<usize>| {
            let chunk = &sel.sent[r];
            let mut sums = (0.0, 0.0);
            for (j, &i) in chunk.iter().enumerate() {
                pricer.prefetch_ahead(chunk, j);
                let e = pricer.effect(i as usize);
                sums = (sums.0 + e.p0, sums.1 + e.p1);
            }
            sums
        };
        let add = |a: (f64, f64), b: (f64, f64)| (a.0 + b.0, a.1 + b.1);
        let (base, full) = super::fold_ranges(sel.sent.len(), 1 << 13, each, (0.0, 0.0), add);
        if full > stock_cap && full > base {
            sel.serve = ((stock_cap - base) / (full - base)).clamp(0.0, 1.0);
        }
    }
    sel
}

/// One bar of the uplift-by-decile chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpliftDecile {
    /// 1 = the eligible customers first in line under the scenario's ranking.
    pub decile: usize,
    /// Mean predicted uplift (conversion with the offer minus without).
    pub predicted: f64,
    /// Its 5–95% range, drawn as a scenario's incremental buyers are (bootstrap members, the
    /// model's error against the control group, customer randomness), per customer.
    pub range: Interval,
    /// The same from the ground truth's table, when there is one.
    pub truth: Option<f64>,
}

/// Predicted (and true) uplift of the scenario's offer in ten equal groups of eligible
/// customers ranked the scenario's way. For speed on large tables it uses an evenly spaced
/// sample of at most `max_sample` customers (a chart, not a total).
pub fn uplift_deciles(
    t: &ResponseTable,
    s: &Scenario,
    oracle: Option<&ResponseTable>,
    max_sample: usize,
) -> Vec<UpliftDecile> {
    let ranker = Ranker::new(t, s);
    let p: Pricing = pricing(t, s);
    let step = t.len().div_ceil(max_sample.max(1)).max(1);
    let sampled: Vec<usize> = (0..t.len()).step_by(step).collect();
    let mut rows: Vec<(f32, usize)> = ranker
        .keys_of(&sampled)
        .into_iter()
        .zip(sampled)
        .filter(|(k, _)| k.is_finite())
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = rows.len();
    (0..10)
        .into_par_iter()
        .filter_map(|d| {
            let group = &rows[d * n / 10..(d + 1) * n / 10];
            if group.is_empty() {
                return None;
            }
            let n = group.len() as f64;
            let sums = |tab: &ResponseTable| {
                let pricer = Pricer::new(tab, &tab.mean, &p);
                let mut f = Figures::default();
                for &(_, i) in group {
                    f.add(&pricer.effect(i));
                }
                f
            };
            let figures = sums(t);
            let members: Vec<Increments> = t
                .members
                .iter()
                .map(|m| {
                    let pricer = Pricer::new(t, m, &p);
                    group.iter().fold(Increments::default(), |a, &(_, i)| {
                        a.merge(pricer.increments(i))
                    })
                })
                .collect();
            let buyers = buyers_interval(t, &members, &figures);
            Some(UpliftDecile {
                decile: d + 1,
                predicted: figures.incremental_buyers / n,
                range: Interval {
                    p5: buyers.p5 / n,
                    p95: buyers.p95 / n,
                },
                truth: oracle
                    .filter(|o| o.len() == t.len())
                    .map(|o| sums(o).incremental_buyers / n),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::response::one_segment;
    use crate::sim::simulate::effect;
    use rand::rngs::StdRng;

    #[test]
    fn uplift_deciles_follow_the_ranking_by_hand() {
        // Ten customers whose uplift under 20% off grows with their sensitivity; ranked by
        // uplift, decile 1 holds the most sensitive one.
        let n = 10;
        let t = one_segment(
            std::array::from_fn(|_| (0..n).map(|i| i as f32).collect()),
            vec![50.0; n],
        );
        let mut s = Scenario::new("u", Offer::PctDiscount { pct: 20.0 });
        s.targeting.rank_by = RankBy::Uplift;
        let d = uplift_deciles(&t, &s, Some(&t), 1000);
        assert_eq!(d.len(), 10);
        let p = pricing(&t, &s);
        let by_hand = |i: usize| {
            let e = effect(&t, &t.mean, i, &p);
            e.p1 - e.p0
        };
        assert!((d[0].predicted - by_hand(9)).abs() < 1e-12);
        assert!((d[9].predicted - by_hand(0)).abs() < 1e-12);
        assert_eq!(d[0].truth, Some(d[0].predicted));
        assert!(d.windows(2).all(|w| w[0].predicted > w[1].predicted));
        // Each decile's range holds its figure; with bootstrap members that disagree (half and
        // one and a half times the sensitivity) it is wider, and holds both members' uplift.
        for x in &d {
            assert!(
                x.range.p5 <= x.predicted && x.predicted <= x.range.p95,
                "{x:?}"
            );
        }
        let mut spread = t.clone();
        spread.members = [0.5f32, 1.5]
            .iter()
            .map(|&k| {
                let mut m = t.mean.clone();
                m.sensitivity =
                    std::array::from_fn(|l| m.sensitivity[l].iter().map(|s| s * k).collect());
                m
            })
            .collect();
        let wide = uplift_deciles(&spread, &s, None, 1000);
        for (x, w) in d.iter().zip(&wide).take(9) {
            let width = |r: &Interval| r.p95 - r.p5;
            assert!(width(&w.range) > width(&x.range), "{x:?} {w:?}");
        }
        let member_uplift = |k: usize, i: usize| {
            let e = effect(&spread, &spread.members[k], i, &p);
            e.p1 - e.p0
        };
        assert!(
            wide[0].range.p5 <= member_uplift(0, 9) && member_uplift(1, 9) <= wide[0].range.p95
        );
        // Sampling every second customer keeps five, one per pair of deciles' worth.
        assert_eq!(
            uplift_deciles(&t, &s, None, 5)
                .iter()
                .filter(|x| x.truth.is_none())
                .count(),
            5
        );
    }

    #[test]
    fn top_k_matches_a_full_sort() {
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(3);
        for n in [1usize, 7, 60, 1000, 100_000] {
            // Few distinct values (many ties), some ineligible customers.
            let keys: Vec<f32> = (0..n)
                .map(|_| {
                    if rng.random::<f32>() < 0.1 {
                        f32::NEG_INFINITY
                    } else {
                        (rng.random_range(-50..50) as f32) / 7.0
                    }
                })
                .collect();
            // Every k on small tables: cuts inside a run of ties, at its end, and none from
            // the band.
            let ks: Vec<usize> = if n <= 60 {
                (0..=n).collect()
            } else {
                vec![0, 1, n / 3, n.saturating_sub(1), n]
            };
            for k in ks {
                let mut order: Vec<u32> = (0..n as u32).collect();
                order.sort_by(|&a, &b| {
                    keys[b as usize]
                        .total_cmp(&keys[a as usize])
                        .then(a.cmp(&b))
                });
                let mut want: Vec<u32> = order[..k].to_vec();
                want.sort_unstable();
                assert_eq!(top_k(&keys, k), want, "n {n} k {k}");
            }
        }
    }

    /// The one-pass cut (band from a sample) chooses exactly the customers a full sort of the
    /// keys would, for any share, ranking and eligibility rule.
    #[test]
    fn select_matches_a_full_sort_of_the_keys() {
        use crate::sim::bench::random_table;
        use crate::sim::offer::Offer;
        let t = random_table(60_000, 0, 9);
        for (offer, rank_by, segments) in [
            (Offer::PctDiscount { pct: 20.0 }, RankBy::Profit, vec![]),
            (
                Offer::Coupon {
                    amount: 10.0,
                    min_spend: 80.0,
                },
                RankBy::Uplift,
                vec!["segment 1".to_string(), "segment 3".to_string()],
            ),
            (Offer::FreeShipping { fee: 6.0 }, RankBy::Propensity, vec![]),
        ] {
            for share in [0.0, 0.0001, 0.05, 0.3, 0.5, 0.97, 1.0] {
                let mut s = Scenario::new("x", offer.clone());
                s.targeting.rank_by = rank_by;
                s.targeting.segments = segments.clone();
                s.targeting.top_share = share;
                let ranker = Ranker::new(&t, &s);
                let mut keys = vec![0.0; t.len()];
                ranker.keys(0, &mut keys);
                let eligible = keys.iter().filter(|k| k.is_finite()).count();
                let k = (eligible as f64 * share).round() as usize;
                let mut order: Vec<u32> = (0..t.len() as u32).collect();
                order.sort_by(|&a, &b| {
                    keys[b as usize]
                        .total_cmp(&keys[a as usize])
                        .then(a.cmp(&b))
                });
                let mut want = order[..k].to_vec();
                want.sort_unstable();
                let sel = select(&t, &s);
                assert_eq!(sel.eligible, eligible, "{offer:?} {share}");
                assert_eq!(sel.sent, want, "{offer:?} {rank_by:?} {share}");
                // One key at a time and a gathered sample agree with the block computation.
                assert_eq!(
                    ranker.keys_of(&[7, 3, 59_999]),
                    [keys[7], keys[3], keys[59_999]]
                );
            }
        }
    }
}
