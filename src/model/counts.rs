//! Counts as people read them: `9,997`, `1 live token`, `3 live tokens`.

/// `n` with thousands separators: 9997 -> `9,997`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` (with [`thousands`] separators) and `one` or `many` after it: `1 token`,
/// `10,000 tokens`.
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_plurals() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(9997), "9,997");
        assert_eq!(thousands(538_783), "538,783");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(count_of(0, "token", "tokens"), "0 tokens");
        assert_eq!(count_of(1, "token", "tokens"), "1 token");
        assert_eq!(count_of(10_000, "token", "tokens"), "10,000 tokens");
    }
}
