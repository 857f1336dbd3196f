//! The optimizer's offers on the Scenarios screen: each with an optional redemption cap, each
//! removable; the offer being edited above (value, channel, message) can be added, and the
//! standard offers brought back (edits are made in place; the Scenarios screen compares the
//! list with the one the shown plan was solved with).

use super::glossary;
use crate::sim::Scenario;
use crate::sim::optimize::{OfferOption, OffersFile};

/// What the user did to the offers this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Nothing, or an edit made in place.
    None,
    /// "Standard offers" was pressed: the caller puts the standard list back (and fits it to the
    /// model).
    Standard,
    /// "Open offers…" or "Save offers…": the caller asks for a file.
    Open,
    Save,
}

/// The scenario's offer as an option for the optimizer, named as the scenario describes it.
pub fn option_of(s: &Scenario) -> OfferOption {
    OfferOption {
        name: s.offer.describe(),
        offer: s.offer.clone(),
        channel: s.channel.clone(),
        redemption_cap: None,
        stock: None,
        message: s.message.clone(),
    }
}

/// The offers in a grid: name, expected-redemption cap, remove; then the add and reset buttons.
pub fn offers_editor(ui: &mut egui::Ui, offers: &mut OffersFile, scenario: &Scenario) -> Edit {
    let mut edit = Edit::None;
    ui.label("Offers the optimizer may give (each customer gets one of them or nothing):")
        .on_hover_text(glossary::OFFERS);
    let mut remove = None;
    let last = offers.offers.len() == 1;
    egui::Grid::new("optimizer_offers")
        .striped(true)
        .show(ui, |ui| {
            for (k, o) in offers.offers.iter_mut().enumerate() {
                ui.label(&o.name);
                let mut capped = o.redemption_cap.is_some();
                if ui
                    .checkbox(&mut capped, "at most")
                    .on_hover_text(glossary::REDEMPTION_CAP)
                    .changed()
                {
                    o.redemption_cap = capped.then_some(1000.0);
                }
                if let Some(cap) = &mut o.redemption_cap {
                    let drag = egui::DragValue::new(cap)
                        .speed(10.0)
                        .range(0.0..=1e9)
                        .suffix(" redemptions");
                    ui.add(drag);
                } else {
                    ui.weak("no cap");
                }
                if ui
                    .add_enabled(!last, egui::Button::new("Remove"))
                    .on_disabled_hover_text("The optimizer needs at least one offer.")
                    .clicked()
                {
                    remove = Some(k);
                }
                ui.end_row();
            }
        });
    if let Some(k) = remove {
        offers.offers.remove(k);
    }
    ui.horizontal(|ui| {
        let new = option_of(scenario);
        // The same offer through the same channel twice would only split its customers.
        let taken = offers
            .offers
            .iter()
            .any(|o| o.name == new.name || (o.offer == new.offer && o.channel == new.channel));
        let full = offers.offers.len() >= 255;
        if ui
            .add_enabled(
                !taken && !full,
                egui::Button::new(format!("Add \"{}\"", new.name)),
            )
            .on_hover_text("Adds the offer being edited above (its value, channel and message).")
            .on_disabled_hover_text("That offer (or one of that name) is already in the list.")
            .clicked()
        {
            offers.offers.push(new);
        }
        for (label, tip, asked) in [
            (
                "Standard offers",
                "Puts back the five offers promolab starts with.",
                Edit::Standard,
            ),
            (
                "Open offers…",
                "An offers file as `promolab optimize --offers` reads it (with its caps, channels and objective).",
                Edit::Open,
            ),
            (
                "Save offers…",
                "Writes these offers as a file for `promolab optimize --offers`.",
                Edit::Save,
            ),
        ] {
            if ui.button(label).on_hover_text(tip).clicked() {
                edit = asked;
            }
        }
    });
    edit
}
