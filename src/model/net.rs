//! One network family for every model: a shared trunk (none = logistic regression) and, per arm,
//! a conversion head and a basket head, plus a treatment-propensity head (in the spirit of
//! TARNet/DragonNet). Purchase propensity is the one-arm case.
//!
//! With `monotone_response` the conversion heads are replaced by a discount-response model:
//! logit(arm) = base(x) + contact(x)·[arm is an offer] + softplus(s_type(arm)(x))·depth(arm),
//! so a deeper discount never lowers conversion, and (base, contact, sensitivity) are compact
//! per-customer parameters from which any depth can be evaluated without the network. Arms of
//! one offer type (15% and 25% off) share the sensitivity: that is what separates the slope (how
//! conversion grows with depth) from the contact effect, which a single depth cannot.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu, softplus};
use burn::tensor::{Device, Tensor};

/// Depth enters the response in units of 10 percentage points, so that parameters of order one
/// (where training starts) mean a realistic sensitivity of ~5 logits per 100% discount.
pub const DEPTH_SCALE: f32 = 10.0;

#[derive(Config, Debug, PartialEq)]
pub struct NetConfig {
    pub d_input: usize,
    pub n_arms: usize,
    /// Widths of the shared hidden layers; empty gives a logistic regression per head.
    pub hidden: Vec<usize>,
    /// Conversion as a monotone function of each arm's discount depth (see the module docs).
    #[config(default = false)]
    pub monotone_response: bool,
    /// Monotone response: the offer type of each arm (arms of a type share a sensitivity).
    #[config(default = "Vec::new()")]
    pub arm_types: Vec<usize>,
}

impl NetConfig {
    fn n_types(&self) -> usize {
        self.arm_types.iter().max().map_or(self.n_arms, |m| m + 1)
    }
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
    /// Monotone response only: per-customer sensitivity to each offer type's depth (before softplus).
    pub sensitivity: Option<Linear>,
    /// Monotone response only: `[types, arms]`, 1 where the arm is of the type (not trained).
    pub arm_type_matrix: Option<burn::module::Param<Tensor<2>>>,
}

impl NetConfig {
    pub fn init(&self, device: &Device) -> Net {
        let mut hidden = Vec::new();
        let mut width = self.d_input;
        for &h in &self.hidden {
            hidden.push(LinearConfig::new(width, h).init(device));
            width = h;
        }
        let response = self.monotone_response;
        Net {
            hidden,
            // Monotone response: the outcome layer gives (base logit, contact effect).
            outcome: LinearConfig::new(width, if response { 2 } else { self.n_arms }).init(device),
            sensitivity: response.then(|| LinearConfig::new(width, self.n_types()).init(device)),
            basket: LinearConfig::new(width, self.n_arms).init(device),
            treatment: LinearConfig::new(width, self.n_arms).init(device),
            arm_type_matrix: response.then(|| {
                let (k, a) = (self.n_types(), self.n_arms);
                let mut m = vec![0.0f32; k * a];
                for arm in 0..a {
                    m[self.arm_types.get(arm).copied().unwrap_or(arm) * a + arm] = 1.0;
                }
                let t = Tensor::<2>::from_data(burn::tensor::TensorData::new(m, [k, a]), device);
                burn::module::Param::from_tensor(t).set_require_grad(false)
            }),
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
    /// `depth` is `[batch, arms]`: each arm's effective discount depth for the row (only used by
    /// the monotone response; arm 0, the control, has depth 0).
    pub fn forward(&self, x: Tensor<2>, depth: Option<Tensor<2>>) -> Output {
        let h = self.trunk(x);
        let outcome_logits = match (&self.sensitivity, depth) {
            (Some(sens), Some(depth)) => {
                let p = self.response_params(h.clone(), sens);
                let [_, arms] = depth.dims();
                let device = depth.device();
                // Offer arms get the contact effect; arm 0 (control) does not.
                let offer = Tensor::<2>::ones([1, arms], &device)
                    .slice_assign([0..1, 0..1], Tensor::<2>::zeros([1, 1], &device));
                p.base + p.contact * offer + p.sensitivity * depth * DEPTH_SCALE
            }
            _ => self.outcome.forward(h.clone()),
        };
        Output {
            outcome_logits,
            log_basket: self.basket.forward(h.clone()),
            treatment_logits: self.treatment.forward(h),
        }
    }

    fn trunk(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = x;
        for layer in &self.hidden {
            h = relu(layer.forward(h));
        }
        h
    }

    fn response_params(&self, h: Tensor<2>, sens: &Linear) -> ResponseParams {
        let out = self.outcome.forward(h.clone());
        let per_type = softplus(sens.forward(h), 1.0);
        let sensitivity = match &self.arm_type_matrix {
            Some(m) => per_type.matmul(m.val()),
            None => per_type,
        };
        ResponseParams {
            base: out.clone().narrow(1, 0, 1),
            contact: out.narrow(1, 1, 1),
            sensitivity,
        }
    }

    /// Per-row base logit and contact effect (`[batch, 1]`) and sensitivity per arm
    /// (`[batch, arms]`) of a monotone response net; the logit shift of arm a at depth d is
    /// sensitivity_a × d × `DEPTH_SCALE`. `None` for other nets.
    pub fn response(&self, x: Tensor<2>) -> Option<ResponseParams> {
        let sens = self.sensitivity.as_ref()?;
        Some(self.response_params(self.trunk(x), sens))
    }
}

/// A monotone response net's per-row parameters.
pub struct ResponseParams {
    pub base: Tensor<2>,
    pub contact: Tensor<2>,
    pub sensitivity: Tensor<2>,
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
