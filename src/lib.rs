//! promolab: plan promotions from sales data.
//!
//! The engine (`data`, `model`) knows nothing about egui; `ui` draws what the engine computes.
//! Dependencies point one way: `ui -> plan -> sim -> model -> data`.

pub mod data;
pub mod model;
pub mod plan;
pub mod sim;
pub mod ui;
pub mod util;
