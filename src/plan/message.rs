//! Message text from a template with placeholders: {name}, {discount}, {category}, {offer},
//! {customer_id}. Unknown placeholders are left as they are, so a typo is visible in the preview.

use crate::sim::Offer;

/// What a template can say about one customer.
pub struct MessageContext<'a> {
    pub customer_id: &'a str,
    pub name: Option<&'a str>,
    pub category: Option<&'a str>,
    pub offer: &'a Offer,
}

/// The offer's incentive in a few words: "20%", "10 off", "free shipping", "a gift".
pub fn discount_words(offer: &Offer) -> String {
    match offer {
        Offer::Message => String::new(),
        Offer::PctDiscount { pct } | Offer::CartRecovery { pct } | Offer::FlashSale { pct, .. } => {
            format!("{pct}%")
        }
        Offer::Bundle { discount_pct, .. } => format!("{discount_pct}%"),
        Offer::Coupon { amount, .. } => format!("{amount} off"),
        Offer::FreeShipping { .. } => "free shipping".into(),
        Offer::DynamicPrice { price_index } => format!("{:.0}%", (1.0 - price_index) * 100.0),
        Offer::Gift { .. } => "a gift".into(),
    }
}

pub fn render(template: &str, c: &MessageContext) -> String {
    template
        .replace("{name}", c.name.unwrap_or("there"))
        .replace("{customer_id}", c.customer_id)
        .replace("{discount}", &discount_words(c.offer))
        .replace("{category}", c.category.unwrap_or("our range"))
        .replace("{offer}", &c.offer.describe())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let offer = Offer::PctDiscount { pct: 20.0 };
        let c = MessageContext {
            customer_id: "C1",
            name: None,
            category: Some("shoes"),
            offer: &offer,
        };
        assert_eq!(
            render(
                "Hi {name}, {discount} off {category} ({offer}) {unknown}",
                &c
            ),
            "Hi there, 20% off shoes (20% off) {unknown}"
        );
    }
}
