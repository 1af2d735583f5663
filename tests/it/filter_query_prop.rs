//! The table filter's words (`unused:`, `user:`, `status:`, `scope:` and free text) against a
//! plain scan of the rows written out here from the rules, over random rows and queries.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use tokentab::model::Token;
use tokentab::tui::app::tokens::Rows;

const USERS: [&str; 3] = ["alice", "bob", "carol"];
const SCOPES: [&str; 6] = [
    "applied-permissions/user",
    "applied-permissions/admin",
    "connect:project:demo:r",
    "connect:fleet:demo/edge-eu:rw connect:device:demo/d-1:r",
    "connect:device:retail/d-2:rwd",
    "applied-permissions/groups:ops",
];
/// Free-text words appear only in descriptions (never in users, ids or scopes).
const WORDS: [&str; 3] = ["deploy", "reader", "nightly"];
const STATUSES: [&str; 5] = ["expiring", "expired", "active", "never", "disabled"];
/// This user is disabled: the Status column (and `status:`) says so whatever the expiry.
const DISABLED_USER: usize = 2;
const KINDS: [&str; 6] = ["user", "admin", "custom", "fleet", "device", "project"];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

#[derive(Debug, Clone)]
struct Spec {
    user: usize,
    scope: Option<usize>,
    desc: (usize, usize),
    issued_days: i64,
    expiry_days: Option<i64>,
    used_days: Option<i64>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..USERS.len(),
        proptest::option::weighted(0.9, 0..SCOPES.len()),
        (0..WORDS.len(), 0..WORDS.len()),
        0i64..200,
        proptest::option::of(-20i64..60),
        proptest::option::of(0i64..150),
    )
        .prop_map(
            |(user, scope, desc, issued_days, expiry_days, used_days)| Spec {
                user,
                scope,
                desc,
                issued_days,
                expiry_days,
                used_days: used_days.map(|u| u.min(issued_days)),
            },
        )
}

fn token(i: usize, s: &Spec) -> Token {
    Token {
        token_id: format!("tok-{i}"),
        description: format!("{} {} job", WORDS[s.desc.0], WORDS[s.desc.1].to_uppercase()),
        subject: format!("jfac@01x/users/{}", USERS[s.user]),
        issuer: "jfac@01x".into(),
        issued_at: now() - Duration::days(s.issued_days),
        expiry: s.expiry_days.map(|d| now() + Duration::hours(d * 24 + 1)),
        scope: s.scope.map(|k| SCOPES[k].to_owned()),
        refreshable: false,
        last_used: s
            .used_days
            .map(|d| now() - Duration::days(d) + Duration::minutes(1)),
        user_disabled: s.user == DISABLED_USER,
        last_from: None,
    }
}

/// A key may be given more than once (`status:expired status:active`): every term must match,
/// so two different values of one key keep nothing.
#[derive(Debug, Clone)]
struct Query {
    unused: Option<i64>,
    users: Vec<usize>,
    statuses: Vec<usize>,
    kinds: Vec<usize>,
    word: Option<usize>,
    upper: bool,
    rotate: usize,
}

/// None, one or two terms of a key (two are often different values, sometimes the same).
fn terms(n: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..n, 0..3)
}

fn query() -> impl Strategy<Value = Query> {
    (
        proptest::option::of(prop_oneof![Just(1i64), Just(7), Just(30), Just(90)]),
        terms(USERS.len()),
        terms(STATUSES.len()),
        terms(KINDS.len()),
        proptest::option::of(0..WORDS.len()),
        any::<bool>(),
        0usize..8,
    )
        .prop_map(
            |(unused, users, statuses, kinds, word, upper, rotate)| Query {
                unused,
                users,
                statuses,
                kinds,
                word,
                upper,
                rotate,
            },
        )
}

impl Query {
    fn text(&self) -> String {
        let mut terms: Vec<String> = Vec::new();
        if let Some(d) = self.unused {
            terms.push(format!("unused:{d}d"));
        }
        for &u in &self.users {
            terms.push(format!("user:{}", USERS[u]));
        }
        for &s in &self.statuses {
            terms.push(format!("status:{}", STATUSES[s]));
        }
        for &k in &self.kinds {
            terms.push(format!("scope:{}", KINDS[k]));
        }
        if let Some(w) = self.word {
            terms.push(WORDS[w].to_owned());
        }
        let n = terms.len().max(1);
        terms.rotate_left(self.rotate % n);
        let t = terms.join(" ");
        if self.upper { t.to_uppercase() } else { t }
    }

    /// The rules, spelled out on the spec (not on the Token and its helpers).
    fn keeps(&self, s: &Spec) -> bool {
        let now = now();
        let issued = now - Duration::days(s.issued_days);
        if let Some(d) = self.unused {
            let since = now - Duration::days(d);
            let ok = match s.used_days {
                Some(u) => now - Duration::days(u) + Duration::minutes(1) < since,
                None => issued < since,
            };
            if !ok {
                return false;
            }
        }
        if self.users.iter().any(|&u| u != s.user) {
            return false;
        }
        // Hours from now to the expiry (the token's expiry is d days and one hour away).
        let status = match s.expiry_days.map(|d| d * 24 + 1) {
            _ if s.user == DISABLED_USER => "disabled",
            None => "never",
            Some(h) if h <= 0 => "expired",
            Some(h) if h <= 7 * 24 => "expiring",
            Some(_) => "active",
        };
        if self.statuses.iter().any(|&st| STATUSES[st] != status) {
            return false;
        }
        for &k in &self.kinds {
            let Some(scope) = s.scope.map(|i| SCOPES[i]) else {
                return false;
            };
            let items: Vec<&str> = scope.split(' ').collect();
            let ok = match KINDS[k] {
                "user" => items.contains(&"applied-permissions/user"),
                "admin" => items.contains(&"applied-permissions/admin"),
                "custom" => items.iter().all(|i| i.starts_with("connect:")),
                kind => items
                    .iter()
                    .any(|i| i.starts_with(&format!("connect:{kind}:"))),
            };
            if !ok {
                return false;
            }
        }
        if let Some(w) = self.word {
            let desc = format!("{} {} job", WORDS[s.desc.0], WORDS[s.desc.1]);
            if !desc.contains(WORDS[w]) {
                return false;
            }
        }
        true
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_filter_keeps_exactly_what_a_plain_scan_keeps(
        specs in proptest::collection::vec(spec(), 0..40),
        q in query(),
    ) {
        let tokens: Vec<Token> = specs.iter().enumerate().map(|(i, s)| token(i, s)).collect();
        let mut rows = Rows::default();
        rows.set(tokens, now());
        rows.set_filter(&q.text());
        prop_assert!(rows.query_error.is_none(), "{:?}", rows.query_error);
        let mut shown: Vec<String> = (0..rows.visible_len())
            .map(|p| rows.at(p).unwrap().token.token_id.clone())
            .collect();
        shown.sort();
        let mut want: Vec<String> = specs
            .iter()
            .enumerate()
            .filter(|(_, s)| q.keeps(s))
            .map(|(i, _)| format!("tok-{i}"))
            .collect();
        want.sort();
        prop_assert_eq!(shown, want, "query {:?}", q.text());
    }
}

#[test]
fn a_bad_word_empties_the_view_and_says_why() {
    let mut rows = Rows::default();
    rows.set(
        vec![token(
            0,
            &Spec {
                user: 0,
                scope: Some(0),
                desc: (0, 0),
                issued_days: 1,
                expiry_days: None,
                used_days: None,
            },
        )],
        now(),
    );
    rows.set_filter("status:soon");
    assert_eq!(rows.visible_len(), 0);
    assert!(
        rows.query_error
            .as_deref()
            .unwrap_or("")
            .contains("expiring")
    );
    rows.set_filter("");
    assert_eq!(rows.visible_len(), 1);
}

#[test]
fn two_values_of_one_key_keep_nothing_each_alone_keeps_its_rows() {
    let spec = |expiry_days| Spec {
        user: 0,
        scope: Some(0),
        desc: (0, 0),
        issued_days: 1,
        expiry_days,
        used_days: None,
    };
    let mut rows = Rows::default();
    rows.set(
        vec![token(0, &spec(Some(-5))), token(1, &spec(Some(50)))],
        now(),
    );
    for (query, want) in [
        ("status:expired", 1),
        ("status:active", 1),
        ("status:expired status:active", 0),
        ("status:active status:active", 1),
        ("user:alice user:bob", 0),
        ("scope:user scope:admin", 0),
    ] {
        rows.set_filter(query);
        assert!(rows.query_error.is_none(), "{query}");
        assert_eq!(rows.visible_len(), want, "{query}");
    }
}
