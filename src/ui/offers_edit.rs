//! The optimizer's offers on the Scenarios screen: each with an optional redemption cap and
//! stock, each removable; the offer being edited above (value, channel, message) can be added,
//! and the standard offers brought back; what the plan maximizes and the most sends per channel
//! (edits are made in place; the Scenarios screen compares the offers with the ones the shown
//! plan was solved with).

use super::glossary;
use crate::sim::Scenario;
use crate::sim::optimize::{Objective, OfferOption, OffersFile};

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

/// Channels a send cap can be set for: the sample's channels, any the offers name and any an
/// opened file capped.
fn cappable_channels(offers: &OffersFile) -> Vec<String> {
    let mut out: Vec<String> = crate::data::sample::CHANNELS
        .iter()
        .map(|c| c.to_string())
        .collect();
    let named = (offers.offers.iter())
        .map(|o| &o.channel.name)
        .filter(|c| c.as_str() != "preferred");
    for c in named.chain(offers.channel_caps.keys()) {
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

/// An optional limit: a tick, then its value (a tick sets `start`).
pub(super) fn optional_limit(
    ui: &mut egui::Ui,
    value: &mut Option<f64>,
    tick: &str,
    start: f64,
    suffix: &str,
    tip: &str,
) {
    let mut on = value.is_some();
    if ui.checkbox(&mut on, tick).on_hover_text(tip).changed() {
        *value = on.then_some(start);
    }
    if let Some(v) = value {
        let drag = egui::DragValue::new(v)
            .speed(10.0)
            .range(0.0..=1e9)
            .suffix(suffix);
        ui.add(drag).on_hover_text(tip);
    } else {
        ui.weak("no limit");
    }
}

/// What the plan maximizes and the most sends per channel.
fn objective_and_channel_caps(ui: &mut egui::Ui, offers: &mut OffersFile) {
    ui.horizontal(|ui| {
        ui.label("Maximize").on_hover_text(glossary::OBJECTIVE);
        egui::ComboBox::from_id_salt("optimizer_objective")
            .selected_text(objective_word(offers.objective))
            .show_ui(ui, |ui| {
                for o in [Objective::Profit, Objective::Revenue] {
                    ui.selectable_value(&mut offers.objective, o, objective_word(o));
                }
            });
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Most sends per channel:")
            .on_hover_text(glossary::CHANNEL_CAP);
        for c in cappable_channels(offers) {
            let mut cap = offers.channel_caps.get(&c).copied();
            ui.push_id(("channel_cap", &c), |ui| {
                optional_limit(ui, &mut cap, &c, 1000.0, " sends", glossary::CHANNEL_CAP);
            });
            match cap {
                Some(v) => offers.channel_caps.insert(c, v),
                None => offers.channel_caps.remove(&c),
            };
        }
    });
}

fn objective_word(o: Objective) -> &'static str {
    match o {
        Objective::Profit => "incremental profit",
        Objective::Revenue => "incremental revenue",
    }
}

/// The offers in a grid: name, expected-redemption cap, stock, remove; then the add and reset
/// buttons, the objective and the channels' send caps.
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
                ui.push_id(("offer_limits", k), |ui| {
                    ui.horizontal(|ui| {
                        optional_limit(
                            ui,
                            &mut o.redemption_cap,
                            "at most",
                            1000.0,
                            " redemptions",
                            glossary::REDEMPTION_CAP,
                        );
                    });
                });
                ui.push_id(("offer_stock", k), |ui| {
                    ui.horizontal(|ui| {
                        optional_limit(
                            ui,
                            &mut o.stock,
                            "stock",
                            1000.0,
                            " units",
                            glossary::STOCK,
                        );
                    });
                });
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
    objective_and_channel_caps(ui, offers);
    edit
}
