//! One network family for every model: a shared trunk (none = logistic regression) and, per arm,
//! a conversion head and a basket head, plus a treatment-propensity head (in the spirit of
//! TARNet/DragonNet). Purchase propensity is the one-arm case.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Tensor};

#[derive(Config, Debug, PartialEq)]
pub struct NetConfig {
    pub d_input: usize,
    pub n_arms: usize,
    /// Widths of the shared hidden layers; empty gives a logistic regression per head.
    pub hidden: Vec<usize>,
}

#[derive(Module, Debug)]
pub struct Net {
    pub hidden: Vec<Linear>,
    /// Conversion logit per arm.
    pub outcome: Linear,
    /// log(1 + revenue) per arm, given conversion.
    pub basket: Linear,
    /// Which arm the customer was assigned to (a check on randomization, and a regularizer).
    pub treatment: Linear,
}

impl NetConfig {
    pub fn init(&self, device: &Device) -> Net {
        let mut hidden = Vec::new();
        let mut width = self.d_input;
        for &h in &self.hidden {
            hidden.push(LinearConfig::new(width, h).init(device));
            width = h;
        }
        Net {
            hidden,
            outcome: LinearConfig::new(width, self.n_arms).init(device),
            basket: LinearConfig::new(width, self.n_arms).init(device),
            treatment: LinearConfig::new(width, self.n_arms).init(device),
        }
    }
}

/// The network's three outputs, each `[batch, arms]`.
pub struct Output {
    pub outcome_logits: Tensor<2>,
    pub log_basket: Tensor<2>,
    pub treatment_logits: Tensor<2>,
}

impl Net {
    pub fn forward(&self, x: Tensor<2>) -> Output {
        let mut h = x;
        for layer in &self.hidden {
            h = relu(layer.forward(h));
        }
        Output {
            outcome_logits: self.outcome.forward(h.clone()),
            log_basket: self.basket.forward(h.clone()),
            treatment_logits: self.treatment.forward(h),
        }
    }
}

/// Numerically stable binary cross-entropy on logits: max(z, 0) − y·z + log(1 + e^−|z|).
pub fn bce_with_logits(z: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
    relu(z.clone()) - y * z.clone() + z.abs().neg().exp().log1p()
}

/// Weights for one batch of the loss.
pub struct LossWeights {
    pub basket: f32,
    pub treatment: f32,
}

/// The training loss of a batch: weighted BCE of the observed arm's head, squared error of the
/// observed arm's log basket on buyers, and the treatment head's cross-entropy.
pub fn loss(
    out: Output,
    onehot: Tensor<2>,
    y: Tensor<2>,
    log_value: Tensor<2>,
    row_weight: Tensor<2>,
    buyers: f32,
    w: &LossWeights,
) -> Tensor<1> {
    let z = (out.outcome_logits * onehot.clone()).sum_dim(1);
    let outcome = (bce_with_logits(z, y.clone()) * row_weight).mean();
    let b = (out.log_basket * onehot.clone()).sum_dim(1);
    let basket = ((b - log_value).powi_scalar(2) * y).sum() / buyers.max(1.0);
    let treatment = (log_softmax(out.treatment_logits, 1) * onehot)
        .sum_dim(1)
        .mean()
        .neg();
    outcome + basket * w.basket + treatment * w.treatment
}
