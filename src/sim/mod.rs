//! Scenarios over per-customer response parameters: plain slices, no burn, no egui, so a slider
//! move can re-simulate every customer within a frame.
//!
//! - `offer`: the offer types and their per-customer terms (depth, basket, costs);
//! - `response`: the per-customer parameter columns (from a model or from ground truth);
//! - `scenario`: scenario files (offer, targeting, channel) as versioned JSON;
//! - `select`: who is sent a scenario's offer (eligibility, ranking key, the top-k cut);
//! - `simulate`: one scenario's incremental effect with intervals, per segment, and sweeps;
//! - `optimize`: who gets which offer under a budget and caps, with the duality gap and frontier;
//! - `compare`: scenarios side by side against no promotion;
//! - `holdout`: a plan checked against the past campaign's randomized arms;
//! - `price`: the best price index per segment;
//! - `build`: the response table from a trained model and the loaded tables;
//! - `growth`: basket growth per customer from the order history;
//! - `truth`: the response table of the sample generator's true parameters (the oracle).

pub mod bench;
pub mod build;
pub mod check;
pub mod compare;
pub mod growth;
pub mod holdout;
pub mod offer;
pub mod optimize;
pub mod price;
pub mod response;
pub mod scenario;
pub mod segments;
pub mod select;
pub mod simulate;
pub mod truth;

use rayon::prelude::*;

pub use offer::Offer;
pub use response::{Class, Classes, Member, ResponseTable};
pub use scenario::{Scenario, Targeting};
pub use simulate::{Outcome, simulate};

/// `each` over the consecutive ranges of `0..n` of `chunk` indices (the last may be shorter), in
/// parallel, the results combined in range order starting from `init`. The same result however
/// the work is scheduled: rayon's own `sum` and `reduce` combine in an order that depends on
/// work stealing, which moves float totals in their last digits from run to run (and can tip
/// the optimizer's bisection one way or the other).
pub(crate) fn fold_ranges<A: Send>(
    n: usize,
    chunk: usize,
    each: impl Fn(std::ops::Range<usize>) -> A + Sync,
    init: A,
    combine: impl FnMut(A, A) -> A,
) -> A {
    let chunk = chunk.max(1);
    let parts: Vec<A> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|c| each(c * chunk..((c + 1) * chunk).min(n)))
        .collect();
    parts.into_iter().fold(init, combine)
}
