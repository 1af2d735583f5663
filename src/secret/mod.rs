//! The one-time secret path: zeroized holding, copy once, timed clear.

pub mod clipboard;
pub mod one_time;

pub use one_time::OneTimeSecret;
