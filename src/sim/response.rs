//! Per-customer response parameters: plain columns the simulator and optimizer read, built from a
//! trained model (`sim::build`) or from the generator's ground truth (`sim::truth`).
//!
//! For customer i and an offer of depth d on lever l, sent (s = 1) or not:
//!   p0 = σ(base_logit)                    (no offer)
//!   p1 = σ(base_logit + s·contact + sensitivity[l]·d + extra)
//! or, for a latent-class model, the mixture Σ_k w_k · σ(base_k + s·contact_k + sensitivity_k[l]·d + extra),
//! of which the columns above are a one-curve summary (exact with no offer and at 10% depth).

use super::offer::{Lever, Offer};
use promolab_kernels::figures::mean_of;
use promolab_kernels::{LANES, Mixture, Offered, mixtures};
use rayon::prelude::*;
use std::sync::Arc;

/// One bootstrap member's parameters (model uncertainty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Member {
    pub base_logit: Vec<f32>,
    pub contact: Vec<f32>,
    pub sensitivity: [Vec<f32>; 4],
    /// Latent response classes; when present the simulator uses the mixture, not the columns.
    pub classes: Classes,
}

/// One latent response class: customer i is in it with probability `weight[i]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Class {
    pub weight: Vec<f32>,
    /// Logit with no offer, per customer (the class base moved by the customer's activity).
    pub base: Vec<f32>,
    pub contact: f32,
    /// Logit shift per unit of depth, per lever (`LEVER_NAMES` order).
    pub sensitivity: [f32; 4],
}

/// Latent response classes as the simulator reads them: a view of a shared table of classes.
///
/// The table is customer-major: each customer's class weights then class logits side by side in
/// whole 64-byte lines (padded to a multiple of `LANES` classes that weigh 0), with each
/// customer's no-offer probabilities computed once. It holds one or more groups of classes side
/// by side, one per bootstrap member: a member's classes are the view of its group, and the
/// ensemble mean is the view of all groups, their average (the mixture of all the members'
/// classes with the weights divided by the number of members). So a pass over customers reads
/// one row per customer and evaluates every member's classes at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Classes {
    table: Option<Arc<ClassTable>>,
    /// The group this view reads; `None`: the average of all of them.
    group: Option<usize>,
}

#[derive(Debug, PartialEq)]
struct ClassTable {
    /// Group g is the classes `ends[g - 1]..ends[g]` (from 0).
    ends: Vec<usize>,
    /// Classes per row, padding included (a multiple of `LANES`).
    lanes: usize,
    contact: Vec<f32>,
    sensitivity: [Vec<f32>; 4],
    /// Zeros: the sensitivity of an offer without a lever.
    no_lever: Vec<f32>,
    /// `lanes / 8` lines per customer: `lanes` weights, then `lanes` logits.
    rows: Vec<Line>,
    /// Customer i's no-offer probability in group g at `i * p0_stride + g` (the stride a power
    /// of two, so that a customer's probabilities share a cache line).
    p0: Vec<f32>,
    p0_stride: usize,
}

/// An offer as latent classes see it, fixed for one simulation: the lever its depth works on
/// (none: the depth has no effect), whether it is sent (`on` = 1) or not, and an extra logit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassOffer {
    pub lever: Option<usize>,
    pub on: f32,
    pub extra: f32,
}

/// 16 numbers on one 64-byte cache line.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Line([f32; 16]);

/// Groups past this many are summed in a heap buffer (bootstrap ensembles are smaller).
const STACK_GROUPS: usize = 16;

/// A class's contact effect and its sensitivity per lever.
type ClassEffect = (f32, [f32; 4]);

impl ClassTable {
    /// A table over `n` customers whose group g holds the classes `ends[g - 1]..ends[g]` (from
    /// 0), class k moved by `effects[k]` (contact effect, then sensitivity per lever), each
    /// customer's row written by `write(i, row)` (its weights, then its logits, `lanes` each,
    /// padding left 0); then the no-offer probabilities are computed.
    fn build(
        n: usize,
        ends: Vec<usize>,
        effects: &[ClassEffect],
        write: impl Fn(usize, &mut [f32]) + Sync,
    ) -> ClassTable {
        let lanes = ends.last().copied().unwrap_or(0).div_ceil(LANES) * LANES;
        let pad = |f: &dyn Fn(&ClassEffect) -> f32| -> Vec<f32> {
            (0..lanes).map(|k| effects.get(k).map_or(0.0, f)).collect()
        };
        let p0_stride = ends.len().next_power_of_two();
        let mut t = ClassTable {
            ends,
            lanes,
            contact: pad(&|e| e.0),
            sensitivity: std::array::from_fn(|l| pad(&|e| e.1[l])),
            no_lever: vec![0.0; lanes],
            rows: large_vec(n * lanes / 8, Line([0.0; 16])),
            p0: large_vec(n * p0_stride, 0.0),
            p0_stride,
        };
        let per = lanes / 8;
        if per > 0 {
            t.rows
                .par_chunks_exact_mut(per)
                .enumerate()
                .for_each(|(i, lines)| write(i, flat_mut(lines)));
        }
        let mut p0 = std::mem::take(&mut t.p0);
        let k = t.ends.len();
        const BLOCK: usize = 1024;
        p0.par_chunks_mut(p0_stride * BLOCK)
            .enumerate()
            .for_each(|(b, p)| {
                let customers: Vec<u32> = (0..p.len() / p0_stride)
                    .map(|j| (b * BLOCK + j) as u32)
                    .collect();
                let zero = vec![0.0; customers.len()];
                let mut out = vec![0.0; customers.len() * k];
                let none = ClassOffer::default();
                t.mixtures(&customers, &none, &zero, &t.ends, &mut [], &mut out);
                for (dst, src) in p
                    .chunks_exact_mut(p0_stride)
                    .zip(out.chunks_exact(k.max(1)))
                {
                    dst[..k].copy_from_slice(&src[..k]);
                }
            });
        t.p0 = p0;
        t
    }

    /// Customers in the table.
    fn len(&self) -> usize {
        self.p0.len() / self.p0_stride
    }

    /// Group `g`'s classes.
    fn group_classes(&self, g: usize) -> std::ops::Range<usize> {
        (if g == 0 { 0 } else { self.ends[g - 1] })..self.ends[g]
    }

    fn row(&self, i: usize) -> &[f32] {
        let per = self.lanes / 8;
        flat(&self.rows[i * per..(i + 1) * per])
    }

    /// The probabilities to buy of each of `customers` in each group up to the given group
    /// `ends` (see `promolab_kernels::mixtures`), and unless `p0` is empty their no-offer
    /// probabilities.
    #[inline(always)]
    fn mixtures(
        &self,
        customers: &[u32],
        offer: &ClassOffer,
        depth: &[f32],
        ends: &[usize],
        p0: &mut [f32],
        out: &mut [f32],
    ) {
        // No lever: the depth has no effect.
        let sensitivity = offer.lever.map_or(&self.no_lever, |l| &self.sensitivity[l]);
        let m = Mixture {
            rows: flat(&self.rows),
            contact: &self.contact,
            sensitivity,
            ends,
            p0: &self.p0,
            p0_stride: self.p0_stride,
        };
        let offered = Offered {
            on: offer.on,
            depth,
            extra: offer.extra,
        };
        mixtures(&m, customers, &offered, p0, out)
    }
}

/// `n` copies of `value`, in memory the kernel is asked to back with huge pages where it can
/// (Linux's transparent huge pages in their default "madvise" mode): the simulator reads such
/// columns at scattered customers, and with 4 KiB pages nearly every read of a large table also
/// misses the processor's address cache.
fn large_vec<T: Copy>(n: usize, value: T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    #[cfg(target_os = "linux")]
    {
        let bytes = n * std::mem::size_of::<T>();
        if bytes >= 4 << 20 {
            let start = v.as_mut_ptr() as usize;
            // madvise wants a page-aligned start; the huge pages go where 2 MiB fit.
            let aligned = start.next_multiple_of(4096);
            let len = (start + bytes).saturating_sub(aligned);
            // SAFETY: the range lies inside `v`'s allocation, and the advice only changes how
            // the kernel backs it (a failure leaves it as it was).
            unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
        }
    }
    v.resize(n, value);
    v
}

/// The numbers on `lines`, in order.
fn flat(lines: &[Line]) -> &[f32] {
    // SAFETY: `Line` is `repr(C)` around `[f32; 16]` with a size of exactly 64 bytes (no
    // padding), so `lines` is `16 * lines.len()` initialized, aligned `f32`s.
    unsafe { std::slice::from_raw_parts(lines.as_ptr().cast(), 16 * lines.len()) }
}

fn flat_mut(lines: &mut [Line]) -> &mut [f32] {
    // SAFETY: as in `flat`, and the borrow is unique.
    unsafe { std::slice::from_raw_parts_mut(lines.as_mut_ptr().cast(), 16 * lines.len()) }
}

impl Classes {
    /// One member's classes. Panics if the classes' columns differ in length (they come from
    /// one model).
    pub fn new(classes: &[Class]) -> Classes {
        let Some(first) = classes.first() else {
            return Classes::default();
        };
        let n = first.weight.len();
        assert!(
            classes
                .iter()
                .all(|c| c.weight.len() == n && c.base.len() == n),
            "latent classes of different lengths"
        );
        let effects: Vec<ClassEffect> =
            classes.iter().map(|c| (c.contact, c.sensitivity)).collect();
        let table = ClassTable::build(n, vec![classes.len()], &effects, |i, row| {
            let lanes = row.len() / 2;
            for (k, c) in classes.iter().enumerate() {
                row[k] = c.weight[i];
                row[lanes + k] = c.base[i];
            }
        });
        Classes {
            table: Some(Arc::new(table)),
            group: Some(0),
        }
    }

    /// The ensemble mean of bootstrap `members` that each have classes of their own: their
    /// classes are moved into one shared table, one group per member (each member then reads
    /// its own group, with the same probabilities as before), and the mean is the view of all
    /// groups, the average of the members' probabilities. Without classes in every member: no
    /// classes (the one-curve columns apply).
    pub fn average_of(members: &mut [Member]) -> Classes {
        if members.is_empty() || members.iter().any(|m| m.classes.group.is_none()) {
            return Classes::default();
        }
        // Each member's group, copied side by side into one table.
        let views: Vec<(Arc<ClassTable>, std::ops::Range<usize>)> = members
            .iter()
            .filter_map(|m| Some((m.classes.table.clone()?, m.classes.group?)))
            .map(|(t, g)| {
                let classes = t.group_classes(g);
                (t, classes)
            })
            .collect();
        let n = views[0].0.len();
        if views.len() != members.len() || views.iter().any(|(t, _)| t.len() != n) {
            return Classes::default();
        }
        let mut ends = Vec::with_capacity(views.len());
        let mut end = 0;
        for (_, r) in &views {
            end += r.len();
            ends.push(end);
        }
        let effects: Vec<ClassEffect> = views
            .iter()
            .flat_map(|(t, r)| {
                r.clone()
                    .map(|k| (t.contact[k], std::array::from_fn(|l| t.sensitivity[l][k])))
            })
            .collect();
        let table = ClassTable::build(n, ends, &effects, |i, row| {
            let lanes = row.len() / 2;
            let mut at = 0;
            for (t, r) in &views {
                let (src, len) = (t.row(i), r.len());
                row[at..at + len].copy_from_slice(&src[r.clone()]);
                let logits = t.lanes + r.start..t.lanes + r.end;
                row[lanes + at..lanes + at + len].copy_from_slice(&src[logits]);
                at += len;
            }
        });
        let table = Arc::new(table);
        for (g, m) in members.iter_mut().enumerate() {
            m.classes = Classes {
                table: Some(table.clone()),
                group: Some(g),
            };
        }
        Classes {
            table: Some(table),
            group: None,
        }
    }

    /// No latent classes: the one-curve columns apply.
    pub fn is_empty(&self) -> bool {
        self.table.is_none()
    }

    /// Whether this is the average of several members' groups, and `members` are those
    /// members in order (each the view of its group of the same table): then one pass can
    /// evaluate every member and the mean together (`groups_of`).
    pub fn is_average_of(&self, members: &[Member]) -> bool {
        let Some(t) = &self.table else {
            return false;
        };
        self.group.is_none()
            && t.ends.len() == members.len()
            && members.iter().enumerate().all(|(g, m)| {
                m.classes.group == Some(g)
                    && m.classes
                        .table
                        .as_ref()
                        .is_some_and(|mt| Arc::ptr_eq(mt, t))
            })
    }

    /// Asks the processor to start loading customer `i`'s classes (for a pass over scattered
    /// customers: call it a few customers ahead).
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        let Some(t) = &self.table else {
            return;
        };
        let per = t.lanes / 8;
        if per > 0 && (i + 1) * per <= t.rows.len() {
            for k in 0..per {
                prefetch(&t.rows, i * per + k);
            }
            prefetch(&t.p0, i * t.p0_stride);
        }
    }

    /// Customer `i`'s probabilities to buy without and with `offer` at depth `depth`. For the
    /// average of several groups, the mean of the groups' probabilities (`figures::mean_of`,
    /// as the simulator's block pass takes it). Panics without classes.
    #[inline(always)]
    pub fn probabilities(&self, i: usize, offer: &ClassOffer, depth: f32) -> (f64, f64) {
        let t = self.table.as_deref().expect("no latent classes");
        let customer = [i as u32];
        match self.group {
            Some(g) => {
                let mut out = [0.0f32; 2];
                let classes = t.group_classes(g);
                let ends = [classes.start, classes.end];
                t.mixtures(&customer, offer, &[depth], &ends, &mut [], &mut out);
                (t.p0[i * t.p0_stride + g] as f64, out[1] as f64)
            }
            None => {
                let k = t.ends.len();
                let mut stack = [0.0f32; STACK_GROUPS];
                let mut heap = Vec::new();
                let out = if k <= STACK_GROUPS {
                    &mut stack[..k]
                } else {
                    heap.resize(k, 0.0);
                    &mut heap[..]
                };
                t.mixtures(&customer, offer, &[depth], &t.ends, &mut [], out);
                mean_of(&t.p0[i * t.p0_stride..i * t.p0_stride + k], out, None)
            }
        }
    }

    /// Customer `i`'s price elasticity of conversion at list price on `lever`: each class's
    /// −s·(1 − p0) weighted by the customer's class probabilities (the expectation of the
    /// customer's own elasticity, as `model::pipeline::segment_elasticity` reports it), averaged
    /// over the groups for the average view. None without classes.
    pub fn expected_elasticity(&self, i: usize, lever: Lever) -> Option<f64> {
        let t = self.table.as_deref()?;
        let (weight, logit) = t.row(i).split_at(t.lanes);
        let sensitivity = &t.sensitivity[lever as usize];
        let of_group = |g: usize| -> f64 {
            t.group_classes(g)
                .map(|k| {
                    let p0 = crate::util::sigmoid(logit[k] as f64);
                    weight[k] as f64 * -(sensitivity[k] as f64) * (1.0 - p0)
                })
                .sum()
        };
        Some(match self.group {
            Some(g) => of_group(g),
            None => (0..t.ends.len()).map(of_group).sum::<f64>() / t.ends.len().max(1) as f64,
        })
    }

    /// The group this view reads; `None` for the average of all groups (or no classes).
    pub fn group(&self) -> Option<usize> {
        self.group
    }

    /// Groups in the table (0 without classes).
    pub fn groups(&self) -> usize {
        self.table.as_ref().map_or(0, |t| t.ends.len())
    }

    /// For each of `customers`, offered depth `depth[j]` (as in `probabilities`), its
    /// probabilities to buy without and with the offer in each group of the table, at
    /// `p0[j · groups + g]` and `full[j · groups + g]`: one call for a block of customers, so
    /// that the processor works on several at once.
    pub fn groups_of(
        &self,
        customers: &[u32],
        offer: &ClassOffer,
        depth: &[f32],
        p0: &mut [f32],
        full: &mut [f32],
    ) {
        let t = self.table.as_deref().expect("no latent classes");
        t.mixtures(customers, offer, depth, &t.ends, p0, full);
    }
}

/// Asks the processor to start loading `v[i]` into its cache (a hint: nothing happens when `i`
/// is out of range or on other processors than x86-64).
#[inline(always)]
pub fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is only a hint, and the address is inside `v`.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseTable {
    pub ids: Vec<String>,
    /// Observable segment per customer (index into `segment_names`), for breakdowns and filters.
    pub segment: Vec<u16>,
    pub segment_names: Vec<String>,
    /// The ensemble's mean parameters.
    pub mean: Member,
    /// Each bootstrap member's parameters; empty when the model is a single net.
    pub members: Vec<Member>,
    /// Expected basket at list prices when buying.
    pub basket_eur: Vec<f32>,
    /// Relative basket growth per unit of depth; empty = 0.
    pub basket_elasticity: Vec<f32>,
    /// Preferred channel per customer (empty = unknown).
    pub channel: Vec<String>,
    /// Customers with an abandoned cart (for cart-recovery offers); empty = none known.
    pub open_cart: Vec<bool>,
    /// Days since the customer was last sent a campaign (NaN = never); empty = unknown.
    pub days_since_contact: Vec<f32>,
    /// Profile features for segment filters (raw, unscaled), each aligned with `ids`.
    pub features: Vec<(String, Vec<f32>)>,
    /// Gross margin rate of goods at list price (from product unit costs).
    pub margin_rate: f64,
    /// Where the parameters came from, for reports.
    pub source: String,
    /// The model checked against the past campaign's randomized control group (held-out
    /// customers); its error widens the scenario intervals.
    pub check: Option<super::check::UpliftCheck>,
    /// The deepest effective depth (share of the basket) the past campaign offered per lever
    /// (`Lever` order; 0 = never offered); `None` when unknown.
    pub depth_seen: Option<[f32; 4]>,
    /// The past campaign's customers held out of the model's training, to check plans against
    /// (`holdout::check_plan`); `None` when unknown.
    pub holdout: Option<super::holdout::Holdout>,
    /// What the preferred channel did in the past campaign (`holdout::ChannelCheck`).
    pub channel_check: Option<super::holdout::ChannelCheck>,
}

impl ResponseTable {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn feature(&self, name: &str) -> Option<&[f32]> {
        self.features
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    pub fn elasticity(&self, i: usize) -> f64 {
        self.basket_elasticity.get(i).map_or(0.0, |&e| e as f64)
    }

    /// The sensitivity column for `offer` in `m`: the offer's own lever when the model learned
    /// one, else the percentage one. None for a message (no depth).
    pub fn lever_column<'a>(&self, m: &'a Member, offer: &Offer) -> Option<&'a [f32]> {
        let lever = offer.lever()?;
        let own = &m.sensitivity[lever as usize];
        if !own.is_empty() {
            return Some(own);
        }
        let pct = &m.sensitivity[Lever::Pct as usize];
        (!pct.is_empty()).then_some(pct.as_slice())
    }

    /// Explains why this table cannot simulate `offer`, if it cannot.
    pub fn cannot_simulate(&self, offer: &Offer) -> Option<String> {
        if offer.lever().is_some()
            && offer.value() != 0.0
            && self.lever_column(&self.mean, offer).is_none()
        {
            return Some(format!(
                "the model ({}) learned no response to discounts, so it cannot price a {} offer; train a response model on a campaign with discount arms, or simulate a plain message",
                self.source,
                offer.kind()
            ));
        }
        if matches!(offer, Offer::CartRecovery { .. }) && self.open_cart.is_empty() {
            return Some(
                "no behaviour events loaded, so no customer is known to have an abandoned cart"
                    .into(),
            );
        }
        None
    }

    /// The segments' names in their index order; "all" for a table without segments.
    pub fn segment_labels(&self) -> Vec<String> {
        if self.segment_names.is_empty() {
            vec!["all".into()]
        } else {
            self.segment_names.clone()
        }
    }

    pub fn segment_name(&self, i: usize) -> &str {
        self.segment
            .get(i)
            .and_then(|&s| self.segment_names.get(s as usize))
            .map_or("all", String::as_str)
    }
}

/// One segment of customers with no-offer logit −2, no contact effect, the given sensitivities
/// per lever and baskets, margin 40% (for the engine's hand-computed tests).
#[cfg(test)]
pub(crate) fn one_segment(sensitivity: [Vec<f32>; 4], basket_eur: Vec<f32>) -> ResponseTable {
    let n = basket_eur.len();
    ResponseTable {
        ids: (0..n).map(|i| i.to_string()).collect(),
        segment: vec![0; n],
        segment_names: vec!["all".into()],
        mean: Member {
            base_logit: vec![-2.0; n],
            contact: vec![0.0; n],
            sensitivity,
            classes: Classes::default(),
        },
        basket_eur,
        margin_rate: 0.4,
        ..ResponseTable::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five classes (padded to `LANES`) over three customers: the no-offer probability is the
    /// weighted sum of the classes' by hand, a zero offer is exactly no offer, and an offer moves
    /// each class by its own contact and sensitivity.
    #[test]
    fn classes_layout_by_hand() {
        let classes: Vec<Class> = (0..5)
            .map(|k| Class {
                weight: vec![0.2, [0.0, 1.0, 0.0, 0.0, 0.0][k], 0.2],
                base: vec![-1.0 - k as f32, 0.5, 2.0 - k as f32],
                contact: 0.1 * k as f32,
                sensitivity: [1.0, 2.0, 3.0, 4.0 + k as f32],
            })
            .collect();
        let c = Classes::new(&classes);
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        for i in 0..3 {
            let by_hand = |on: f64, depth: f64, lever: usize| -> f64 {
                classes
                    .iter()
                    .map(|k| {
                        let z = k.base[i] as f64
                            + on * k.contact as f64
                            + depth * k.sensitivity[lever] as f64;
                        k.weight[i] as f64 * sig(z)
                    })
                    .sum()
            };
            let p = |lever, on, depth| {
                let offer = ClassOffer {
                    lever,
                    on,
                    extra: 0.0,
                };
                c.probabilities(i, &offer, depth)
            };
            let (p0, full) = p(Some(3), 1.0, 0.25);
            assert!((p0 - by_hand(0.0, 0.0, 0)).abs() < 1e-6);
            assert!((full - by_hand(1.0, 0.25, 3)).abs() < 1e-6);
            assert_eq!(p(Some(3), 0.0, 0.0), (p0, p0), "a zero offer is no offer");
            // Elasticity on the percentage lever: Σ weight · −s · (1 − σ(base)).
            let elasticity: f64 = classes
                .iter()
                .map(|k| k.weight[i] as f64 * -2.0 * (1.0 - sig(k.base[i] as f64)))
                .sum();
            let got = c.expected_elasticity(i, Lever::Pct).unwrap();
            assert!((got - elasticity).abs() < 1e-6, "{got} vs {elasticity}");
            // No lever: the depth does nothing.
            assert_eq!(p(None, 1.0, 0.25), p(Some(0), 1.0, 0.0));
            c.prefetch(i);
        }
        c.prefetch(1000);
        assert!(Classes::new(&[]).is_empty());
        assert_eq!(Classes::new(&[]).expected_elasticity(0, Lever::Pct), None);
    }

    /// A model may have any number of classes (`train --classes`, times the ensemble's
    /// members): 130 classes still give the mixture by hand.
    #[test]
    fn many_classes_by_hand() {
        let classes: Vec<Class> = (0..130)
            .map(|k| Class {
                weight: vec![1.0 / 130.0, if k == 129 { 1.0 } else { 0.0 }],
                base: vec![-3.0 + 0.02 * k as f32, 0.5],
                contact: 0.01 * k as f32,
                sensitivity: [0.05 * k as f32, 0.0, 0.0, 0.0],
            })
            .collect();
        let c = Classes::new(&classes);
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let offer = ClassOffer {
            lever: Some(0),
            on: 1.0,
            extra: 0.0,
        };
        for i in 0..2 {
            let by_hand: f64 = classes
                .iter()
                .map(|k| {
                    let z = k.base[i] as f64 + k.contact as f64 + 0.2 * k.sensitivity[0] as f64;
                    k.weight[i] as f64 * sig(z)
                })
                .sum();
            let (_, full) = c.probabilities(i, &offer, 0.2);
            assert!((full - by_hand).abs() < 1e-5, "{full} vs {by_hand}");
        }
    }

    /// Two members' classes moved into one table: each member's probabilities stay what they
    /// were (to f32 rounding), a zero offer is still exactly no offer, and the mean is their
    /// average.
    #[test]
    fn members_share_one_table() {
        let class = |k: usize, shift: f32| Class {
            weight: vec![0.2; 4],
            base: (0..4)
                .map(|i| -2.0 + 0.3 * i as f32 - shift * k as f32)
                .collect(),
            contact: 0.1 * k as f32 + shift,
            sensitivity: [1.0 + shift, 2.0, 3.0, 4.0 + k as f32],
        };
        let own: Vec<Vec<Class>> = [0.0, 0.5]
            .iter()
            .map(|&s| (0..5).map(|k| class(k, s)).collect())
            .collect();
        let mut members: Vec<Member> = own
            .iter()
            .map(|c| Member {
                classes: Classes::new(c),
                ..Member::default()
            })
            .collect();
        let before: Vec<Classes> = members.iter().map(|m| m.classes.clone()).collect();
        let mean = Classes::average_of(&mut members);
        assert!(mean.is_average_of(&members) && !mean.is_average_of(&members[..1]));
        assert!(!before[0].is_average_of(&members));
        let offer = ClassOffer {
            lever: Some(1),
            on: 1.0,
            extra: 0.1,
        };
        let none = ClassOffer {
            lever: Some(1),
            ..ClassOffer::default()
        };
        for i in 0..4 {
            let mut sum = (0.0, 0.0);
            for (m, b) in members.iter().zip(&before) {
                let (p0, full) = m.classes.probabilities(i, &offer, 0.3);
                let (q0, q_full) = b.probabilities(i, &offer, 0.3);
                assert!((p0 - q0).abs() < 1e-7 && (full - q_full).abs() < 1e-7);
                assert_eq!(m.classes.probabilities(i, &none, 0.0), (p0, p0));
                sum = (sum.0 + p0, sum.1 + full);
            }
            let (p0, full) = mean.probabilities(i, &offer, 0.3);
            assert!((p0 - sum.0 / 2.0).abs() < 1e-12 && (full - sum.1 / 2.0).abs() < 1e-12);
            // The average's elasticity is the members' mean; each member's is its own classes'.
            let e = |c: &Classes| c.expected_elasticity(i, Lever::Coupon).unwrap();
            let (a, b) = (e(&members[0].classes), e(&members[1].classes));
            assert!((a - e(&before[0])).abs() < 1e-9 && (b - e(&before[1])).abs() < 1e-9);
            assert!((e(&mean) - (a + b) / 2.0).abs() < 1e-9 && a != b);
            assert_eq!(mean.probabilities(i, &none, 0.0).1, p0);
        }
        // Members without classes: no average.
        assert!(Classes::average_of(&mut [Member::default()]).is_empty());
        assert!(Classes::average_of(&mut []).is_empty());
    }
}
