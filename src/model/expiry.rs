//! Expiry input: "2027-01-31", "+30d", "+12h", "+6w", "+1y", "never" -> [`Expiry`]. A relative
//! expiry is a duration of the one grammar ([`super::duration`]: s, min, h, d, w, y of 365 days;
//! `m` refused), with or without the `+`; a bare number is refused here (it would be seconds).

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use std::fmt;

use super::duration::{self, DurationError};

mod limits;
pub use limits::{ServerLimits, span_text};

/// Every form the expiry field takes, one example each (a relative one is any duration of
/// [`super::duration`]; the `+` may be left out). The field's help and the parse errors both
/// say this list, so the two never disagree.
pub const FORMATS: [&str; 7] = [
    "+30d",
    "+12h",
    "+90min",
    "+6w",
    "+1y",
    "YYYY-MM-DD",
    "never",
];

/// "+30d, +12h, …, YYYY-MM-DD or never".
pub fn formats_text() -> String {
    let (last, rest) = FORMATS.split_last().unwrap_or((&"never", &[]));
    format!("{} or {last}", rest.join(", "))
}

/// When a token expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expiry {
    At(DateTime<Utc>),
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    #[error("expiry is empty: write {}", formats_text())]
    Empty,
    #[error("\"{0}\" is not an expiry: write {formats}", formats = formats_text())]
    Malformed(String),
    #[error("{0} is not a real date")]
    BadDate(String),
    #[error("{0} is in the past")]
    Past(String),
    #[error("the amount must be at least 1")]
    Zero,
    /// A duration the grammar refuses by name (`+3m`).
    #[error("{0}")]
    Duration(DurationError),
    #[error("expiry is too far away (the limit is 100 years)")]
    TooFar,
    /// Longer than the server lets this caller ask for (`max_secs`).
    #[error("longer than this server allows (at most {})", span_text(*.max_secs))]
    OverLimit { max_secs: u64 },
    #[error("this server does not allow tokens that never expire")]
    NeverNotAllowed,
}

const MAX_YEARS: u32 = 100;

impl Expiry {
    /// Parses user input relative to `now`. A bare date means the end of that day (UTC).
    pub fn parse(input: &str, now: DateTime<Utc>) -> Result<Expiry, ExpiryError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ExpiryError::Empty);
        }
        let shown = || super::entity::shown(s);
        if s.eq_ignore_ascii_case("never") {
            return Ok(Expiry::Never);
        }
        let limit = now
            .checked_add_months(Months::new(12 * MAX_YEARS))
            .ok_or(ExpiryError::TooFar)?;
        let at = if let Some(rel) = s.strip_prefix('+') {
            relative(rel, now).ok_or_else(|| ExpiryError::Malformed(shown()))??
        } else if looks_like_date(s) {
            let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| ExpiryError::BadDate(shown()))?;
            let end = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
            Utc.from_utc_datetime(&end)
        } else if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            dt.with_timezone(&Utc)
        } else if let Some(at) = relative(s, now) {
            // "90d" without the plus sign is accepted too.
            at?
        } else {
            return Err(ExpiryError::Malformed(shown()));
        };
        if at <= now {
            return Err(ExpiryError::Past(at.format("%Y-%m-%d").to_string()));
        }
        if at > limit {
            return Err(ExpiryError::TooFar);
        }
        Ok(Expiry::At(at))
    }

    /// From an API `expires_in` (seconds; 0 or absent = never) counted from `issued`.
    pub fn from_expires_in(issued: DateTime<Utc>, secs: Option<u64>) -> Expiry {
        match secs {
            None | Some(0) => Expiry::Never,
            Some(s) => issued
                .checked_add_signed(Duration::seconds(s.min(i64::MAX as u64) as i64))
                .map_or(Expiry::Never, Expiry::At),
        }
    }

    /// Seconds from `now` for the API's `expires_in` (0 = never).
    pub fn expires_in(&self, now: DateTime<Utc>) -> u64 {
        match self {
            Expiry::Never => 0,
            Expiry::At(at) => (*at - now).num_seconds().max(1) as u64,
        }
    }

    /// Checks against a server's limit (`max_secs`, None = no limit) and whether "never" is allowed.
    pub fn check_limit(
        &self,
        now: DateTime<Utc>,
        max_secs: Option<u64>,
        never_allowed: bool,
    ) -> Result<(), ExpiryError> {
        match (self, max_secs) {
            (Expiry::Never, _) if !never_allowed => Err(ExpiryError::NeverNotAllowed),
            (Expiry::At(_), Some(max)) if self.expires_in(now) > max => {
                Err(ExpiryError::OverLimit { max_secs: max })
            }
            _ => Ok(()),
        }
    }

    /// The preview under the form field: "2027-02-21 (in 90 d)" or "never".
    pub fn preview(&self, now: DateTime<Utc>) -> String {
        match self {
            Expiry::Never => "never expires".into(),
            Expiry::At(at) => format!("{} ({})", at.format("%Y-%m-%d"), relative_text(*at, now)),
        }
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expiry::Never => f.write_str("never"),
            Expiry::At(at) => write!(f, "{}", at.format("%Y-%m-%d %H:%M UTC")),
        }
    }
}

fn looks_like_date(s: &str) -> bool {
    s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-'
}

/// "30d" -> now + 30 days, in the one duration grammar ([`super::duration`]). None when the
/// text is not shaped like a duration (digits, then letters); Some(Err) when it is but is
/// unusable (zero, too far, the refused `m`).
fn relative(rel: &str, now: DateTime<Utc>) -> Option<Result<DateTime<Utc>, ExpiryError>> {
    let split = rel.find(|c: char| !c.is_ascii_digit())?;
    if split == 0 || !rel[split..].chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(match duration::parse(rel) {
        Ok(secs) => i64::try_from(secs)
            .ok()
            .and_then(Duration::try_seconds)
            .and_then(|d| now.checked_add_signed(d))
            .ok_or(ExpiryError::TooFar),
        Err(DurationError::Zero) => Err(ExpiryError::Zero),
        Err(DurationError::TooLong(_)) => Err(ExpiryError::TooFar),
        Err(e @ DurationError::AmbiguousM(_)) => Err(ExpiryError::Duration(e)),
        Err(DurationError::Malformed(_)) => return None,
    })
}

/// "in 12 d", "in 5 h", "expired 3 d ago": the one wording of a relative time, used by the
/// form's preview, the table, Details and the CLI alike. Rounded to the nearest unit, so that
/// a token made with `+30d` a few seconds ago still reads "in 30 d" (not "in 29 d").
pub fn relative_text(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (at - now).num_seconds();
    let abs = secs.unsigned_abs();
    let nearest = |unit: u64| (abs + unit / 2) / unit;
    let amount = if nearest(3_600) >= 48 {
        format!("{} d", nearest(86_400))
    } else if nearest(60) >= 60 {
        format!("{} h", nearest(3_600))
    } else if abs >= 60 {
        format!("{} min", nearest(60))
    } else {
        format!("{abs} s")
    };
    if secs >= 0 {
        format!("in {amount}")
    } else {
        format!("expired {amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    #[test]
    fn forms() {
        let n = now();
        assert_eq!(Expiry::parse("never", n), Ok(Expiry::Never));
        assert_eq!(
            Expiry::parse("+12h", n),
            Ok(Expiry::At(n + Duration::hours(12)))
        );
        assert_eq!(
            Expiry::parse("+30d", n),
            Ok(Expiry::At(n + Duration::days(30)))
        );
        assert_eq!(
            Expiry::parse("90d", n),
            Ok(Expiry::At(n + Duration::days(90)))
        );
        assert_eq!(
            Expiry::parse("+6w", n),
            Ok(Expiry::At(n + Duration::weeks(6)))
        );
        assert_eq!(
            Expiry::parse("+1y", n),
            Ok(Expiry::At(
                Utc.with_ymd_and_hms(2027, 11, 23, 12, 0, 0).unwrap()
            ))
        );
        assert_eq!(
            Expiry::parse("+90min", n),
            Ok(Expiry::At(n + Duration::minutes(90)))
        );
        // A year is 365 days, also across a 29 February.
        let before_leap_day = Utc.with_ymd_and_hms(2027, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(
            Expiry::parse("+1y", before_leap_day),
            Ok(Expiry::At(before_leap_day + Duration::days(365)))
        );
        assert_eq!(
            Expiry::parse("2027-01-31", n),
            Ok(Expiry::At(
                Utc.with_ymd_and_hms(2027, 1, 31, 23, 59, 59).unwrap()
            ))
        );
        assert_eq!(
            Expiry::parse("+90d", n).unwrap().preview(n),
            "2027-02-21 (in 90 d)"
        );
    }

    #[test]
    fn relative_text_rounds_to_the_nearest_unit() {
        let n = now();
        let d = Duration::days;
        assert_eq!(
            relative_text(n + d(30) - Duration::seconds(5), n),
            "in 30 d"
        );
        assert_eq!(relative_text(n + d(30) + Duration::hours(11), n), "in 30 d");
        assert_eq!(relative_text(n + d(30) + Duration::hours(13), n), "in 31 d");
        assert_eq!(relative_text(n + d(2), n), "in 2 d");
        assert_eq!(relative_text(n + Duration::hours(47), n), "in 47 h");
        assert_eq!(relative_text(n + Duration::minutes(59), n), "in 59 min");
        assert_eq!(relative_text(n + Duration::seconds(3_590), n), "in 1 h");
        assert_eq!(relative_text(n + Duration::seconds(59), n), "in 59 s");
        assert_eq!(relative_text(n - d(3), n), "expired 3 d ago");
    }

    #[test]
    fn errors_are_clear() {
        let n = now();
        let cases = [
            ("", "empty"),
            ("tomorrow", "not an expiry"),
            ("2027-02-30", "not a real date"),
            ("2020-01-01", "in the past"),
            ("+0d", "at least 1"),
            ("+999999y", "too far"),
            ("+99999999999999999999999d", "too far"),
            ("+5x", "not an expiry"),
            ("+d", "not an expiry"),
            ("+90", "not an expiry"),
            ("+3m", "minutes or months"),
            ("1m", "minutes or months"),
        ];
        // The one list of formats is what the errors say.
        for input in ["", "tomorrow"] {
            let err = Expiry::parse(input, n).unwrap_err().to_string();
            assert!(err.ends_with(&formats_text()), "{input:?} -> {err}");
        }
        assert_eq!(
            formats_text(),
            "+30d, +12h, +90min, +6w, +1y, YYYY-MM-DD or never"
        );
        for example in FORMATS.iter().filter(|f| **f != "YYYY-MM-DD") {
            assert!(Expiry::parse(example, n).is_ok(), "{example}");
        }
        for (input, needle) in cases {
            let err = Expiry::parse(input, n).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?} -> {err}");
        }
    }

    #[test]
    fn limits() {
        let n = now();
        let e = Expiry::parse("+30d", n).unwrap();
        assert!(e.check_limit(n, Some(31 * 86_400), false).is_ok());
        assert!(e.check_limit(n, Some(7 * 86_400), false).is_err());
        assert!(Expiry::Never.check_limit(n, None, false).is_err());
        assert!(Expiry::Never.check_limit(n, None, true).is_ok());
        assert_eq!(Expiry::Never.expires_in(n), 0);
    }

    proptest! {
        #[test]
        fn relative_forms_round_trip(n in 1u32..500, unit in prop::sample::select(vec!["s", "min", "h", "d", "w", "y"])) {
            prop_assume!(unit != "y" || n <= 100);
            let input = format!("+{n}{unit}");
            let e = Expiry::parse(&input, now()).unwrap();
            prop_assert!(matches!(e, Expiry::At(at) if at > now()));
        }

        #[test]
        fn dates_round_trip(days in 1i64..30_000) {
            let d = (now() + Duration::days(days)).date_naive();
            let text = d.format("%Y-%m-%d").to_string();
            let Expiry::At(at) = Expiry::parse(&text, now()).unwrap() else { panic!() };
            prop_assert_eq!(at.date_naive().format("%Y-%m-%d").to_string(), text);
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Expiry::parse(&s, now());
        }
    }
}
