//! Offer types and what each one does to one customer's purchase: the discount depth the customer
//! perceives, the basket when buying under the offer, and what the offer costs per buyer.
//!
//! The depth mirrors the sample generator's response model (docs/data-model.md): a coupon of A off
//! a minimum spend M is worth A / max(basket, M); free shipping F is worth F / basket; a gift of cost
//! G over a threshold T is worth v·G / max(basket, T) where v (0.7 by default) is how much of its
//! price the customer feels it is worth; percentage offers are worth their percentage.

pub use promolab_kernels::figures::{Shape, Terms};
use serde::{Deserialize, Serialize};

/// Which per-customer sensitivity an offer moves: the response model learns one per offer type it
/// has seen in a campaign; the other offers are percentage-like and use the percentage one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lever {
    Coupon = 0,
    Pct = 1,
    Shipping = 2,
    Gift = 3,
}

/// The campaign offer types the response model can learn a sensitivity for, in `Lever` order
/// (the same names as the campaigns table's `offer_type`).
pub const LEVER_NAMES: [&str; 4] = ["coupon", "pct_discount", "free_shipping", "gift"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Offer {
    /// A message without a price incentive (what Hillstrom's e-mails were).
    Message,
    /// Fixed amount off an order of at least `min_spend` (满减).
    Coupon {
        amount: f64,
        min_spend: f64,
    },
    PctDiscount {
        pct: f64,
    },
    FreeShipping {
        fee: f64,
    },
    /// Price index for the targeted customers' orders: 0.9 = 10% cheaper, 1.1 = 10% dearer. Shown
    /// on the site, not sent: no contact effect.
    DynamicPrice {
        price_index: f64,
    },
    /// A percentage off during a time window with limited stock; `urgency_logit` is the extra
    /// pull of the countdown on the log-odds of buying.
    FlashSale {
        pct: f64,
        hours: f64,
        stock_cap: f64,
        urgency_logit: f64,
    },
    /// Products sold together at a discount; `bundle_price` is their list price total.
    Bundle {
        products: Vec<String>,
        bundle_price: f64,
        discount_pct: f64,
    },
    /// A gift of cost `gift_cost` with orders of at least `threshold`.
    Gift {
        threshold: f64,
        gift_cost: f64,
        #[serde(default = "default_perceived")]
        perceived_value: f64,
    },
    /// A percentage off sent only to customers with an abandoned cart.
    CartRecovery {
        pct: f64,
    },
}

fn default_perceived() -> f64 {
    0.7
}

impl Offer {
    pub fn kind(&self) -> &'static str {
        match self {
            Offer::Message => "message",
            Offer::Coupon { .. } => "coupon",
            Offer::PctDiscount { .. } => "pct_discount",
            Offer::FreeShipping { .. } => "free_shipping",
            Offer::DynamicPrice { .. } => "dynamic_price",
            Offer::FlashSale { .. } => "flash_sale",
            Offer::Bundle { .. } => "bundle",
            Offer::Gift { .. } => "gift",
            Offer::CartRecovery { .. } => "cart_recovery",
        }
    }

    pub fn lever(&self) -> Option<Lever> {
        match self {
            Offer::Message => None,
            Offer::Coupon { .. } | Offer::Bundle { .. } => Some(Lever::Coupon),
            Offer::FreeShipping { .. } => Some(Lever::Shipping),
            Offer::Gift { .. } => Some(Lever::Gift),
            Offer::PctDiscount { .. }
            | Offer::DynamicPrice { .. }
            | Offer::FlashSale { .. }
            | Offer::CartRecovery { .. } => Some(Lever::Pct),
        }
    }

    /// The main number of the offer (what a slider moves).
    pub fn value(&self) -> f64 {
        match self {
            Offer::Message => 0.0,
            Offer::Coupon { amount, .. } => *amount,
            Offer::PctDiscount { pct } | Offer::CartRecovery { pct } => *pct,
            Offer::FlashSale { pct, .. } => *pct,
            Offer::FreeShipping { fee } => *fee,
            Offer::DynamicPrice { price_index } => *price_index,
            Offer::Bundle { discount_pct, .. } => *discount_pct,
            Offer::Gift { gift_cost, .. } => *gift_cost,
        }
    }

    /// The same offer with its main number set to `v`.
    pub fn with_value(&self, v: f64) -> Offer {
        let mut o = self.clone();
        match &mut o {
            Offer::Message => {}
            Offer::Coupon { amount: x, .. }
            | Offer::PctDiscount { pct: x }
            | Offer::CartRecovery { pct: x }
            | Offer::FlashSale { pct: x, .. }
            | Offer::FreeShipping { fee: x }
            | Offer::DynamicPrice { price_index: x }
            | Offer::Bundle {
                discount_pct: x, ..
            }
            | Offer::Gift { gift_cost: x, .. } => *x = v,
        }
        o
    }

    /// What the main number means and its sensible slider range.
    pub fn value_range(&self) -> (&'static str, f64, f64) {
        match self {
            Offer::Message => ("no value", 0.0, 0.0),
            Offer::Coupon { .. } => ("amount off", 0.0, 100.0),
            Offer::PctDiscount { .. } | Offer::CartRecovery { .. } | Offer::FlashSale { .. } => {
                ("% off", 0.0, 60.0)
            }
            Offer::FreeShipping { .. } => ("shipping fee waived", 0.0, 20.0),
            Offer::DynamicPrice { .. } => ("price index", 0.6, 1.4),
            Offer::Bundle { .. } => ("% off the bundle", 0.0, 60.0),
            Offer::Gift { .. } => ("gift cost", 0.0, 50.0),
        }
    }

    /// A short human description: "20% off", "10 off orders over 60".
    pub fn describe(&self) -> String {
        match self {
            Offer::Message => "a message, no incentive".into(),
            Offer::Coupon { amount, min_spend } => format!("{amount} off orders over {min_spend}"),
            Offer::PctDiscount { pct } => format!("{pct}% off"),
            Offer::FreeShipping { fee } => format!("free shipping (worth {fee})"),
            Offer::DynamicPrice { price_index } => format!("price index {price_index:.2}"),
            Offer::FlashSale { pct, hours, .. } => format!("{pct}% off for {hours} hours"),
            Offer::Bundle {
                products,
                discount_pct,
                ..
            } => format!("{discount_pct}% off the bundle {}", products.join(" + ")),
            Offer::Gift {
                threshold,
                gift_cost,
                ..
            } => format!("a gift worth {gift_cost} with orders over {threshold}"),
            Offer::CartRecovery { pct } => format!("{pct}% off the abandoned cart"),
        }
    }

    /// Checks the numbers; the message names the field and the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let check = |name: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "{}: {name} must be between {lo} and {hi}, got {v}",
                    self.kind()
                ))
            }
        };
        match self {
            Offer::Message => Ok(()),
            Offer::Coupon { amount, min_spend } => {
                check("amount", *amount, 0.0, 1e6)?;
                check("min_spend", *min_spend, 0.0, 1e6)
            }
            Offer::PctDiscount { pct } | Offer::CartRecovery { pct } => {
                check("pct", *pct, 0.0, 100.0)
            }
            Offer::FreeShipping { fee } => check("fee", *fee, 0.0, 1e4),
            Offer::DynamicPrice { price_index } => check("price_index", *price_index, 0.1, 3.0),
            Offer::FlashSale {
                pct,
                hours,
                stock_cap,
                urgency_logit,
            } => {
                check("pct", *pct, 0.0, 100.0)?;
                check("hours", *hours, 0.0, 24.0 * 31.0)?;
                check("stock_cap", *stock_cap, 0.0, 1e12)?;
                check("urgency_logit", *urgency_logit, -5.0, 5.0)
            }
            Offer::Bundle {
                bundle_price,
                discount_pct,
                ..
            } => {
                check("bundle_price", *bundle_price, 0.0, 1e6)?;
                check("discount_pct", *discount_pct, 0.0, 100.0)
            }
            Offer::Gift {
                threshold,
                gift_cost,
                perceived_value,
            } => {
                check("threshold", *threshold, 0.0, 1e6)?;
                check("gift_cost", *gift_cost, 0.0, 1e6)?;
                check("perceived_value", *perceived_value, 0.0, 2.0)
            }
        }
    }

    /// The offer's terms for a customer with expected basket `basket` and basket growth
    /// `elasticity` per unit of depth.
    pub fn terms(&self, basket: f64, elasticity: f64) -> Terms {
        self.shape().terms(basket, elasticity)
    }

    /// What the offer's terms are made of, the same for every customer (see `Shape`).
    pub fn shape(&self) -> Shape {
        let pct_like = |d: f64, sent: bool, extra: f64| Shape {
            fixed_depth: d,
            sent,
            extra_logit: extra,
            cut_share: 1.0,
            ..Shape::default()
        };
        // An amount off (or a gift) over a threshold: depth relative to what must be spent, the
        // basket lifted to the threshold.
        let over_threshold = |worth: f64, threshold: f64, cut: f64, other: f64| Shape {
            worth,
            threshold,
            basket_floor: if threshold > 0.0 {
                threshold
            } else {
                f64::NEG_INFINITY
            },
            cut_fixed: cut,
            other_cost: other,
            sent: true,
            ..Shape::default()
        };
        match self {
            Offer::Message => pct_like(0.0, true, 0.0),
            Offer::PctDiscount { pct } | Offer::CartRecovery { pct } => {
                pct_like(pct / 100.0, true, 0.0)
            }
            Offer::FlashSale {
                pct, urgency_logit, ..
            } => pct_like(pct / 100.0, true, *urgency_logit),
            Offer::DynamicPrice { price_index } => pct_like(1.0 - price_index, false, 0.0),
            Offer::Coupon { amount, min_spend } => {
                over_threshold(*amount, *min_spend, *amount, 0.0)
            }
            Offer::Bundle {
                bundle_price,
                discount_pct,
                ..
            } => {
                let saving = bundle_price * discount_pct / 100.0;
                over_threshold(saving, *bundle_price, saving, 0.0)
            }
            Offer::Gift {
                threshold,
                gift_cost,
                perceived_value,
            } => over_threshold(perceived_value * gift_cost, *threshold, 0.0, *gift_cost),
            Offer::FreeShipping { fee } => Shape {
                worth: *fee,
                other_cost: *fee,
                sent: true,
                ..Shape::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_by_hand() {
        // 10 off 60 for a 40-basket customer: depth 10/60, basket lifted to the minimum spend.
        let t = Offer::Coupon {
            amount: 10.0,
            min_spend: 60.0,
        }
        .terms(40.0, 0.5);
        assert!((t.depth - 10.0 / 60.0).abs() < 1e-12);
        assert_eq!(t.basket, 60.0);
        assert_eq!(t.price_cut, 10.0);
        // 20% off a 50 basket growing 1.0 per unit depth: basket 60, cut 12.
        let t = Offer::PctDiscount { pct: 20.0 }.terms(50.0, 1.0);
        assert!((t.basket - 60.0).abs() < 1e-12 && (t.price_cut - 12.0).abs() < 1e-12);
        // A dearer price: negative depth, extra revenue, nothing sent.
        let t = Offer::DynamicPrice { price_index: 1.1 }.terms(100.0, 0.0);
        assert!((t.depth + 0.1).abs() < 1e-12 && (t.price_cut + 10.0).abs() < 1e-9 && !t.sent);
        // A 12 gift over 50 for a 100 basket: worth 0.7 * 12 / 100, costs 12, no price cut.
        let t = Offer::Gift {
            threshold: 50.0,
            gift_cost: 12.0,
            perceived_value: 0.7,
        }
        .terms(100.0, 0.0);
        assert!((t.depth - 0.084).abs() < 1e-12 && t.other_cost == 12.0 && t.price_cut == 0.0);
    }

    #[test]
    fn json_round_trip_and_validation() {
        let o = Offer::FlashSale {
            pct: 30.0,
            hours: 6.0,
            stock_cap: 500.0,
            urgency_logit: 0.3,
        };
        let s = serde_json::to_string(&o).unwrap();
        assert!(s.contains(r#""type":"flash_sale""#));
        assert_eq!(serde_json::from_str::<Offer>(&s).unwrap(), o);
        let err = Offer::PctDiscount { pct: 120.0 }.validate().unwrap_err();
        assert!(err.contains("pct must be between 0 and 100"), "{err}");
    }
}
