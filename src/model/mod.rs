//! burn models; one code path for every device (burn 0.22's runtime `Device`).

pub mod bench;
pub mod dataset;
pub mod device;
pub mod evaluate;
pub mod metrics;
pub mod net;
pub mod pipeline;
pub mod store;
pub mod train;
pub mod uplift;
