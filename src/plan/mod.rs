//! From an optimized or simulated scenario to CSV files a CRM can import.

pub mod export;
pub mod measure;
pub mod message;
pub mod privacy;

pub use export::{
    Plan, plan_from_choice, plan_from_scenario, plan_of_solution, read_plan, write_plan,
};
