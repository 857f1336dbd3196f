//! Everything from files to clean, typed tables and customer profiles.

pub mod features;
pub mod load;
pub mod sample;
pub mod schema;
pub mod table;
pub mod validate;

pub use load::{LoadError, load_paths, load_table};
pub use schema::{Mapping, TableKind};
pub use table::Table;
pub use validate::{CleaningChoices, Report};

/// Current time as UTC seconds, the reference for "dates in the future".
pub fn now_utc() -> i64 {
    chrono::Utc::now().timestamp()
}
