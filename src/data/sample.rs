//! Deterministic synthetic sales data with known answers. Hidden customer segments differ in
//! baseline purchase rate, discount sensitivity, basket response, channel preference and cart
//! abandonment; a randomized campaign with a control arm is drawn from the same response model
//! that `ground_truth.json` records, so models, simulator and optimizer can be checked against it.

use crate::util::{sigmoid, write_atomic};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

pub const CATEGORIES: [&str; 8] = [
    "apparel",
    "shoes",
    "beauty",
    "home",
    "electronics",
    "sports",
    "toys",
    "grocery",
];
pub const REGIONS: [&str; 6] = ["north", "south", "east", "west", "central", "coast"];
pub const AGE_BANDS: [&str; 5] = ["18-24", "25-34", "35-44", "45-54", "55+"];
pub const CHANNELS: [&str; 3] = ["email", "sms", "push"];
/// Offer types in the campaign's arms, in the order of `SegmentTruth::offer_multipliers`.
pub const OFFER_KINDS: [&str; 4] = ["coupon", "pct_discount", "free_shipping", "gift"];
pub const SHIPPING_FEE_EUR: f64 = 6.0;
/// Days after sending during which a purchase counts as a response.
pub const RESPONSE_WINDOW_DAYS: i64 = 14;
/// An offer sent through a channel other than the preferred one works this much as well.
pub const OFF_CHANNEL_FACTOR: f64 = 0.6;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SampleConfig {
    pub customers: usize,
    pub seed: u64,
}

impl Default for SampleConfig {
    fn default() -> Self {
        Self {
            customers: 20_000,
            seed: 42,
        }
    }
}

/// The day the campaign is sent; history ends the day before.
pub fn campaign_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).expect("valid date")
}

/// One arm of the randomized campaign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Arm {
    pub name: String,
    /// "none" for the control arm, else one of `OFFER_KINDS`.
    pub offer_type: String,
    pub offer_value: f64,
    pub min_spend: f64,
}

impl Arm {
    /// How the arm is named in datasets and reports: "coupon 10 min 60", "pct_discount 15".
    pub fn label(&self) -> String {
        if self.min_spend > 0.0 {
            format!(
                "{} {} min {}",
                self.offer_type, self.offer_value, self.min_spend
            )
        } else {
            format!("{} {}", self.offer_type, self.offer_value)
        }
    }
}

pub fn campaign_arms() -> Vec<Arm> {
    let arm = |name: &str, t: &str, v: f64, m: f64| Arm {
        name: name.into(),
        offer_type: t.into(),
        offer_value: v,
        min_spend: m,
    };
    vec![
        arm("control", "none", 0.0, 0.0),
        arm("coupon_10_off_60", "coupon", 10.0, 60.0),
        arm("pct_10", "pct_discount", 10.0, 0.0),
        arm("pct_25", "pct_discount", 25.0, 0.0),
        arm("free_shipping", "free_shipping", SHIPPING_FEE_EUR, 0.0),
        arm("gift_12_over_50", "gift", 12.0, 50.0),
    ]
}

/// The true parameters of one hidden segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentTruth {
    pub name: String,
    pub description: String,
    pub share: f64,
    /// Logit of buying within the response window with no offer, for a customer of average activity.
    pub base_logit: f64,
    /// Logit shift from being contacted at all (negative: the message annoys).
    pub contact_effect: f64,
    /// Logit shift per unit of effective discount depth (0.10 = 10% off) for the median customer.
    pub discount_sensitivity: f64,
    /// Relative basket growth per unit of discount depth.
    pub basket_elasticity: f64,
    /// Multiplier on the sensitivity per offer type, in `OFFER_KINDS` order.
    pub offer_multipliers: [f64; 4],
    pub orders_per_year: f64,
    pub basket_eur: f64,
    pub promo_share: f64,
    pub cart_abandon_rate: f64,
    /// Weights of email, sms, push as the preferred channel.
    pub channel_weights: [f64; 3],
}

fn segments() -> Vec<SegmentTruth> {
    let s = |name: &str,
             description: &str,
             share,
             base_logit,
             contact_effect,
             discount_sensitivity,
             basket_elasticity,
             offer_multipliers,
             orders_per_year,
             basket_eur,
             promo_share,
             cart_abandon_rate,
             channel_weights| SegmentTruth {
        name: name.into(),
        description: description.into(),
        share,
        base_logit,
        contact_effect,
        discount_sensitivity,
        basket_elasticity,
        offer_multipliers,
        orders_per_year,
        basket_eur,
        promo_share,
        cart_abandon_rate,
        channel_weights,
    };
    vec![
        s(
            "loyal",
            "buy anyway: frequent, full price, barely moved by offers",
            0.20,
            -0.9,
            0.0,
            1.0,
            0.2,
            [1.0, 1.0, 0.8, 1.0],
            5.0,
            85.0,
            0.05,
            0.15,
            [0.7, 0.1, 0.2],
        ),
        s(
            "deal_seeker",
            "only buy on discount: rare at full price, very price sensitive",
            0.20,
            -3.8,
            0.0,
            14.0,
            1.5,
            [1.0, 1.2, 0.6, 0.5],
            2.5,
            45.0,
            0.75,
            0.55,
            [0.2, 0.5, 0.3],
        ),
        s(
            "persuadable",
            "respond to a well-chosen offer, gifts and coupons especially",
            0.25,
            -2.3,
            0.15,
            7.0,
            0.8,
            [1.1, 1.0, 1.0, 1.3],
            3.0,
            65.0,
            0.25,
            0.35,
            [0.5, 0.2, 0.3],
        ),
        s(
            "dormant",
            "lapsing: little baseline and little response",
            0.25,
            -4.4,
            0.05,
            2.0,
            0.3,
            [1.0, 1.0, 1.0, 1.0],
            1.0,
            50.0,
            0.20,
            0.50,
            [0.6, 0.2, 0.2],
        ),
        s(
            "do_not_disturb",
            "buy on their own; messages annoy them and lower their purchase rate",
            0.10,
            -1.8,
            -0.7,
            3.0,
            0.3,
            [1.0, 1.0, 1.0, 1.0],
            3.0,
            70.0,
            0.10,
            0.25,
            [0.3, 0.3, 0.4],
        ),
    ]
}

/// One customer's true response parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerTruth {
    pub customer_id: String,
    pub segment: usize,
    pub logit_base: f64,
    pub discount_sensitivity: f64,
    pub basket_eur: f64,
    pub preferred_channel: String,
    /// True conversion probability per campaign arm, sent through the preferred channel.
    pub p_convert: Vec<f64>,
    /// True expected net revenue (after discount) per arm, preferred channel.
    pub expected_revenue_eur: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroundTruth {
    pub config: SampleConfig,
    pub campaign_id: String,
    pub campaign_date: NaiveDate,
    pub response_window_days: i64,
    pub shipping_fee_eur: f64,
    pub off_channel_factor: f64,
    pub gross_margin_rate: f64,
    pub arms: Vec<Arm>,
    pub segments: Vec<SegmentTruth>,
    /// Per segment: mean true conversion elasticity with respect to price at the list price.
    pub segment_price_elasticity: Vec<f64>,
    /// Per segment and arm: mean true conversion uplift over control (preferred channel).
    pub segment_uplift: Vec<Vec<f64>>,
    pub customers: Vec<CustomerTruth>,
}

impl GroundTruth {
    /// Each customer's truth by customer id.
    pub fn by_id(&self) -> std::collections::HashMap<&str, &CustomerTruth> {
        self.customers
            .iter()
            .map(|c| (c.customer_id.as_str(), c))
            .collect()
    }
}

/// Effective discount depth of an offer for a customer with expected basket `basket_eur`.
pub fn effective_depth(arm: &Arm, basket_eur: f64) -> f64 {
    match arm.offer_type.as_str() {
        "pct_discount" => arm.offer_value / 100.0,
        "coupon" => arm.offer_value / basket_eur.max(arm.min_spend).max(1.0),
        "free_shipping" => arm.offer_value / basket_eur.max(1.0),
        // A gift is valued at about 70% of its price by the customer.
        "gift" => 0.7 * arm.offer_value / basket_eur.max(arm.min_spend).max(1.0),
        _ => 0.0,
    }
}

impl SegmentTruth {
    fn multiplier(&self, offer_type: &str) -> f64 {
        OFFER_KINDS
            .iter()
            .position(|k| *k == offer_type)
            .map_or(1.0, |i| self.offer_multipliers[i])
    }
}

impl CustomerTruth {
    /// True conversion probability under `arm` sent through `on_preferred_channel` or not.
    pub fn conversion(&self, seg: &SegmentTruth, arm: &Arm, on_preferred_channel: bool) -> f64 {
        if arm.offer_type == "none" {
            return sigmoid(self.logit_base);
        }
        let channel = if on_preferred_channel {
            1.0
        } else {
            OFF_CHANNEL_FACTOR
        };
        let depth = effective_depth(arm, self.basket_eur);
        let shift = seg.contact_effect
            + self.discount_sensitivity * seg.multiplier(&arm.offer_type) * depth * channel;
        sigmoid(self.logit_base + shift)
    }

    /// Expected gross basket when buying under `arm` (before the discount is taken off).
    pub fn basket(&self, seg: &SegmentTruth, arm: &Arm) -> f64 {
        let depth = effective_depth(arm, self.basket_eur);
        let grown = self.basket_eur * (1.0 + seg.basket_elasticity * depth);
        if arm.min_spend > 0.0 {
            grown.max(arm.min_spend)
        } else {
            grown
        }
    }

    /// What the offer costs when redeemed, in euros.
    pub fn discount_cost(&self, seg: &SegmentTruth, arm: &Arm) -> f64 {
        match arm.offer_type.as_str() {
            "pct_discount" => self.basket(seg, arm) * arm.offer_value / 100.0,
            "coupon" | "free_shipping" | "gift" => arm.offer_value,
            _ => 0.0,
        }
    }

    /// Expected revenue net of price discounts (gift and shipping costs are costs, not revenue).
    pub fn expected_revenue(
        &self,
        seg: &SegmentTruth,
        arm: &Arm,
        on_preferred_channel: bool,
    ) -> f64 {
        let p = self.conversion(seg, arm, on_preferred_channel);
        let price_cut = match arm.offer_type.as_str() {
            "pct_discount" | "coupon" => self.discount_cost(seg, arm),
            _ => 0.0,
        };
        p * (self.basket(seg, arm) - price_cut)
    }
}

struct Product {
    id: String,
    category: usize,
    price: f64,
}

/// The five sample tables as CSV text, plus the ground truth.
pub struct SampleData {
    pub customers_csv: String,
    pub products_csv: String,
    pub order_lines_csv: String,
    pub campaigns_csv: String,
    pub events_csv: String,
    pub truth: GroundTruth,
}

pub const FILES: [&str; 6] = [
    "customers.csv",
    "products.csv",
    "order_lines.csv",
    "campaigns.csv",
    "events.csv",
    "ground_truth.json",
];

fn weekly(d: NaiveDate) -> f64 {
    match d.weekday().num_days_from_monday() {
        4 => 1.15,
        5 | 6 => 1.3,
        _ => 1.0,
    }
}

/// Yearly cycle peaking before Christmas, with a Black Friday week spike.
fn yearly(d: NaiveDate) -> f64 {
    let doy = d.ordinal() as f64;
    let base = 1.0 + 0.35 * (2.0 * std::f64::consts::PI * (doy - 350.0) / 365.0).cos();
    let black_friday = d.month() == 11 && (22..=30).contains(&d.day());
    base * if black_friday { 1.8 } else { 1.0 }
}

fn pick_weighted(rng: &mut StdRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn poisson(rng: &mut StdRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}

fn ts(dt: NaiveDateTime) -> String {
    dt.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Generates the sample. The same config always gives byte-identical output.
pub fn generate(cfg: SampleConfig) -> SampleData {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let segs = segments();
    let arms = campaign_arms();
    let start = campaign_date();
    let history_start = start - Duration::days(365);

    // Products: log-uniform prices per category, costs 45-70% of price, some nearly out of stock.
    let mut products = Vec::new();
    let mut products_csv = String::from("product_id,category,base_price,unit_cost,stock\n");
    let mut cost_sum = 0.0;
    let mut price_sum = 0.0;
    for i in 0..200 {
        let category = i % CATEGORIES.len();
        let price = (5.0f64.ln() + rng.random::<f64>() * (300.0f64 / 5.0).ln()).exp();
        let price = (price * 100.0).round() / 100.0 - 0.01;
        let cost = (price * rng.random_range(0.45..0.70) * 100.0).round() / 100.0;
        let stock: u32 = if rng.random::<f64>() < 0.06 {
            rng.random_range(0..20)
        } else {
            rng.random_range(200..5000)
        };
        cost_sum += cost;
        price_sum += price;
        let id = format!("P{:03}", i + 1);
        let _ = writeln!(
            products_csv,
            "{id},{},{price:.2},{cost:.2},{stock}",
            CATEGORIES[category]
        );
        products.push(Product {
            id,
            category,
            price,
        });
    }
    let mut by_category: Vec<Vec<usize>> = vec![Vec::new(); CATEGORIES.len()];
    for (i, p) in products.iter().enumerate() {
        by_category[p.category].push(i);
    }
    for list in &mut by_category {
        list.sort_by(|a, b| products[*a].price.total_cmp(&products[*b].price));
    }

    let mut customers_csv =
        String::from("customer_id,signup_date,region,age_band,gender,preferred_channel\n");
    let mut order_lines_csv = String::from(
        "order_id,customer_id,product_id,timestamp,quantity,unit_price,discount_amount,promo_id\n",
    );
    let mut campaigns_csv = String::from(
        "campaign_id,customer_id,offer_type,offer_value,min_spend,channel,sent_at,opened,redeemed,converted,revenue,control\n",
    );
    let mut events_csv = String::from("customer_id,timestamp,event_type,product_id\n");
    let campaign_id = "CMP-2026-11";
    let sent_at = start.and_hms_opt(10, 0, 0).expect("valid time");
    let mut truths = Vec::with_capacity(cfg.customers);
    let mut order_no = 0u64;
    let activity = Normal::new(0.0, 0.6).expect("valid normal");
    let spread = Normal::new(0.0, 0.25).expect("valid normal");
    let basket_noise = LogNormal::new(0.0, 0.3).expect("valid lognormal");
    let revenue_noise = LogNormal::new(-0.25f64 * 0.25 / 2.0, 0.25).expect("valid lognormal");
    let max_density = 1.3 * 1.35 * 1.8;

    for c in 0..cfg.customers {
        let id = format!("C{:06}", c + 1);
        let si = pick_weighted(&mut rng, &segs.iter().map(|s| s.share).collect::<Vec<_>>());
        let seg = &segs[si];
        let z: f64 = activity.sample(&mut rng);
        let tenure_days = rng.random_range(30..1100i64);
        let signup = start - Duration::days(tenure_days);
        // Regions and ages lean by segment so that observable profile carries signal.
        let region = REGIONS
            [(si + pick_weighted(&mut rng, &[3.0, 1.0, 1.0, 1.0, 1.0, 1.0])) % REGIONS.len()];
        let age = AGE_BANDS
            [(si * 2 + pick_weighted(&mut rng, &[3.0, 2.0, 1.0, 1.0, 1.0])) % AGE_BANDS.len()];
        let gender = match rng.random::<f64>() {
            x if x < 0.3 => "",
            x if x < 0.65 => "f",
            x if x < 0.98 => "m",
            _ => "x",
        };
        let region = if rng.random::<f64>() < 0.01 {
            ""
        } else {
            region
        };
        let channel = CHANNELS[pick_weighted(&mut rng, &seg.channel_weights)];
        let _ = writeln!(
            customers_csv,
            "{id},{},{region},{age},{gender},{channel}",
            signup.format("%Y-%m-%d")
        );

        let basket_eur = seg.basket_eur * basket_noise.sample(&mut rng);
        let favourites = [
            rng.random_range(0..CATEGORIES.len()),
            rng.random_range(0..CATEGORIES.len()),
        ];

        // Order history: Poisson count over the customer's part of the last year, seasonal days.
        let window_start = history_start.max(signup);
        let window_days = (start - window_start).num_days().max(1);
        let rate = seg.orders_per_year * z.exp();
        let n_orders = poisson(&mut rng, rate * window_days as f64 / 365.0);
        let mut order_times = Vec::with_capacity(n_orders as usize);
        while (order_times.len() as u64) < n_orders {
            let d = window_start + Duration::days(rng.random_range(0..window_days));
            if rng.random::<f64>() * max_density < weekly(d) * yearly(d) {
                let t = d
                    .and_hms_opt(
                        rng.random_range(7..24),
                        rng.random_range(0..60),
                        rng.random_range(0..60),
                    )
                    .expect("valid time");
                order_times.push(t);
            }
        }
        order_times.sort();
        let mut recent_orders = Vec::new();
        for t in &order_times {
            order_no += 1;
            let order_id = format!("O{order_no:07}");
            let promo = rng.random::<f64>() < seg.promo_share;
            let disc_pct = if promo {
                [0.1, 0.15, 0.2, 0.3][rng.random_range(0..4)]
            } else {
                0.0
            };
            let promo_id = if promo {
                format!("PR-{}", t.format("%Y-%m"))
            } else {
                String::new()
            };
            let target = basket_eur
                * basket_noise.sample(&mut rng)
                * (1.0 + seg.basket_elasticity * disc_pct);
            let n_lines = 1 + poisson(&mut rng, 0.3) as usize;
            // (product, quantity): a product picked twice in one order adds to its quantity.
            let mut lines: Vec<(usize, u64)> = Vec::with_capacity(n_lines);
            for _ in 0..n_lines {
                let cat = if rng.random::<f64>() < 0.7 {
                    favourites[rng.random_range(0..2)]
                } else {
                    rng.random_range(0..CATEGORIES.len())
                };
                let want = target / n_lines as f64;
                let list = &by_category[cat];
                let pos = list
                    .partition_point(|&p| products[p].price < want)
                    .min(list.len() - 1);
                let qty = 1 + poisson(&mut rng, 0.15);
                match lines.iter_mut().find(|(p, _)| *p == list[pos]) {
                    Some(line) => line.1 += qty,
                    None => lines.push((list[pos], qty)),
                }
            }
            for &(pi, qty) in &lines {
                let p = &products[pi];
                let discount = (p.price * qty as f64 * disc_pct * 100.0).round() / 100.0;
                let _ = writeln!(
                    order_lines_csv,
                    "{order_id},{id},{},{},{qty},{:.2},{discount:.2},{promo_id}",
                    p.id,
                    ts(*t),
                    p.price
                );
            }
            let lines: Vec<usize> = lines.into_iter().map(|(p, _)| p).collect();
            if (start.and_hms_opt(0, 0, 0).expect("valid") - *t).num_days() < 30 {
                recent_orders.push((*t, lines));
            }
        }

        // Behaviour events in the 30 days before the campaign: sessions that end in the recent
        // orders, carts abandoned at the segment's rate, and browsing.
        let mut events: Vec<(NaiveDateTime, &str, usize)> = Vec::new();
        for (t, lines) in &recent_orders {
            for (k, &p) in lines.iter().enumerate() {
                events.push((*t - Duration::minutes(12 - k as i64), "view", p));
                events.push((*t - Duration::minutes(8 - k as i64), "add_to_cart", p));
            }
            events.push((*t, "checkout", lines[0]));
        }
        let abandon_mean =
            (rate * 30.0 / 365.0 + 0.15) * seg.cart_abandon_rate / (1.0 - seg.cart_abandon_rate);
        let n_abandoned = poisson(&mut rng, abandon_mean);
        let n_browse = poisson(&mut rng, 0.3 * z.exp());
        for k in 0..(n_abandoned + n_browse) {
            let day = start - Duration::days(rng.random_range(1..=30));
            let t = day
                .and_hms_opt(rng.random_range(7..24), rng.random_range(0..60), 0)
                .expect("valid time");
            let cat = favourites[rng.random_range(0..2)];
            let p = by_category[cat][rng.random_range(0..by_category[cat].len())];
            events.push((t, "view", p));
            if k < n_abandoned {
                events.push((t + Duration::minutes(2), "add_to_cart", p));
                if rng.random::<f64>() < 0.3 {
                    events.push((t + Duration::minutes(5), "remove", p));
                }
            }
        }
        events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
        for (t, kind, p) in events {
            let _ = writeln!(events_csv, "{id},{},{kind},{}", ts(t), products[p].id);
        }

        // True response, then the randomized campaign drawn from it.
        let truth_base = seg.base_logit + 0.9 * z;
        let mut truth = CustomerTruth {
            customer_id: id.clone(),
            segment: si,
            logit_base: truth_base,
            discount_sensitivity: seg.discount_sensitivity
                * Distribution::<f64>::sample(&spread, &mut rng).exp(),
            basket_eur,
            preferred_channel: channel.to_string(),
            p_convert: Vec::new(),
            expected_revenue_eur: Vec::new(),
        };
        truth.p_convert = arms
            .iter()
            .map(|a| round6(truth.conversion(seg, a, true)))
            .collect();
        truth.expected_revenue_eur = arms
            .iter()
            .map(|a| round6(truth.expected_revenue(seg, a, true)))
            .collect();

        let ai = rng.random_range(0..arms.len());
        let arm = &arms[ai];
        let control = arm.offer_type == "none";
        let send_channel = if control {
            "none"
        } else {
            CHANNELS[rng.random_range(0..CHANNELS.len())]
        };
        let on_pref = send_channel == channel;
        let p = truth.conversion(seg, arm, on_pref);
        let converted = rng.random::<f64>() < p;
        let opened = !control && rng.random::<f64>() < if on_pref { 0.45 } else { 0.2 };
        let revenue = if converted {
            let price_cut = match arm.offer_type.as_str() {
                "pct_discount" | "coupon" => truth.discount_cost(seg, arm),
                _ => 0.0,
            };
            ((truth.basket(seg, arm) - price_cut) * revenue_noise.sample(&mut rng)).max(1.0)
        } else {
            0.0
        };
        let redeemed = converted && !control;
        let b = |x: bool| u8::from(x);
        let _ = writeln!(
            campaigns_csv,
            "{campaign_id},{id},{},{},{},{send_channel},{},{},{},{},{revenue:.2},{}",
            arm.offer_type,
            arm.offer_value,
            arm.min_spend,
            ts(sent_at),
            b(opened),
            b(redeemed),
            b(converted),
            b(control)
        );
        truths.push(truth);
    }

    let segment_price_elasticity = segs
        .iter()
        .enumerate()
        .map(|(si, _)| {
            let members: Vec<&CustomerTruth> = truths.iter().filter(|t| t.segment == si).collect();
            let e: f64 = members
                .iter()
                .map(|t| {
                    -t.discount_sensitivity
                        * segs[si].multiplier("pct_discount")
                        * (1.0 - sigmoid(t.logit_base))
                })
                .sum();
            round6(e / members.len().max(1) as f64)
        })
        .collect();
    let segment_uplift = (0..segs.len())
        .map(|si| {
            let members: Vec<&CustomerTruth> = truths.iter().filter(|t| t.segment == si).collect();
            (0..arms.len())
                .map(|a| {
                    round6(
                        members
                            .iter()
                            .map(|t| t.p_convert[a] - t.p_convert[0])
                            .sum::<f64>()
                            / members.len().max(1) as f64,
                    )
                })
                .collect()
        })
        .collect();
    let truth = GroundTruth {
        config: cfg,
        campaign_id: campaign_id.into(),
        campaign_date: start,
        response_window_days: RESPONSE_WINDOW_DAYS,
        shipping_fee_eur: SHIPPING_FEE_EUR,
        off_channel_factor: OFF_CHANNEL_FACTOR,
        gross_margin_rate: round6(1.0 - cost_sum / price_sum),
        arms,
        segments: segs,
        segment_price_elasticity,
        segment_uplift,
        customers: truths,
    };
    SampleData {
        customers_csv,
        products_csv,
        order_lines_csv,
        campaigns_csv,
        events_csv,
        truth,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl SampleData {
    /// Writes the five CSV files and ground_truth.json into `dir`, each atomically.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let truth = serde_json::to_string(&self.truth).map_err(std::io::Error::other)?;
        let texts = [
            &self.customers_csv,
            &self.products_csv,
            &self.order_lines_csv,
            &self.campaigns_csv,
            &self.events_csv,
            &truth,
        ];
        for (name, text) in FILES.iter().zip(texts) {
            write_atomic(&dir.join(name), text.as_bytes())?;
        }
        Ok(())
    }
}

/// Reads a ground_truth.json written by `SampleData::write`.
pub fn read_truth(path: &Path) -> anyhow::Result<GroundTruth> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not a promolab ground-truth file", path.display()))
}

/// The bundled sample data folder: `sample_data/` of the source tree when it is there, else a
/// copy generated deterministically (default config) into the user's cache folder.
pub fn default_sample_dir() -> std::io::Result<std::path::PathBuf> {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    if FILES.iter().all(|f| bundled.join(f).is_file()) {
        return Ok(bundled);
    }
    let cfg = SampleConfig::default();
    let dir = crate::util::cache_dir().join(format!("sample-{}-{}", cfg.customers, cfg.seed));
    if !FILES.iter().all(|f| dir.join(f).is_file()) {
        generate(cfg).write(&dir)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_identical_data_and_other_seed_differs() {
        let a = generate(SampleConfig {
            customers: 300,
            seed: 7,
        });
        let b = generate(SampleConfig {
            customers: 300,
            seed: 7,
        });
        let c = generate(SampleConfig {
            customers: 300,
            seed: 8,
        });
        assert_eq!(a.order_lines_csv, b.order_lines_csv);
        assert_eq!(a.campaigns_csv, b.campaigns_csv);
        assert_eq!(a.events_csv, b.events_csv);
        assert_ne!(a.order_lines_csv, c.order_lines_csv);
    }

    #[test]
    fn deeper_discount_never_lowers_true_conversion() {
        let segs = segments();
        let t = CustomerTruth {
            customer_id: "x".into(),
            segment: 1,
            logit_base: -3.0,
            discount_sensitivity: 10.0,
            basket_eur: 50.0,
            preferred_channel: "sms".into(),
            p_convert: vec![],
            expected_revenue_eur: vec![],
        };
        let mut last = 0.0;
        for pct in [0.0, 5.0, 10.0, 20.0, 40.0] {
            let arm = Arm {
                name: "p".into(),
                offer_type: "pct_discount".into(),
                offer_value: pct,
                min_spend: 0.0,
            };
            let p = t.conversion(&segs[1], &arm, true);
            assert!(p >= last);
            last = p;
        }
    }

    #[test]
    fn coupon_depth_uses_the_larger_of_basket_and_minimum_spend() {
        let arm = Arm {
            name: "c".into(),
            offer_type: "coupon".into(),
            offer_value: 10.0,
            min_spend: 60.0,
        };
        assert!((effective_depth(&arm, 40.0) - 10.0 / 60.0).abs() < 1e-12);
        assert!((effective_depth(&arm, 100.0) - 0.1).abs() < 1e-12);
    }
}
