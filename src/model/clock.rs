//! The service's clock: every stored time is whole seconds since the Unix epoch (UTC).

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
