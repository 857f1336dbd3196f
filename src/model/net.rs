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
//!
//! With `classes` > 0 the monotone response is a latent-class model (a mixture of experts):
//! K response classes, each with its own base, contact effect and sensitivity per offer type, and
//! a gate that gives each customer's class probabilities from the features:
//! p(arm, depth) = Σ_k π_k(x) · σ(a(x) + base_k + contact_k·[offer] + softplus(s_k,type)·depth),
//! where a(x) moves the base with the customer's activity. A few prototype response curves are a
//! much stronger structure than a free per-customer sensitivity, which a campaign of a few
//! thousand customers per arm cannot pin down (the free net shrinks every customer to the mean).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_sigmoid, log_softmax, relu, softplus};
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
    /// Monotone response: latent response classes (0 = a free per-customer response).
    #[config(default = 0)]
    pub classes: usize,
    /// Uplift and propensity nets: a linear path from the inputs straight to each arm's
    /// conversion logit beside the hidden layers ("wide and deep"), so the net contains the
    /// logistic model as a special case.
    #[config(default = false)]
    pub linear_skip: bool,
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
    /// The linear path of `NetConfig::linear_skip`.
    pub skip: Option<Linear>,
    /// log(1 + revenue) per arm, given conversion.
    pub basket: Linear,
    /// Which arm the customer was assigned to (a check on randomization, and a regularizer).
    pub treatment: Linear,
    /// Monotone response only: per-customer sensitivity to each offer type's depth (before softplus).
    pub sensitivity: Option<Linear>,
    /// Monotone response only: `[types, arms]`, 1 where the arm is of the type (not trained).
    pub arm_type_matrix: Option<burn::module::Param<Tensor<2>>>,
    /// Latent-class response only.
    pub mixture: Option<Mixture>,
}

/// The latent-class part of a response net.
#[derive(Module, Debug)]
pub struct Mixture {
    /// Class logits from the trunk.
    pub gate: Linear,
    /// `[classes, 2 + types]`: base logit, contact effect, then the sensitivity per offer type
    /// (before softplus) of each class.
    pub params: burn::module::Param<Tensor<2>>,
}

/// Starting class parameters: classes spread from "buys anyway, barely moved" to "rarely buys,
/// very price sensitive", so that the gate has distinct curves to choose between.
fn initial_class_params(classes: usize, types: usize) -> Vec<f32> {
    let mut v = Vec::with_capacity(classes * (2 + types));
    for k in 0..classes {
        let t = if classes > 1 {
            k as f32 / (classes - 1) as f32
        } else {
            0.5
        };
        let sens = 0.1 * 15f32.powf(t); // per DEPTH_SCALE unit: 1..15 logits per 100% off
        v.push(-1.0 - 3.0 * t);
        v.push(0.0);
        v.extend(std::iter::repeat_n(sens.exp_m1().ln(), types)); // softplus⁻¹
    }
    v
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
        let mixture = response && self.classes > 0;
        Net {
            hidden,
            // Monotone response: the outcome layer gives (base logit, contact effect), or for the
            // latent-class model the activity shift a(x).
            outcome: LinearConfig::new(
                width,
                match (response, mixture) {
                    (_, true) => 1,
                    (true, false) => 2,
                    _ => self.n_arms,
                },
            )
            .init(device),
            skip: (self.linear_skip && !response)
                .then(|| LinearConfig::new(self.d_input, self.n_arms).init(device)),
            sensitivity: (response && !mixture)
                .then(|| LinearConfig::new(width, self.n_types()).init(device)),
            mixture: mixture.then(|| {
                let (k, t) = (self.classes, self.n_types());
                Mixture {
                    gate: LinearConfig::new(width, k).init(device),
                    params: burn::module::Param::from_tensor(Tensor::<2>::from_data(
                        burn::tensor::TensorData::new(initial_class_params(k, t), [k, 2 + t]),
                        device,
                    )),
                }
            }),
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
        let wide = self.skip.as_ref().map(|s| s.forward(x.clone()));
        let h = self.trunk(x);
        let outcome_logits = match (&self.sensitivity, depth) {
            (_, Some(depth)) if self.mixture.is_some() => self.mixture_logits(h.clone(), depth),
            (Some(sens), Some(depth)) => {
                let p = self.response_params(h.clone(), sens);
                let [_, arms] = depth.dims();
                let offer = Self::offer_mask(arms, &depth.device());
                p.base + p.contact * offer + p.sensitivity * depth * DEPTH_SCALE
            }
            _ => match wide {
                Some(w) => self.outcome.forward(h.clone()) + w,
                None => self.outcome.forward(h.clone()),
            },
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

    /// Each class's sensitivity per offer type (softplus of its parameters): `[classes, types]`.
    fn class_sensitivity(params: &Tensor<2>) -> Tensor<2> {
        let cols = params.dims()[1];
        softplus(params.clone().narrow(1, 2, cols - 2), 1.0)
    }

    /// Per-type values spread to the arms of each type: `[rows, types]` to `[rows, arms]`.
    fn per_arm(&self, per_type: Tensor<2>) -> Tensor<2> {
        match &self.arm_type_matrix {
            Some(m) => per_type.matmul(m.val()),
            None => per_type,
        }
    }

    /// Offer arms get the contact effect; arm 0 (control) does not: `[1, arms]`.
    fn offer_mask(arms: usize, device: &Device) -> Tensor<2> {
        Tensor::<2>::ones([1, arms], device)
            .slice_assign([0..1, 0..1], Tensor::<2>::zeros([1, 1], device))
    }

    /// Conversion logit of the latent-class mixture per arm: logit(Σ_k π_k σ(z_k)), computed as
    /// log Σ π_k σ(z_k) − log Σ π_k σ(−z_k) with the log-sum-exp trick.
    fn mixture_logits(&self, h: Tensor<2>, depth: Tensor<2>) -> Tensor<2> {
        let m = self.mixture.as_ref().expect("a latent-class net");
        let [_, arms] = depth.dims();
        let device = depth.device();
        let shift = self.outcome.forward(h.clone()); // [batch, 1]
        let log_pi = log_softmax(m.gate.forward(h), 1);
        let p = m.params.val();
        let classes = p.dims()[0];
        let sens = self.per_arm(Self::class_sensitivity(&p));
        let offer = Self::offer_mask(arms, &device);
        let scaled = depth * DEPTH_SCALE;
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for k in 0..classes {
            let row = p.clone().narrow(0, k, 1);
            let z = shift.clone()
                + row.clone().narrow(1, 0, 1)
                + row.narrow(1, 1, 1) * offer.clone()
                + sens.clone().narrow(0, k, 1) * scaled.clone();
            let lpi = log_pi.clone().narrow(1, k, 1);
            pos.push(lpi.clone() + log_sigmoid(z.clone()));
            neg.push(lpi + log_sigmoid(z.neg()));
        }
        log_sum_exp(pos) - log_sum_exp(neg)
    }

    /// The latent-class net's compact per-customer parameters, matched to the mixture: exact
    /// conversion with no offer, with a contact of depth 0, and at one `DEPTH_SCALE` unit of
    /// each offer type (linear in between).
    fn mixture_params(&self, h: Tensor<2>) -> ResponseParams {
        let arms = self
            .arm_type_matrix
            .as_ref()
            .map_or(1, |m| m.val().dims()[1]);
        let device = h.device();
        let at0 = self.mixture_logits(h.clone(), Tensor::<2>::zeros([1, arms], &device));
        let unit = Self::offer_mask(arms, &device) / DEPTH_SCALE;
        let at1 = self.mixture_logits(h, unit);
        let base = at0.clone().narrow(1, 0, 1);
        let contact = if arms > 1 {
            at0.clone().narrow(1, 1, 1) - base.clone()
        } else {
            base.zeros_like()
        };
        ResponseParams {
            base,
            contact,
            sensitivity: at1 - at0,
        }
    }

    fn response_params(&self, h: Tensor<2>, sens: &Linear) -> ResponseParams {
        let out = self.outcome.forward(h.clone());
        let sensitivity = self.per_arm(softplus(sens.forward(h), 1.0));
        ResponseParams {
            base: out.clone().narrow(1, 0, 1),
            contact: out.narrow(1, 1, 1),
            sensitivity,
        }
    }

    /// The latent-class structure for each row of `x`; `None` for other nets.
    pub fn classes(&self, x: Tensor<2>) -> Option<ClassParts> {
        let m = self.mixture.as_ref()?;
        let h = self.trunk(x);
        let shift = self.outcome.forward(h.clone());
        let weight = burn::tensor::activation::softmax(m.gate.forward(h), 1);
        let p = m.params.val();
        let sensitivity = self.per_arm(Self::class_sensitivity(&p));
        Some(ClassParts {
            weight,
            base: shift + p.clone().narrow(1, 0, 1).transpose(),
            contact: p.narrow(1, 1, 1).transpose(),
            sensitivity,
        })
    }

    /// Per-row base logit and contact effect (`[batch, 1]`) and sensitivity per arm
    /// (`[batch, arms]`) of a monotone response net; the logit shift of arm a at depth d is
    /// sensitivity_a × d × `DEPTH_SCALE`. `None` for other nets.
    pub fn response(&self, x: Tensor<2>) -> Option<ResponseParams> {
        if self.mixture.is_some() {
            return Some(self.mixture_params(self.trunk(x)));
        }
        let sens = self.sensitivity.as_ref()?;
        Some(self.response_params(self.trunk(x), sens))
    }
}

/// A latent-class net's parts for every row: the simulator evaluates the mixture exactly from
/// these (class k's logit for row i is `base[i, k] + contact[k]·[offer] + sensitivity[k, arm]·depth·DEPTH_SCALE`).
pub struct ClassParts {
    /// `[batch, classes]`: probability of each class.
    pub weight: Tensor<2>,
    /// `[batch, classes]`: logit with no offer.
    pub base: Tensor<2>,
    /// `[1, classes]`
    pub contact: Tensor<2>,
    /// `[classes, arms]`, per `DEPTH_SCALE` unit of depth.
    pub sensitivity: Tensor<2>,
}

/// A monotone response net's per-row parameters.
pub struct ResponseParams {
    pub base: Tensor<2>,
    pub contact: Tensor<2>,
    pub sensitivity: Tensor<2>,
}

/// Element-wise log(Σ exp(t)) over tensors of one shape.
fn log_sum_exp(terms: Vec<Tensor<2>>) -> Tensor<2> {
    let m = terms
        .iter()
        .cloned()
        .reduce(|a, b| a.max_pair(b))
        .expect("at least one term")
        .detach();
    let sum = terms
        .into_iter()
        .map(|t| (t - m.clone()).exp())
        .reduce(|a, b| a + b)
        .expect("at least one term");
    sum.log() + m
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
