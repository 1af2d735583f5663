//! How far a refresh may go. A refresh token works until its access token's expiry plus a grace
//! period (JFrog's is 24 h), and a chain of refreshes never outlives the lifetime limit counted
//! from the chain's first issue: each refreshed token carries that time (`chain_issued_at`), so
//! refreshing again and again cannot push an expiry past it. Both backends apply
//! [`refreshed_expiry`] inside the refresh transaction; a lapsed refresh token answers like an
//! unknown one.

/// The limits a refresh is held to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshLimits {
    /// Seconds after the access token's expiry that its refresh token still works.
    pub grace: u64,
    /// The longest a chain of refreshes may live, from its first token's issue (None: no limit).
    pub chain: Option<u64>,
}

/// The refresh token is past its grace period, or its chain is at its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lapsed;

/// The token a refresh replaces: when it was issued, when it expires (None: never) and when
/// its chain began (its own issue time for a token never refreshed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    pub issued_at: i64,
    pub expiry: Option<i64>,
    pub chain_start: i64,
}

fn secs(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The expiry (None: never) of the token that replaces `old` at `now`: the same lifetime length
/// from now, cut at the chain's end.
pub fn refreshed_expiry(
    old: Replaced,
    now: i64,
    limits: RefreshLimits,
) -> Result<Option<i64>, Lapsed> {
    if old
        .expiry
        .is_some_and(|e| now > e.saturating_add(secs(limits.grace)))
    {
        return Err(Lapsed);
    }
    let lifetime = old.expiry.map(|e| e.saturating_sub(old.issued_at).max(0));
    let expiry = lifetime.map(|l| now.saturating_add(l));
    let Some(limit) = limits.chain else {
        return Ok(expiry);
    };
    let end = old.chain_start.saturating_add(secs(limit));
    if end <= now {
        return Err(Lapsed);
    }
    Ok(Some(expiry.map_or(end, |e| e.min(end))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    fn old(issued_at: i64, lifetime: Option<i64>, chain_start: i64) -> Replaced {
        Replaced {
            issued_at,
            expiry: lifetime.map(|l| issued_at + l),
            chain_start,
        }
    }

    fn limits(grace: u64, chain: Option<u64>) -> RefreshLimits {
        RefreshLimits { grace, chain }
    }

    #[test]
    fn keeps_the_lifetime_until_expiry_plus_grace() {
        let t = old(1_000, Some(3_600), 1_000);
        let l = limits(DAY, None);
        assert_eq!(refreshed_expiry(t, 1_100, l), Ok(Some(1_100 + 3_600)));
        let last = 4_600 + DAY as i64;
        assert_eq!(refreshed_expiry(t, last, l), Ok(Some(last + 3_600)));
        assert_eq!(refreshed_expiry(t, last + 1, l), Err(Lapsed));
        assert_eq!(
            refreshed_expiry(t, 4_601, limits(0, None)),
            Err(Lapsed),
            "no grace: only until the expiry"
        );
    }

    #[test]
    fn a_chain_never_outlives_its_limit_however_often_refreshed() {
        let l = limits(DAY, Some(10_000));
        let mut t = old(1_000, Some(3_600), 1_000);
        let mut now = 1_000;
        let mut expiries = Vec::new();
        loop {
            now += 3_000;
            match refreshed_expiry(t, now, l) {
                Ok(e) => {
                    let e = e.expect("capped");
                    assert!(e <= 11_000, "{e} past the chain's end");
                    expiries.push(e);
                    t = Replaced {
                        issued_at: now,
                        expiry: Some(e),
                        chain_start: t.chain_start,
                    };
                }
                Err(Lapsed) => break,
            }
        }
        assert_eq!(expiries, [7_600, 10_600, 11_000]);
        assert_eq!(now, 13_000, "refused once the chain's end has passed");
    }

    #[test]
    fn a_never_expiring_token_is_capped_by_a_limit_and_free_without_one() {
        let t = old(1_000, None, 1_000);
        assert_eq!(refreshed_expiry(t, 5_000, limits(0, None)), Ok(None));
        assert_eq!(
            refreshed_expiry(t, 5_000, limits(0, Some(DAY))),
            Ok(Some(1_000 + DAY as i64))
        );
        assert_eq!(
            refreshed_expiry(t, 1_000 + DAY as i64, limits(0, Some(DAY))),
            Err(Lapsed)
        );
    }
}
