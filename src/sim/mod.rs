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
//! - `price`: the best price index per segment;
//! - `build`: the response table from a trained model and the loaded tables;
//! - `truth`: the response table of the sample generator's true parameters (the oracle).

pub mod bench;
pub mod build;
pub mod check;
pub mod compare;
pub mod offer;
pub mod optimize;
pub mod price;
pub mod response;
pub mod scenario;
pub mod segments;
pub mod select;
pub mod simulate;
pub mod truth;

pub use offer::Offer;
pub use response::{Class, Classes, Member, ResponseTable};
pub use scenario::{Scenario, Targeting};
pub use simulate::{Outcome, simulate};
