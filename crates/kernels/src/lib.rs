//! promolab's per-customer hot loops over plain `f32` slices.
//!
//! A re-simulation ranks every customer on each slider move, and the ranking key needs two
//! logistic functions per customer. The standard library's `exp` is a libm call the compiler
//! cannot vectorize, and at the dev profile's opt-level 1 nothing is vectorized at all. This
//! crate is small and built at opt-level 3 even in the dev profile (see the root Cargo.toml),
//! and its functions are not generic or `#[inline]`, so their code is generated here, fully
//! optimized, whatever the caller's profile. The formulas themselves are the simulator's; they
//! are documented in `promolab::sim::simulate` and `promolab::sim::offer::Shape`.

pub mod figures;

/// `a·b + c`, fused into one rounding where `FMA` (only in code compiled for processors with
/// FMA: elsewhere `mul_add` is a slow library call).
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// e^x in f32 without a libm call, so that a loop over a slice vectorizes: x = k·ln 2 + r
/// with |r| ≤ ln 2 / 2, e^r by the Cephes `expf` polynomial, 2^k by writing the exponent bits. The
/// input is clamped to [−87, 88] (the range of normal f32 results), so very negative x gives
/// about 1.6e−38 instead of a smaller number, and very large x about 1.7e38 instead of ∞; NaN
/// gives NaN. Relative error below 3e−7 elsewhere (tested against `f32::exp`).
/// With fused multiply-adds where `FMA`.
#[inline(always)]
fn exp_with<const FMA: bool>(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5·2^23: adding it rounds to the nearest integer, which lands in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    // ln 2 split in two so that k·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let nan = x.is_nan();
    let x = x.clamp(-87.0, 88.0);
    let shifted = madd::<FMA>(x, LOG2E, ROUND);
    let k = shifted - ROUND;
    let k_int = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let r = madd::<FMA>(-k, LN2_LO, madd::<FMA>(-k, LN2_HI, x));
    let mut y = 1.987_569_2e-4;
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ] {
        y = madd::<FMA>(y, r, c);
    }
    let y = madd::<FMA>(y, r * r, r) + 1.0;
    let e = y * f32::from_bits((k_int.wrapping_add(127) as u32).wrapping_shl(23));
    if nan { f32::NAN } else { e }
}

/// The larger of two numbers as a plain comparison (vectorizes to `maxps`; `f32::max`'s NaN
/// rules keep the loops scalar on baseline x86-64).
#[inline(always)]
fn larger(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

/// The logistic function σ(z) = 1 / (1 + e^−z) with `exp_with` above.
#[inline(always)]
fn sigmoid(z: f32) -> f32 {
    sigmoid_with::<false>(z)
}

#[inline(always)]
fn sigmoid_with<const FMA: bool>(z: f32) -> f32 {
    1.0 / (1.0 + exp_with::<FMA>(-z))
}

/// What a ranking key orders customers by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Conversion without the offer, p0.
    Propensity,
    /// Incremental conversion, p1 − p0.
    Uplift,
    /// Expected incremental profit.
    Profit,
}

/// One scenario's constants for the key: the offer's shape (`promolab::sim::offer::Shape`), the
/// margin rate and the send cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KeyParams {
    pub fixed_depth: f32,
    pub worth: f32,
    /// The threshold the worth is relative to, at least 1.
    pub threshold: f32,
    pub basket_floor: f32,
    pub cut_share: f32,
    pub cut_fixed: f32,
    pub other_cost: f32,
    pub extra_logit: f32,
    /// 1 when a message is sent (the contact effect applies), else 0.
    pub contact_on: f32,
    pub margin: f32,
    /// Send cost per customer (0 when nothing is sent).
    pub send_cost: f32,
}

/// Per-customer columns for a block of customers, all of the same length as the output.
#[derive(Debug, Clone, Copy)]
pub struct KeyColumns<'a> {
    pub base_logit: &'a [f32],
    pub contact: &'a [f32],
    pub basket: &'a [f32],
    /// Relative basket growth per unit of depth.
    pub growth: &'a [f32],
    /// Logit shift per unit of depth for the offer's lever.
    pub sensitivity: &'a [f32],
}

/// The ranking keys of a block of customers (see `KeyKind`). For customer j, with depth
/// d = fixed_depth + worth / max(basket, threshold), basket under the offer
/// B1 = max(basket·(1 + growth·d), basket_floor) and price cut c = cut_share·B1·d + cut_fixed:
///   p0 = σ(base), p1 = σ(base + contact_on·contact + sensitivity·d + extra_logit),
///   profit key = p1·(margin·B1 − c − other_cost) − p0·margin·basket − send_cost.
///
/// Runs 8 customers at a time where the processor has AVX2 (checked once), else 4, with the
/// same operations in the same order: the same keys either way.
///
/// Panics if a column is shorter than `out` (a caller's bug, not user data).
pub fn keys(kind: KeyKind, p: &KeyParams, c: &KeyColumns, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if wide() {
        // SAFETY: the processor has AVX2 (`wide`).
        return unsafe { keys_avx2(kind, p, c, out) };
    }
    keys_in(kind, p, c, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn keys_avx2(kind: KeyKind, p: &KeyParams, c: &KeyColumns, out: &mut [f32]) {
    keys_in(kind, p, c, out)
}

#[inline(always)]
fn keys_in(kind: KeyKind, p: &KeyParams, c: &KeyColumns, out: &mut [f32]) {
    let n = out.len();
    let (base, contact, basket) = (&c.base_logit[..n], &c.contact[..n], &c.basket[..n]);
    let (growth, sens) = (&c.growth[..n], &c.sensitivity[..n]);
    match kind {
        KeyKind::Propensity => {
            for j in 0..n {
                out[j] = sigmoid(base[j]);
            }
        }
        KeyKind::Uplift => {
            for j in 0..n {
                let b = basket[j];
                let depth = p.fixed_depth + p.worth / larger(b, p.threshold);
                let z1 = base[j] + p.contact_on * contact[j] + sens[j] * depth + p.extra_logit;
                out[j] = sigmoid(z1) - sigmoid(base[j]);
            }
        }
        KeyKind::Profit => {
            for j in 0..n {
                let b = basket[j];
                let depth = p.fixed_depth + p.worth / larger(b, p.threshold);
                let grown = larger(b * (1.0 + growth[j] * depth), p.basket_floor);
                let cut = p.cut_share * grown * depth + p.cut_fixed;
                let z1 = base[j] + p.contact_on * contact[j] + sens[j] * depth + p.extra_logit;
                out[j] = sigmoid(z1) * (p.margin * grown - cut - p.other_cost)
                    - sigmoid(base[j]) * p.margin * b
                    - p.send_cost;
            }
        }
    }
}

/// Sorts a block of keys of customers `start..` against a band [lo, hi]: customers with keys
/// above `hi` go to `above`, those inside the band to `inside` with their key; −∞ keys (the
/// ineligible) are skipped. Returns how many keys were not −∞.
///
/// Branch-free: every customer is written to a small buffer and the buffer's length advances
/// only when the customer belongs there (a branch on a key would be mispredicted about as often
/// as a share of customers is targeted).
pub fn split_by_band(
    keys: &[f32],
    start: u32,
    lo: f32,
    hi: f32,
    above: &mut Vec<u32>,
    inside: &mut Vec<(f32, u32)>,
) -> usize {
    const RUN: usize = 1024;
    let mut eligible = 0;
    let mut above_buf = [0u32; RUN];
    let mut inside_buf = [(0.0f32, 0u32); RUN];
    for (r, run) in keys.chunks(RUN).enumerate() {
        let (mut n_above, mut n_inside) = (0, 0);
        let first = start.wrapping_add((r * RUN) as u32);
        for (j, &x) in run.iter().enumerate() {
            let i = first.wrapping_add(j as u32);
            let ok = x != f32::NEG_INFINITY;
            eligible += ok as usize;
            above_buf[n_above] = i;
            n_above += (x > hi) as usize;
            inside_buf[n_inside] = (x, i);
            n_inside += (ok & (x >= lo) & (x <= hi)) as usize;
        }
        above.extend_from_slice(&above_buf[..n_above]);
        inside.extend_from_slice(&inside_buf[..n_inside]);
    }
    eligible
}

/// How many classes a latent-class row is padded to: a multiple of the widest vector used.
pub const LANES: usize = 8;

/// Rows of up to this many classes keep their terms on the stack (larger ones on the heap).
const STACK_LANES: usize = 128;

/// Latent response classes of every customer, grouped (a group is one bootstrap member's
/// classes): customer i's row, at `i · 2·lanes` in `rows`, holds its class weights w, then its
/// no-offer logits b, `lanes` each (a multiple of `LANES`; padding classes weigh 0). Class k
/// moves by `contact[k]` when the offer is sent and by `sensitivity[k]` per unit of depth.
/// Group g is the classes `ends[g - 1]..ends[g]` (from 0; classes past the last end belong to
/// no group).
/// Customer i's no-offer probability in group g, where known, is `p0[i · p0_stride + g]`.
#[derive(Debug, Clone, Copy)]
pub struct Mixture<'a> {
    pub rows: &'a [f32],
    pub contact: &'a [f32],
    pub sensitivity: &'a [f32],
    pub ends: &'a [usize],
    pub p0: &'a [f32],
    pub p0_stride: usize,
}

/// An offer as every class's logit sees it: sent (`on` = 1) or not, the j-th customer's depth
/// `depth[j]`, and an extra logit.
#[derive(Debug, Clone, Copy)]
pub struct Offered<'a> {
    pub on: f32,
    pub depth: &'a [f32],
    pub extra: f32,
}

/// Each customer's probability to buy in each group under the offer: for the j-th customer i
/// and group g,
///   out[j · groups + g] = Σ_{k in group g} w_k · σ(b_k + on·contact_k + depth[j]·sensitivity_k + extra)
/// where w and b are customer i's. With `on`, the depth and `extra` all 0 every shift is
/// exactly 0, so the no-offer probabilities computed once and the ones computed with a zero
/// offer are the same numbers. Unless `p0_out` is empty, each customer's no-offer
/// probabilities are copied to it in the same layout as `out`. Customers a few places ahead are
/// prefetched (they may be scattered over a large table).
///
/// Runs 8 classes at a time with fused multiply-adds where the processor has AVX2 and FMA
/// (checked once), else 4 at a time.
///
/// Panics if the lengths disagree (`rows` not whole rows, `lanes` not a multiple of `LANES`,
/// `ends` not increasing up to at most `lanes`, `depth` not one per customer, `out` not one
/// per customer and group, a customer past the rows): a caller's bug, not user data.
pub fn mixtures(
    m: &Mixture,
    customers: &[u32],
    offered: &Offered,
    p0_out: &mut [f32],
    out: &mut [f32],
) {
    let lanes = m.contact.len();
    assert!(
        lanes.is_multiple_of(LANES)
            && m.rows.len().is_multiple_of(2 * lanes.max(1))
            && m.sensitivity.len() == lanes
            && m.ends.windows(2).all(|w| w[0] <= w[1])
            && m.ends.last().is_none_or(|&e| e <= lanes)
            && offered.depth.len() == customers.len()
            && out.len() == customers.len() * m.ends.len()
            && (p0_out.is_empty() || p0_out.len() == out.len())
            && (p0_out.is_empty() || m.ends.len() <= m.p0_stride)
            && customers.iter().all(|&i| {
                let i = i as usize;
                (i + 1) * 2 * lanes <= m.rows.len()
                    && (p0_out.is_empty() || (i + 1) * m.p0_stride <= m.p0.len())
            })
    );
    #[cfg(target_arch = "x86_64")]
    if wide() {
        // SAFETY: the processor has AVX2 and FMA (`wide`).
        return unsafe { mixtures_avx2(m, customers, offered, p0_out, out) };
    }
    mixtures_in::<4, false>(m, customers, offered, p0_out, out)
}

/// Whether this processor has AVX2 and FMA, detected once.
#[cfg(target_arch = "x86_64")]
fn wide() -> bool {
    static WIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WIDE.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn mixtures_avx2(
    m: &Mixture,
    customers: &[u32],
    offered: &Offered,
    p0_out: &mut [f32],
    out: &mut [f32],
) {
    mixtures_in::<8, true>(m, customers, offered, p0_out, out)
}

/// `mixtures`, `W` classes at a time (the compiler turns the inner loop into one vector); each
/// group's sum is its classes' terms added in class order, chunk by chunk.
#[inline(always)]
fn mixtures_in<const W: usize, const FMA: bool>(
    m: &Mixture,
    customers: &[u32],
    offered: &Offered,
    p0_out: &mut [f32],
    out: &mut [f32],
) {
    // Each class's terms go to a buffer on the stack, or for very many classes on the heap.
    let used = m.ends.last().copied().unwrap_or(0).div_ceil(W) * W;
    if used <= STACK_LANES {
        let mut terms = [0.0f32; STACK_LANES];
        mixtures_into::<W, FMA>(m, customers, offered, p0_out, out, &mut terms);
    } else {
        let mut terms = vec![0.0f32; used];
        mixtures_into::<W, FMA>(m, customers, offered, p0_out, out, &mut terms);
    }
}

/// `mixtures_in` with a buffer for one customer's class terms (at least as long as the classes
/// of all groups, rounded up to `W`).
#[inline(always)]
fn mixtures_into<const W: usize, const FMA: bool>(
    m: &Mixture,
    customers: &[u32],
    offered: &Offered,
    p0_out: &mut [f32],
    out: &mut [f32],
    terms: &mut [f32],
) {
    let &Offered { on, depth, extra } = offered;
    const AHEAD: usize = 8;
    let &Mixture {
        rows,
        contact,
        sensitivity,
        ends,
        p0,
        p0_stride,
    } = m;
    let gather = !p0_out.is_empty();
    let (lanes, groups) = (contact.len(), ends.len());
    let chunks = ends.last().copied().unwrap_or(0).div_ceil(W);
    for (j, &i) in customers.iter().enumerate() {
        if let Some(&next) = customers.get(j + AHEAD) {
            let row = &rows[next as usize * 2 * lanes..][..2 * lanes];
            for line in row.chunks(16) {
                prefetch(line);
            }
            if gather {
                prefetch(&p0[next as usize * p0_stride..]);
            }
        }
        if gather {
            let from = &p0[i as usize * p0_stride..][..groups];
            p0_out[j * groups..(j + 1) * groups].copy_from_slice(from);
        }
        let row = &rows[i as usize * 2 * lanes..][..2 * lanes];
        let (weight, base) = row.split_at(lanes);
        let out = &mut out[j * groups..(j + 1) * groups];
        let d = depth[j];
        // Each class's term, then each group's sum of its classes' terms in class order.
        for (c, v) in terms[..chunks * W].chunks_exact_mut(W).enumerate() {
            let lo = c * W;
            let (w, b) = (&weight[lo..lo + W], &base[lo..lo + W]);
            let (ct, s) = (&contact[lo..lo + W], &sensitivity[lo..lo + W]);
            for l in 0..W {
                let z = b[l] + madd::<FMA>(on, ct[l], madd::<FMA>(d, s[l], extra));
                v[l] = w[l] * sigmoid_with::<FMA>(z);
            }
        }
        let mut start = 0;
        for (o, &end) in out.iter_mut().zip(ends) {
            *o = terms[start..end].iter().sum();
            start = end;
        }
    }
}

/// Asks the processor to start loading the cache line of `v`'s first element.
#[inline(always)]
pub(crate) fn prefetch(v: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is only a hint, and the address is inside `v` (not empty).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(v.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_the_standard_library() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.0 {
            let want = (x as f64).exp();
            let rel = ((exp_with::<false>(x) as f64 - want) / want).abs();
            worst = worst.max(rel);
            x += 0.000_731;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp_with::<false>(0.0), 1.0);
        assert!(exp_with::<false>(f32::NAN).is_nan());
        // Clamped ends: tiny and huge, never 0 or ∞.
        assert!(exp_with::<false>(-1000.0) > 0.0 && exp_with::<false>(-1000.0) < 1e-37);
        assert!(exp_with::<false>(1000.0).is_finite() && exp_with::<false>(1000.0) > 1e38);
    }

    #[test]
    fn split_by_band_by_hand() {
        let keys = [
            5.0,
            f32::NEG_INFINITY,
            2.0,
            1.0,
            3.0,
            0.5,
            f32::NEG_INFINITY,
        ];
        let (mut above, mut inside) = (Vec::new(), Vec::new());
        let eligible = split_by_band(&keys, 10, 1.0, 2.5, &mut above, &mut inside);
        assert_eq!(eligible, 5);
        assert_eq!(above, [10, 14]);
        assert_eq!(inside, [(2.0, 12), (1.0, 13)]);
        // An unbounded band below keeps every eligible key, and never the ineligible.
        let (mut above, mut inside) = (Vec::new(), Vec::new());
        split_by_band(&keys, 0, f32::NEG_INFINITY, 2.5, &mut above, &mut inside);
        assert_eq!(above.len() + inside.len(), 5);
    }

    #[test]
    fn sigmoid_by_hand() {
        let z = [0.0, 2.0, -2.0, 50.0, -50.0, -1e9, 1e9].map(sigmoid);
        assert_eq!(z[0], 0.5);
        assert!((z[1] - 0.880_797_1).abs() < 1e-6);
        assert!((z[1] + z[2] - 1.0).abs() < 1e-6);
        assert_eq!(z[3], 1.0);
        assert!(z[4] < 2e-22 && z[5] >= 0.0 && z[5] < 1e-37 && z[6] == 1.0);
    }

    #[test]
    fn keys_match_the_formula_in_f64() {
        // A coupon of 10 over a minimum spend of 60 (basket lifted to 60, fixed cut), and 20%
        // off (depth fixed, cut proportional), each for four customers.
        let base = [-2.0f32, -1.0, -3.5, 0.5];
        let contact = [0.1f32, -0.2, 0.0, 0.3];
        let basket = [40.0f32, 80.0, 150.0, 0.5];
        let growth = [0.5f32, 0.0, 1.0, 0.2];
        let sens = [4.0f32, 8.0, 0.0, 2.0];
        let cols = KeyColumns {
            base_logit: &base,
            contact: &contact,
            basket: &basket,
            growth: &growth,
            sensitivity: &sens,
        };
        let coupon = KeyParams {
            worth: 10.0,
            threshold: 60.0,
            basket_floor: 60.0,
            cut_fixed: 10.0,
            contact_on: 1.0,
            margin: 0.4,
            send_cost: 0.05,
            ..KeyParams::default()
        };
        let pct = KeyParams {
            fixed_depth: 0.2,
            threshold: 1.0,
            basket_floor: f32::NEG_INFINITY,
            cut_share: 1.0,
            contact_on: 1.0,
            margin: 0.4,
            ..KeyParams::default()
        };
        let sig = |z: f64| 1.0 / (1.0 + (-z).exp());
        for p in [coupon, pct] {
            for kind in [KeyKind::Propensity, KeyKind::Uplift, KeyKind::Profit] {
                let (mut out, mut narrow) = ([0.0f32; 4], [1.0f32; 4]);
                keys(kind, &p, &cols, &mut out);
                // The 8-wide version (where dispatched) gives exactly the baseline's keys.
                keys_in(kind, &p, &cols, &mut narrow);
                assert_eq!(out, narrow);
                for j in 0..4 {
                    let b = basket[j] as f64;
                    let depth = p.fixed_depth as f64 + p.worth as f64 / b.max(p.threshold as f64);
                    let grown = (b * (1.0 + growth[j] as f64 * depth)).max(p.basket_floor as f64);
                    let cut = p.cut_share as f64 * grown * depth + p.cut_fixed as f64;
                    let p0 = sig(base[j] as f64);
                    let p1 = sig(base[j] as f64
                        + p.contact_on as f64 * contact[j] as f64
                        + sens[j] as f64 * depth
                        + p.extra_logit as f64);
                    let m = p.margin as f64;
                    let want = match kind {
                        KeyKind::Propensity => p0,
                        KeyKind::Uplift => p1 - p0,
                        KeyKind::Profit => {
                            p1 * (m * grown - cut - p.other_cost as f64)
                                - p0 * m * b
                                - p.send_cost as f64
                        }
                    };
                    assert!(
                        (out[j] as f64 - want).abs() < 1e-5 * (1.0 + want.abs()),
                        "{kind:?} customer {j}: {} vs {want}",
                        out[j]
                    );
                }
            }
        }
    }
    #[test]
    fn exp_with_fma_matches_the_standard_library() {
        // Only where the processor has FMA (elsewhere `mul_add` is a slow library call).
        #[cfg(target_arch = "x86_64")]
        if wide() {
            let mut x = -87.0f32;
            while x <= 88.0 {
                let want = (x as f64).exp();
                let got = exp_with::<true>(x) as f64;
                assert!(((got - want) / want).abs() < 3e-7, "{x}");
                x += 0.001_37;
            }
        }
    }

    /// Over enough customers for the 8-wide loop body (not only its remainder), the dispatched
    /// keys are exactly the baseline's.
    #[test]
    fn keys_are_the_same_at_any_width() {
        let n = 37;
        let col = |a: f32, b: f32| -> Vec<f32> { (0..n).map(|j| a + b * j as f32).collect() };
        let (base, contact, basket) = (col(-4.0, 0.11), col(-0.3, 0.02), col(20.0, 7.5));
        let (growth, sens) = (col(0.0, 0.03), col(0.5, 0.4));
        let cols = KeyColumns {
            base_logit: &base,
            contact: &contact,
            basket: &basket,
            growth: &growth,
            sensitivity: &sens,
        };
        let p = KeyParams {
            fixed_depth: 0.15,
            worth: 5.0,
            threshold: 60.0,
            basket_floor: 60.0,
            cut_share: 1.0,
            cut_fixed: 5.0,
            other_cost: 1.0,
            extra_logit: 0.2,
            contact_on: 1.0,
            margin: 0.4,
            send_cost: 0.05,
        };
        for kind in [KeyKind::Propensity, KeyKind::Uplift, KeyKind::Profit] {
            let (mut a, mut b) = (vec![0.0f32; n], vec![1.0f32; n]);
            keys(kind, &p, &cols, &mut a);
            keys_in(kind, &p, &cols, &mut b);
            assert_eq!(a, b, "{kind:?}");
        }
    }

    #[test]
    fn mixtures_match_the_formula_in_f64() {
        // Two customers' rows of 16 classes in three groups: classes 0..2, 2..11 (across the
        // 8-class chunks), 11..13; classes 13..16 are padding (weight 0, in no group).
        let lanes = 16;
        let mut rows = vec![0.0f32; 2 * 2 * lanes];
        let mut contact = [0.0f32; 16];
        let mut sens = [0.0f32; 16];
        for k in 0..13 {
            for i in 0..2 {
                rows[i * 32 + k] = 0.05 + 0.01 * k as f32 + 0.02 * i as f32;
                rows[i * 32 + 16 + k] = -3.0 + 0.4 * k as f32 - i as f32;
            }
            contact[k] = 0.3 - 0.05 * k as f32;
            sens[k] = 1.5 * k as f32;
        }
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let want = |ends: &[usize], i: usize, g: usize, on: f64, depth: f64, extra: f64| -> f64 {
            let start = if g == 0 { 0 } else { ends[g - 1] };
            (start..ends[g])
                .map(|k| {
                    let z = rows[i * 32 + 16 + k] as f64
                        + on * contact[k] as f64
                        + depth * sens[k] as f64
                        + extra;
                    rows[i * 32 + k] as f64 * sig(z)
                })
                .sum()
        };
        let customers = [1u32, 0, 1];
        for ends in [&[2, 11, 13][..], &[8, 13], &[13], &[16]] {
            let m = Mixture {
                rows: &rows,
                contact: &contact,
                sensitivity: &sens,
                ends,
                p0: &[],
                p0_stride: 0,
            };
            for (on, depth, extra) in [(0.0, 0.0, 0.0), (1.0, 0.2, 0.0), (1.0, 0.05, -0.3)] {
                let depths = [depth as f32, 0.5 * depth as f32, 0.0];
                let n = customers.len() * ends.len();
                // The dispatched version (8 lanes where the processor has AVX2) and the
                // 4-lane one.
                let (mut wide, mut narrow) = (vec![0.0f32; n], vec![9.0f32; n]);
                let offered = Offered {
                    on: on as f32,
                    depth: &depths,
                    extra: extra as f32,
                };
                mixtures(&m, &customers, &offered, &mut [], &mut wide);
                mixtures_in::<4, false>(&m, &customers, &offered, &mut [], &mut narrow);
                for got in [&wide, &narrow] {
                    for (j, &i) in customers.iter().enumerate() {
                        for g in 0..ends.len() {
                            let d = depths[j] as f64;
                            let want = want(ends, i as usize, g, on, d, extra);
                            let got = got[j * ends.len() + g] as f64;
                            assert!(
                                (got - want).abs() < 5e-7,
                                "{ends:?} customer {i} group {g}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
        // With no offer the shift is exactly 0, whatever the classes' responses.
        let ends = [2, 11, 13];
        let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
        // Two customers' no-offer probabilities, stored with a stride of 4.
        let p0 = [0.1, 0.2, 0.3, 9.0, 0.4, 0.5, 0.6, 9.0];
        let m = |contact, sensitivity| Mixture {
            rows: &rows,
            contact,
            sensitivity,
            ends: &ends,
            p0: &p0,
            p0_stride: 4,
        };
        let mut p0_out = [0.0f32; 6];
        let mut both = [0.0f32; 6];
        let none = |depth| Offered {
            on: 0.0,
            depth,
            extra: 0.0,
        };
        mixtures(
            &m(&contact, &sens),
            &[1, 0],
            &none(&[0.0; 2]),
            &mut p0_out,
            &mut both,
        );
        assert_eq!(p0_out, [0.4, 0.5, 0.6, 0.1, 0.2, 0.3]);
        mixtures(&m(&contact, &sens), &[1], &none(&[0.0]), &mut [], &mut a);
        mixtures(
            &m(&[3.0; 16], &[-7.0; 16]),
            &[1],
            &none(&[0.0]),
            &mut [],
            &mut b,
        );
        assert_eq!(a, b);
        assert_eq!(a, both[..3]);
        // No customers, nothing.
        mixtures(&m(&contact, &sens), &[], &none(&[]), &mut [], &mut []);
    }
}
