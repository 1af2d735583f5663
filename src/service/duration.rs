//! Lifetimes written by people: `90d`, `12h`, `1y`.

/// A lifetime such as `90d`, `12h`, `6w`, `3m` (30-day months), `1y` (365 days), `3600s` or
/// plain seconds, in seconds. `none` / `0` mean no limit (None).
pub fn parse_duration(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim().to_ascii_lowercase();
    if t == "none" || t == "never" || t == "0" {
        return Ok(None);
    }
    let bad = || {
        format!(
            "\"{}\" is not a duration: use e.g. 90d, 12h, 6w, 3m, 1y",
            crate::model::sanitize::sanitize_line(text)
        )
    };
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], Some(c)),
        _ => (t.as_str(), None),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let per = match unit {
        None | Some('s') => 1,
        Some('h') => 3_600,
        Some('d') => 86_400,
        Some('w') => 7 * 86_400,
        Some('m') => 30 * 86_400,
        Some('y') => 365 * 86_400,
        Some(_) => return Err(bad()),
    };
    match n.checked_mul(per) {
        Some(0) => Err("the duration must be at least 1 second".into()),
        Some(s) => Ok(Some(s)),
        None => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Some(90 * 86_400)));
        assert_eq!(parse_duration("12h"), Ok(Some(12 * 3_600)));
        assert_eq!(parse_duration("1y"), Ok(Some(365 * 86_400)));
        assert_eq!(parse_duration("3600"), Ok(Some(3600)));
        assert_eq!(parse_duration("none"), Ok(None));
        for bad in [
            "",
            "d",
            "-1d",
            "1x",
            "99999999999999999999y",
            "1.5d",
            "\u{1b}[2J",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
