//! Per-customer response parameters: plain columns the simulator and optimizer read, built from a
//! trained model (`sim::build`) or from the generator's ground truth (`sim::truth`).
//!
//! For customer i and an offer of depth d on lever l, sent (s = 1) or not:
//!   p0 = σ(base_logit)                    (no offer)
//!   p1 = σ(base_logit + s·contact + sensitivity[l]·d + extra)
//! or, for a latent-class model, the mixture Σ_k w_k · σ(base_k + s·contact_k + sensitivity_k[l]·d + extra),
//! of which the columns above are a one-curve summary (exact with no offer and at 10% depth).

use super::offer::{Lever, Offer};
use promolab_kernels::{LANES, Shift, mixture};
use rayon::prelude::*;

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

/// Latent response classes as the simulator reads them: customer-major, each customer's class
/// weights then class logits side by side (a few cache lines per customer instead of two
/// columns per class), padded to a multiple of `LANES` classes that weigh 0, with each
/// customer's no-offer probability computed once. Or, for the mean of bootstrap members that
/// each have classes, no rows at all: the members' average (`average_of_members`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Classes {
    average_of_members: bool,
    count: usize,
    lanes: usize,
    contact: Vec<f32>,
    sensitivity: [Vec<f32>; 4],
    rows: Vec<f32>,
    p0: Vec<f32>,
}

impl Classes {
    /// Panics if the classes' columns differ in length (they come from one model).
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
        let lanes = classes.len().div_ceil(LANES) * LANES;
        let pad = |f: &dyn Fn(&Class) -> f32| -> Vec<f32> {
            (0..lanes).map(|k| classes.get(k).map_or(0.0, f)).collect()
        };
        let contact = pad(&|c| c.contact);
        let sensitivity = std::array::from_fn(|l| pad(&|c| c.sensitivity[l]));
        let mut rows = vec![0.0; n * 2 * lanes];
        rows.par_chunks_exact_mut(2 * lanes)
            .enumerate()
            .for_each(|(i, row)| {
                for (k, c) in classes.iter().enumerate() {
                    row[k] = c.weight[i];
                    row[lanes + k] = c.base[i];
                }
            });
        let p0 = rows
            .par_chunks_exact(2 * lanes)
            .map(|row| {
                let none = Shift {
                    contact: &contact,
                    sensitivity: &sensitivity[0],
                    on: 0.0,
                    depth: 0.0,
                    extra: 0.0,
                };
                mixture(row, &none)
            })
            .collect();
        Classes {
            average_of_members: false,
            count: classes.len(),
            lanes,
            contact,
            sensitivity,
            rows,
            p0,
        }
    }

    /// The ensemble mean of the table's bootstrap members, which all have classes: each
    /// customer's probabilities are the average of the members' (exactly the mixture of all
    /// their classes with the weights divided by the number of members), so the mean needs no
    /// rows of its own and a pass can compute the members and the mean together.
    pub fn average_of_members() -> Classes {
        Classes {
            average_of_members: true,
            ..Classes::default()
        }
    }

    pub fn is_average_of_members(&self) -> bool {
        self.average_of_members
    }

    /// No latent classes: the one-curve columns apply.
    pub fn is_empty(&self) -> bool {
        self.count == 0 && !self.average_of_members
    }

    /// Customer `i`'s weights then logits.
    #[inline(always)]
    fn row(&self, i: usize) -> &[f32] {
        let w = 2 * self.lanes;
        &self.rows[i * w..(i + 1) * w]
    }

    /// Asks the processor to start loading customer `i`'s classes (for a pass over scattered
    /// customers: call it a few customers ahead).
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        if self.count > 0 && i < self.p0.len() {
            let row = self.row(i);
            // Every 64-byte line the row touches (it need not start on one), and its p0.
            let mut k = 0;
            while k < row.len() {
                prefetch(row, k);
                k += 16;
            }
            prefetch(row, row.len() - 1);
            prefetch(&self.p0, i);
        }
    }

    /// Customer `i`'s probability to buy with no offer.
    #[inline(always)]
    pub fn p0(&self, i: usize) -> f32 {
        self.p0[i]
    }

    /// Customer `i`'s probability to buy with an offer: sent (`on` = 1) or not, `depth` on
    /// `lever` (none: the depth has no effect), plus an extra logit.
    #[inline(always)]
    pub fn p1(&self, i: usize, lever: Option<usize>, on: f32, depth: f32, extra: f32) -> f32 {
        let (sensitivity, depth) = match lever {
            Some(l) => (&self.sensitivity[l], depth),
            None => (&self.sensitivity[0], 0.0),
        };
        let shift = Shift {
            contact: &self.contact,
            sensitivity,
            on,
            depth,
            extra,
        };
        mixture(self.row(i), &shift)
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
            assert!((c.p0(i) as f64 - by_hand(0.0, 0.0, 0)).abs() < 1e-6);
            assert_eq!(c.p1(i, Some(3), 0.0, 0.0, 0.0), c.p0(i));
            assert!((c.p1(i, Some(3), 1.0, 0.25, 0.0) as f64 - by_hand(1.0, 0.25, 3)).abs() < 1e-6);
            // No lever: the depth does nothing.
            assert_eq!(
                c.p1(i, None, 1.0, 0.25, 0.0),
                c.p1(i, Some(0), 1.0, 0.0, 0.0)
            );
            c.prefetch(i);
        }
        c.prefetch(1000);
        assert!(Classes::new(&[]).is_empty());
    }
}
