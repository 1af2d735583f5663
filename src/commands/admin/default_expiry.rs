//! `tokentab admin default-expiry [DURATION] [--reset]` (issue 20): shows, sets or resets the
//! lifetime a token created without one gets (JFrog's
//! `GET/PUT /access/api/v1/config/token/default_expiry`).

use std::process::ExitCode;

use crate::api::Client;
use crate::commands::report::Failure;
use crate::model::duration;
use crate::model::expiry::span_text;
use crate::model::sanitize::sanitize_line;

use super::{print_result, refused};

/// The value given, checked before anything is sent (exit 2): seconds, or None to reset.
pub(super) fn value(text: Option<&str>, reset: bool) -> Result<Option<Option<u64>>, Failure> {
    match (text, reset) {
        (Some(_), true) => Err(Failure::Usage(
            "give a DURATION or --reset, not both".into(),
        )),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
        (Some(t), false) => match duration::parse_or_seconds(t) {
            Ok(0) => Err(Failure::Usage(
                "a default lifetime is at least 1 second (--reset goes back to the server's own)"
                    .into(),
            )),
            Ok(s) => Ok(Some(Some(s))),
            Err(e) => Err(Failure::Usage(format!("{}: {e}", sanitize_line(t)))),
        },
    }
}

pub(super) async fn run(
    c: &Client,
    set: Option<Option<u64>>,
    json: bool,
) -> Result<ExitCode, Failure> {
    let (now, verb) = match set {
        None => (c.default_expiry().await.map_err(refused)?, "is"),
        Some(secs) => (c.set_default_expiry(secs).await.map_err(refused)?, "set to"),
    };
    let line = match now.default_token_expiration {
        Some(0) | None => format!("default token expiration {verb}: none (the server decides)"),
        Some(s) => format!("default token expiration {verb} {} ({s} s)", span_text(s)),
    };
    print_result(json, &now, &line)
}
