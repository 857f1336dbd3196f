//! The simulator's per-customer arithmetic in f64: an offer's terms for one customer, and the
//! customer's expected incremental figures from its probabilities to buy without and with the
//! offer. The method is documented in `promolab::sim::simulate`; it lives here so that the
//! passes over many customers are built fully optimized (see the crate's docs).

use serde::Serialize;

/// What the offer means for one customer with expected basket `basket` (list prices) and relative
/// basket growth `elasticity` per unit of depth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    /// Perceived discount depth (negative for a price rise).
    pub depth: f64,
    /// Whether a message is sent (contact effect and send cost apply).
    pub sent: bool,
    /// Extra log-odds not tied to depth (flash-sale urgency).
    pub extra_logit: f64,
    /// Gross basket at list prices when buying under the offer.
    pub basket: f64,
    /// Revenue given up per buyer (the price cut; negative for a price rise).
    pub price_cut: f64,
    /// Other cost per buyer (gift, shipping paid by us).
    pub other_cost: f64,
}

/// Every offer's terms in one branch-free form, so a pass over a million customers does no
/// `match` per customer. For basket b and basket growth e:
///   depth     = fixed_depth + worth / max(b, threshold, 1)
///   basket    = max(b·(1 + e·depth), basket_floor)
///   price cut = cut_share · basket · depth + cut_fixed
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub fixed_depth: f64,
    pub worth: f64,
    pub threshold: f64,
    pub basket_floor: f64,
    pub cut_share: f64,
    pub cut_fixed: f64,
    pub other_cost: f64,
    pub sent: bool,
    pub extra_logit: f64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            fixed_depth: 0.0,
            worth: 0.0,
            threshold: 0.0,
            basket_floor: f64::NEG_INFINITY,
            cut_share: 0.0,
            cut_fixed: 0.0,
            other_cost: 0.0,
            sent: false,
            extra_logit: 0.0,
        }
    }
}

impl Shape {
    /// The depth for a customer with basket `basket` (the same for everyone when `worth` is 0).
    #[inline]
    pub fn depth(&self, basket: f64) -> f64 {
        self.fixed_depth + self.worth / basket.max(self.threshold).max(1.0)
    }

    #[inline]
    pub fn terms(&self, basket: f64, elasticity: f64) -> Terms {
        let depth = self.depth(basket);
        let grown = (basket * (1.0 + elasticity * depth)).max(self.basket_floor);
        Terms {
            depth,
            sent: self.sent,
            extra_logit: self.extra_logit,
            basket: grown,
            price_cut: self.cut_share * grown * depth + self.cut_fixed,
            other_cost: self.other_cost,
        }
    }
}

/// Expected effect of the offer on one customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Effect {
    pub p0: f64,
    pub p1: f64,
    pub incremental_buyers: f64,
    pub incremental_revenue: f64,
    pub redemption_cost: f64,
    pub send_cost: f64,
    pub incremental_profit: f64,
    /// Variances of the customer's realized profit, revenue and purchase under the offer.
    pub var_profit: f64,
    pub var_revenue: f64,
    pub var_buyers: f64,
    /// Incremental buyers times profit (revenue) per buyer: how profit (revenue) moves when the
    /// uplift is off by a factor (the model-check term of the intervals).
    pub uplift_profit: f64,
    pub uplift_revenue: f64,
    /// How profit (revenue) moves when buying without the offer is off by a factor and the
    /// uplift stays: the buyer-anyway's discount against their full-price margin.
    pub baseline_profit: f64,
    pub baseline_revenue: f64,
}

/// What one simulation fixes for every customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    /// Gross margin rate of goods at list price.
    pub margin: f64,
    /// Cost per customer sent the offer (0 when nothing is sent).
    pub send: f64,
    /// Share of the extra demand that stock can serve (1 without a binding stock cap).
    pub serve: f64,
}

impl Prices {
    /// `Basics` from a customer's basket at list price, terms and probabilities without and
    /// with the offer (before the stock cap).
    #[inline(always)]
    pub fn basics(&self, b: f64, terms: Terms, p0: f64, full: f64) -> Basics {
        Basics {
            b,
            p0,
            p1: p0 + self.serve * (full - p0),
            per_buyer_profit: self.margin * terms.basket - terms.price_cut - terms.other_cost,
            per_buyer_revenue: terms.basket - terms.price_cut,
            margin: self.margin,
            send: self.send,
            terms,
        }
    }
}

/// One customer's basket, probabilities and per-buyer values under a scenario.
pub struct Basics {
    /// Basket at list price without the offer.
    pub b: f64,
    pub p0: f64,
    pub p1: f64,
    pub per_buyer_profit: f64,
    pub per_buyer_revenue: f64,
    pub margin: f64,
    pub send: f64,
    pub terms: Terms,
}

impl Basics {
    #[inline(always)]
    pub fn effect(&self) -> Effect {
        let &Basics {
            b,
            p0,
            p1,
            per_buyer_profit,
            per_buyer_revenue,
            margin,
            send,
            ref terms,
        } = self;
        let inc = self.increments();
        let var = p1 * (1.0 - p1);
        Effect {
            p0,
            p1,
            incremental_buyers: inc.buyers,
            incremental_revenue: inc.revenue,
            redemption_cost: p1 * (terms.price_cut + terms.other_cost),
            send_cost: send,
            incremental_profit: inc.profit,
            var_profit: var * per_buyer_profit * per_buyer_profit,
            var_revenue: var * per_buyer_revenue * per_buyer_revenue,
            var_buyers: var,
            uplift_profit: (p1 - p0) * per_buyer_profit,
            uplift_revenue: (p1 - p0) * per_buyer_revenue,
            baseline_profit: p0 * (per_buyer_profit - margin * b),
            baseline_revenue: p0 * (per_buyer_revenue - b),
        }
    }

    #[inline(always)]
    pub fn increments(&self) -> Increments {
        Increments {
            buyers: self.p1 - self.p0,
            revenue: self.p1 * self.per_buyer_revenue - self.p0 * self.b,
            profit: self.p1 * self.per_buyer_profit - self.p0 * self.margin * self.b - self.send,
        }
    }
}

/// Incremental buyers, revenue and profit (of a customer, or summed).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Increments {
    pub buyers: f64,
    pub revenue: f64,
    pub profit: f64,
}

impl Increments {
    #[inline(always)]
    pub fn merge(self, o: Increments) -> Increments {
        Increments {
            buyers: self.buyers + o.buyers,
            revenue: self.revenue + o.revenue,
            profit: self.profit + o.profit,
        }
    }

    pub fn of(f: &Figures) -> Increments {
        Increments {
            buyers: f.incremental_buyers,
            revenue: f.incremental_revenue,
            profit: f.incremental_profit,
        }
    }
}

/// Sums of customer effects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub targeted: usize,
    pub incremental_buyers: f64,
    /// Expected buyers among the targeted, with the offer (what redemptions to expect).
    pub buyers_with_offer: f64,
    pub incremental_revenue: f64,
    pub redemption_cost: f64,
    pub send_cost: f64,
    pub incremental_profit: f64,
    #[serde(skip)]
    pub var_profit: f64,
    #[serde(skip)]
    pub var_revenue: f64,
    #[serde(skip)]
    pub var_buyers: f64,
    #[serde(skip)]
    pub uplift_profit: f64,
    #[serde(skip)]
    pub uplift_revenue: f64,
    #[serde(skip)]
    pub baseline_profit: f64,
    #[serde(skip)]
    pub baseline_revenue: f64,
}

impl Figures {
    #[inline(always)]
    pub fn add(&mut self, e: &Effect) {
        self.targeted += 1;
        self.incremental_buyers += e.incremental_buyers;
        self.buyers_with_offer += e.p1;
        self.incremental_revenue += e.incremental_revenue;
        self.redemption_cost += e.redemption_cost;
        self.send_cost += e.send_cost;
        self.incremental_profit += e.incremental_profit;
        self.var_profit += e.var_profit;
        self.var_revenue += e.var_revenue;
        self.var_buyers += e.var_buyers;
        self.uplift_profit += e.uplift_profit;
        self.uplift_revenue += e.uplift_revenue;
        self.baseline_profit += e.baseline_profit;
        self.baseline_revenue += e.baseline_revenue;
    }

    pub fn merge(mut self, o: &Figures) -> Figures {
        self.targeted += o.targeted;
        self.incremental_buyers += o.incremental_buyers;
        self.buyers_with_offer += o.buyers_with_offer;
        self.incremental_revenue += o.incremental_revenue;
        self.redemption_cost += o.redemption_cost;
        self.send_cost += o.send_cost;
        self.incremental_profit += o.incremental_profit;
        self.var_profit += o.var_profit;
        self.var_revenue += o.var_revenue;
        self.var_buyers += o.var_buyers;
        self.uplift_profit += o.uplift_profit;
        self.uplift_revenue += o.uplift_revenue;
        self.baseline_profit += o.baseline_profit;
        self.baseline_revenue += o.baseline_revenue;
        self
    }

    /// Total promotion spend: redemption and send costs.
    pub fn spend(&self) -> f64 {
        self.redemption_cost + self.send_cost
    }

    /// What buyers pay above list price in all, when the offer is a price above list (its
    /// "price cut", the redemption cost, is then negative); None otherwise.
    pub fn paid_above_list(&self) -> Option<f64> {
        (self.redemption_cost < 0.0).then_some(-self.redemption_cost)
    }

    /// Incremental profit per unit of spend (None when nothing is spent).
    pub fn roi(&self) -> Option<f64> {
        (self.spend() > 0.0).then(|| self.incremental_profit / self.spend())
    }
}

/// Each of `customers`' basket at list price (`basket[i]`) and terms under an offer of `shape`
/// (basket growth `growth[i]`, 0 where `growth` is empty), appended to `out`.
pub fn terms_of(
    shape: &Shape,
    basket: &[f32],
    growth: &[f32],
    customers: &[u32],
    out: &mut Vec<(f64, Terms)>,
) {
    const AHEAD: usize = 8;
    for (j, &i) in customers.iter().enumerate() {
        if let Some(&next) = customers.get(j + AHEAD) {
            crate::prefetch(&basket[next as usize..]);
            if let Some(g) = growth.get(next as usize..) {
                crate::prefetch(g);
            }
        }
        let b = basket[i as usize] as f64;
        let e = growth.get(i as usize).map_or(0.0, |&e| e as f64);
        out.push((b, shape.terms(b, e)));
    }
}

/// A block of customers under a latent-class model, with their probabilities per group (one
/// group per bootstrap member; see `crate::mixtures`).
#[derive(Debug, Clone, Copy)]
pub struct ClassBlock<'a> {
    /// Per customer: basket at list price and terms (`terms_of`).
    pub terms: &'a [(f64, Terms)],
    /// Per customer and group: the probability to buy without the offer, then with it.
    pub p0: &'a [f32],
    pub full: &'a [f32],
    pub groups: usize,
    /// The group that is the mean; `None`: the mean is the groups' average.
    pub mean: Option<usize>,
}

impl ClassBlock<'_> {
    /// The j-th customer's probabilities without and with the offer under the mean: its group,
    /// or the groups' average (summed in f64, in group order).
    #[inline(always)]
    pub fn mean(&self, j: usize) -> (f64, f64) {
        let k = self.groups;
        let (p0s, fulls) = (&self.p0[j * k..(j + 1) * k], &self.full[j * k..(j + 1) * k]);
        mean_of(p0s, fulls, self.mean)
    }
}

/// A customer's probabilities without and with the offer under the mean, from its
/// probabilities in each group: group `mean`'s, or the groups' average (summed in f64, in group
/// order). Every path that prices a latent-class mean goes through here, so a customer's own
/// figures and the block totals are the same numbers.
#[inline(always)]
pub fn mean_of(p0s: &[f32], fulls: &[f32], mean: Option<usize>) -> (f64, f64) {
    match mean {
        Some(g) => (p0s[g] as f64, fulls[g] as f64),
        None => {
            let (mut p0, mut full) = (0.0, 0.0);
            for (&q0, &q_full) in p0s.iter().zip(fulls) {
                (p0, full) = (p0 + q0 as f64, full + q_full as f64);
            }
            let k = p0s.len() as f64;
            (p0 / k, full / k)
        }
    }
}

/// Each of the block's customers' effect under the mean, appended to `out`.
///
/// Panics if the block's lengths disagree (a caller's bug).
pub fn class_effects(prices: &Prices, block: &ClassBlock, out: &mut Vec<Effect>) {
    let n = block.terms.len();
    assert!(block.p0.len() == n * block.groups && block.full.len() == n * block.groups);
    for (j, &(b, terms)) in block.terms.iter().enumerate() {
        let (p0, full) = block.mean(j);
        out.push(prices.basics(b, terms, p0, full).effect());
    }
}

/// Adds the block's customers' figures under the mean to `segments` (customer j's segment is
/// `segment[customers[j]]`, 0 where `segment` is empty, the last for those beyond), and, when
/// `members` holds one sum per segment and group (segment-major: `members[s * groups + g]`),
/// each group's incremental buyers, revenue and profit to its member's sums in the customer's
/// segment.
///
/// Panics if the block's lengths disagree or `segments` is empty (a caller's bug).
pub fn add_class_block(
    prices: &Prices,
    block: &ClassBlock,
    customers: &[u32],
    segment: &[u16],
    segments: &mut [Figures],
    members: &mut [Increments],
) {
    let k = block.groups;
    let n = customers.len();
    assert!(
        block.terms.len() == n
            && block.p0.len() == n * k
            && block.full.len() == n * k
            && !segments.is_empty()
            && block.mean.is_none_or(|g| g < k)
            && (k > 0 || block.mean.is_some() || n == 0)
    );
    assert!(members.is_empty() || members.len() == segments.len() * k);
    let last = segments.len() - 1;
    for (j, &i) in customers.iter().enumerate() {
        let (b, terms) = block.terms[j];
        let (p0s, fulls) = (
            &block.p0[j * k..(j + 1) * k],
            &block.full[j * k..(j + 1) * k],
        );
        let s = segment.get(i as usize).map_or(0, |&s| s as usize).min(last);
        if !members.is_empty() {
            let sums = &mut members[s * k..(s + 1) * k];
            for (sum, (&q0, &q_full)) in sums.iter_mut().zip(p0s.iter().zip(fulls)) {
                let basics = prices.basics(b, terms, q0 as f64, q_full as f64);
                *sum = sum.merge(basics.increments());
            }
        }
        let (p0, full) = block.mean(j);
        segments[s].add(&prices.basics(b, terms, p0, full).effect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two customers in two groups: the mean is the groups' average (or one group), the
    /// figures go to each customer's segment (the last one for segments beyond), and each
    /// group's increments to its member, as `Prices::basics` gives them one by one.
    #[test]
    fn class_block_by_hand() {
        let prices = Prices {
            margin: 0.4,
            send: 0.05,
            serve: 0.8,
        };
        // 10% off for a 50 basket (growth 0.5) and a 120 basket (no growth).
        let shape = Shape {
            fixed_depth: 0.1,
            cut_share: 1.0,
            sent: true,
            ..Shape::default()
        };
        let mut terms = Vec::new();
        terms_of(
            &shape,
            &[50.0, 7.0, 120.0],
            &[0.5, 0.0, 0.0],
            &[0, 2],
            &mut terms,
        );
        assert_eq!(terms[0].0, 50.0);
        assert!(
            (terms[0].1.basket - 52.5).abs() < 1e-12 && (terms[0].1.price_cut - 5.25).abs() < 1e-12
        );
        let p0 = [0.10f32, 0.20, 0.05, 0.15];
        let full = [0.30f32, 0.25, 0.10, 0.35];
        let by_hand = |j: usize, q0: f64, q_full: f64| {
            let (b, t) = terms[j];
            prices.basics(b, t, q0, q_full)
        };
        for mean in [None, Some(1)] {
            let block = ClassBlock {
                terms: &terms,
                p0: &p0,
                full: &full,
                groups: 2,
                mean,
            };
            let mut segments = vec![Figures::default(); 2];
            let mut members = vec![Increments::default(); 2 * 2];
            // Customer 2 is in segment 5: counted in the last.
            add_class_block(
                &prices,
                &block,
                &[0, 2],
                &[0, 0, 5],
                &mut segments,
                &mut members,
            );
            for (j, seg) in segments.iter().enumerate() {
                let (q0, q_full) = match mean {
                    None => (
                        (p0[2 * j] as f64 + p0[2 * j + 1] as f64) / 2.0,
                        (full[2 * j] as f64 + full[2 * j + 1] as f64) / 2.0,
                    ),
                    Some(g) => (p0[2 * j + g] as f64, full[2 * j + g] as f64),
                };
                let want = by_hand(j, q0, q_full).effect();
                assert_eq!(seg.targeted, 1);
                assert!((seg.incremental_profit - want.incremental_profit).abs() < 1e-12);
                assert!((seg.var_profit - want.var_profit).abs() < 1e-12);
            }
            // One customer per segment: each segment's member sums are its customer's groups.
            for (x, m) in members.iter().enumerate() {
                let (j, g) = (x / 2, x % 2);
                let want = by_hand(j, p0[2 * j + g] as f64, full[2 * j + g] as f64).increments();
                assert!((m.profit - want.profit).abs() < 1e-12 && m.buyers == want.buyers);
            }
        }
        // Without members to sum, only the segments.
        let block = ClassBlock {
            terms: &terms,
            p0: &p0,
            full: &full,
            groups: 2,
            mean: None,
        };
        let mut segments = vec![Figures::default(); 1];
        add_class_block(&prices, &block, &[0, 2], &[], &mut segments, &mut []);
        assert_eq!(segments[0].targeted, 2);
    }
}
