//! The one duration grammar, for every place a person writes a length of time: an expiry
//! (`+90d`), the list filters (`--expiring 7d`, `--unused 30d`, `unused:30d`), the audit's
//! `--since 12h` and the service's flags (`--max-expiry 1y`, `--header-timeout 10s`).
//!
//! A duration is a whole number of at least 1 followed by a unit, in any case, blanks around it
//! ignored:
//!
//! | unit  | means                          |
//! |-------|--------------------------------|
//! | `s`   | seconds                        |
//! | `min` | minutes                        |
//! | `h`   | hours                          |
//! | `d`   | days (86 400 s)                |
//! | `w`   | weeks (7 d)                    |
//! | `y`   | years of 365 days              |
//!
//! `m` is refused: it read as a 30-day month in the service's flags and as a calendar month in
//! the expiry field, and elsewhere it means minutes. Write minutes as `min` (`30min`) and months
//! in days (`90d`). Every length is fixed (a year is 365 days, never a calendar year), so one
//! text is one number of seconds wherever it is written.
//!
//! [`parse`] wants the unit; [`parse_or_seconds`] also takes a bare number as seconds (flags
//! that always took seconds: `--since 3600`, `--refresh-grace 3600`); [`parse_limit`] is a
//! limit that may be lifted (`none`, `never` or `0`).

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("\"{0}\" is not a duration: use a number and s, min, h, d, w or y (e.g. 90d, 12h)")]
    Malformed(String),
    #[error(
        "\"{0}\": m is not a unit (minutes or months?): write minutes as min (30min), months in days (90d)"
    )]
    AmbiguousM(String),
    #[error("the amount must be at least 1")]
    Zero,
    #[error("\"{0}\" is too long")]
    TooLong(String),
}

const UNITS: [(&str, u64); 6] = [
    ("s", 1),
    ("min", 60),
    ("h", 3_600),
    ("d", 86_400),
    ("w", 7 * 86_400),
    ("y", 365 * 86_400),
];

/// `90d`, `12h`, `30min`, `1y` … as seconds; the unit is required.
pub fn parse(text: &str) -> Result<u64, DurationError> {
    amount(text, false)
}

/// As [`parse`], and a bare number is seconds (`3600`).
pub fn parse_or_seconds(text: &str) -> Result<u64, DurationError> {
    amount(text, true)
}

/// A limit: `none`, `never` or `0` lift it (None); else as [`parse_or_seconds`].
pub fn parse_limit(text: &str) -> Result<Option<u64>, DurationError> {
    let t = text.trim();
    if ["none", "never", "0"]
        .iter()
        .any(|w| t.eq_ignore_ascii_case(w))
    {
        return Ok(None);
    }
    parse_or_seconds(t).map(Some)
}

fn amount(text: &str, bare_is_seconds: bool) -> Result<u64, DurationError> {
    let t = text.trim().to_ascii_lowercase();
    let shown = || crate::model::sanitize::clean(text.trim());
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err(DurationError::Malformed(shown()));
    }
    let per = match UNITS.iter().find(|(name, _)| *name == unit) {
        Some(&(_, per)) => per,
        None if unit.is_empty() && bare_is_seconds => 1,
        None if unit == "m" => return Err(DurationError::AmbiguousM(shown())),
        None => return Err(DurationError::Malformed(shown())),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| DurationError::TooLong(shown()))?;
    if n == 0 {
        return Err(DurationError::Zero);
    }
    n.checked_mul(per)
        .ok_or_else(|| DurationError::TooLong(shown()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn units() {
        assert_eq!(parse("90d"), Ok(90 * 86_400));
        assert_eq!(parse(" 12H "), Ok(12 * 3_600));
        assert_eq!(parse("30min"), Ok(30 * 60));
        assert_eq!(parse("6w"), Ok(6 * 7 * 86_400));
        assert_eq!(parse("1y"), Ok(365 * 86_400));
        assert_eq!(parse("10s"), Ok(10));
        assert_eq!(parse_or_seconds("3600"), Ok(3600));
        assert_eq!(parse_limit("none"), Ok(None));
        assert_eq!(parse_limit("0"), Ok(None));
        assert_eq!(parse_limit("Never"), Ok(None));
        assert_eq!(parse_limit("24h"), Ok(Some(86_400)));
    }

    #[test]
    fn m_is_refused_with_both_readings_named() {
        for text in ["1m", "3M", "+3m"] {
            let err = parse_or_seconds(text.trim_start_matches('+')).unwrap_err();
            assert!(matches!(err, DurationError::AmbiguousM(_)), "{text}: {err}");
            let said = err.to_string();
            assert!(said.contains("min") && said.contains("90d"), "{said}");
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(parse("3600"), Err(DurationError::Malformed("3600".into())));
        assert_eq!(parse("0d"), Err(DurationError::Zero));
        assert_eq!(parse_or_seconds("0"), Err(DurationError::Zero));
        for bad in [
            "",
            "d",
            "-1d",
            "+1d",
            "1x",
            "1.5d",
            "1 d",
            "1dd",
            "\u{1b}[2J",
        ] {
            assert!(
                matches!(parse_or_seconds(bad), Err(DurationError::Malformed(_))),
                "{bad:?}"
            );
        }
        for long in [
            "99999999999999999999y",
            "99999999999999999999",
            "999999999999999y",
        ] {
            assert!(
                matches!(parse_or_seconds(long), Err(DurationError::TooLong(_))),
                "{long}"
            );
        }
        // What reaches a terminal is cleaned.
        let said = parse("\u{1b}[2Jx").unwrap_err().to_string();
        assert!(!said.contains('\u{1b}'), "{said:?}");
    }

    proptest! {
        #[test]
        fn every_unit_is_a_fixed_multiple(n in 1u64..100_000, i in 0usize..6) {
            let (unit, per) = UNITS[i];
            prop_assert_eq!(parse(&format!("{n}{unit}")), Ok(n * per));
            prop_assert_eq!(parse(&format!("{n}{}", unit.to_uppercase())), Ok(n * per));
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_limit(&s);
        }
    }
}
