//! Per-customer response parameters: plain columns the simulator and optimizer read, built from a
//! trained model (`sim::build`) or from the generator's ground truth (`sim::truth`).
//!
//! For customer i and an offer of depth d on lever l, sent (s = 1) or not:
//!   p0 = σ(base_logit)                    (no offer)
//!   p1 = σ(base_logit + s·contact + sensitivity[l]·d + extra)
//! or, for a latent-class model, the mixture Σ_k w_k · σ(base_k + s·contact_k + sensitivity_k[l]·d + extra),
//! of which the columns above are a one-curve summary (exact with no offer and at 10% depth).

use super::offer::{Lever, Offer};

/// One bootstrap member's parameters (model uncertainty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Member {
    pub base_logit: Vec<f32>,
    pub contact: Vec<f32>,
    pub sensitivity: [Vec<f32>; 4],
    /// Latent response classes; when present the simulator uses the mixture, not the columns.
    pub classes: Vec<Class>,
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
            classes: Vec::new(),
        },
        basket_eur,
        margin_rate: 0.4,
        ..ResponseTable::default()
    }
}
