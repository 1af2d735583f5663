//! What a server allows for a token's lifetime, as the tab learns it before Generate: our
//! `GET /tokentab/api/v1/config/token/limits` answers all three fields for the caller; a JFrog
//! Platform answers only its default (`GET /access/api/v1/config/token/default_expiry`, and
//! only to an admin), and then nothing is claimed about a limit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Expiry, ExpiryError};

/// A server's lifetime rules for the caller. The JSON of our limits endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServerLimits {
    /// The longest lifetime the caller may ask for, in seconds; None: no limit (or not said).
    #[serde(default)]
    pub max_expiry: Option<u64>,
    /// The lifetime of a token made without one, in seconds; None: not said.
    #[serde(default)]
    pub default_expiry: Option<u64>,
    /// Whether tokens that never expire are allowed; None: not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never_allowed: Option<bool>,
    /// An admin chose `default_expiry` (`PUT /access/api/v1/config/token/default_expiry`,
    /// issue 20): the tab's form starts with it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_chosen: bool,
}

impl ServerLimits {
    /// "this server allows at most 30 d; default 30 d"; empty when the server said nothing.
    pub fn help(&self) -> String {
        let mut parts = Vec::new();
        match (self.max_expiry, self.never_allowed) {
            (Some(max), _) => parts.push(format!("this server allows at most {}", span_text(max))),
            (None, Some(true)) => parts.push("this server sets no upper limit".to_owned()),
            (None, _) => {}
        }
        if let Some(d) = self.default_expiry {
            let d = span_text(d);
            parts.push(if parts.is_empty() {
                format!("this server's default: {d}")
            } else {
                format!("default {d}")
            });
        }
        if self.never_allowed == Some(false) && self.max_expiry.is_none() {
            parts.push("never is not allowed".to_owned());
        }
        parts.join("; ")
    }

    /// Whether `expiry` may be asked for: the message to show beside the field when not.
    pub fn check(&self, expiry: &Expiry, now: DateTime<Utc>) -> Result<(), ExpiryError> {
        expiry.check_limit(now, self.max_expiry, self.never_allowed.unwrap_or(true))
    }
}

/// A length of time in the tab's units: "30 d", "12 h", "90 min", "45 s" (the largest unit it
/// is a whole number of; days are rounded down past that, so a limit is never overstated).
pub fn span_text(secs: u64) -> String {
    match secs {
        s if s >= 86_400 => format!("{} d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const DAY: u64 = 86_400;

    #[test]
    fn help_says_what_the_server_said() {
        let ours = ServerLimits {
            max_expiry: Some(365 * DAY),
            default_expiry: Some(30 * DAY),
            never_allowed: Some(false),
            default_chosen: false,
        };
        assert_eq!(
            ours.help(),
            "this server allows at most 365 d; default 30 d"
        );
        let open = ServerLimits {
            max_expiry: None,
            default_expiry: Some(365 * DAY),
            never_allowed: Some(true),
            default_chosen: false,
        };
        assert_eq!(
            open.help(),
            "this server sets no upper limit; default 365 d"
        );
        let jfrog = ServerLimits {
            default_expiry: Some(365 * DAY),
            ..ServerLimits::default()
        };
        assert_eq!(jfrog.help(), "this server's default: 365 d");
        assert_eq!(ServerLimits::default().help(), "");
    }

    #[test]
    fn check_names_the_limit_in_days() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let l = ServerLimits {
            max_expiry: Some(30 * DAY),
            default_expiry: Some(30 * DAY),
            never_allowed: Some(false),
            default_chosen: false,
        };
        let long = Expiry::parse("+60d", now).unwrap();
        assert_eq!(
            l.check(&long, now).unwrap_err().to_string(),
            "longer than this server allows (at most 30 d)"
        );
        assert!(l.check(&Expiry::parse("+30d", now).unwrap(), now).is_ok());
        assert!(l.check(&Expiry::Never, now).is_err());
        // Not said: nothing is refused early (the server still decides).
        assert!(ServerLimits::default().check(&Expiry::Never, now).is_ok());
    }

    #[test]
    fn spans() {
        assert_eq!(span_text(365 * DAY), "365 d");
        assert_eq!(span_text(36 * 3_600), "1 d");
        assert_eq!(span_text(12 * 3_600), "12 h");
        assert_eq!(span_text(90 * 60), "90 min");
        assert_eq!(span_text(59), "59 s");
    }
}
