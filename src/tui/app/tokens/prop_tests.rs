//! The table's view after any sequence of filter keys (typing, Backspace, clearing), sorts and
//! pages equals the simple rule written out here: every row, sorted by the column's text or
//! time (ties in arrival order, all reversed when descending), kept when its filter text
//! contains the query.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::{Column, Rows};
use crate::model::Token;
use crate::model::token::subject_username;

fn now() -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_000, 0).unwrap()
}

/// Long shared prefixes (more than the 16 bytes of a sort key), few letters (queries hit).
fn any_token() -> impl Strategy<Value = Token> {
    let text = prop_oneof![
        "[abe ]{0,6}".prop_map(String::from),
        "[abe]{0,4}".prop_map(|s| format!("token pipeline deploy {s}")),
    ];
    let id = prop_oneof![
        4 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n % 1024).hyphenated().to_string()),
        1 => "[a-f0-9-]{1,6}".prop_map(String::from),
    ];
    let time = proptest::option::of(0i64..4);
    let scope = proptest::option::of(prop_oneof![
        Just("applied-permissions/admin".to_owned()),
        Just("applied-permissions/user".to_owned()),
        Just("connect:project:demo:r connect:fleet:demo/ab-e:rw".to_owned()),
    ]);
    let user = "[abe]{1,3}".prop_map(|u| format!("jfac@01abc/users/{u}"));
    (id, text, user, scope, 0i64..4, time.clone(), time).prop_map(
        |(token_id, description, subject, scope, issued, expiry, used)| Token {
            token_id,
            description,
            subject,
            issuer: "jfac@01abc".into(),
            issued_at: now() + chrono::Duration::days(issued),
            expiry: expiry.map(|d| now() + chrono::Duration::days(d * 10)),
            scope,
            refreshable: false,
            last_used: used.map(|d| now() - chrono::Duration::days(d)),
            user_disabled: false,
            last_from: None,
        },
    )
}

#[derive(Debug, Clone)]
enum Op {
    Type(char),
    Backspace,
    Clear,
    Sort(usize, bool),
    Append(Vec<Token>),
    /// Moves the selection by this much, then keeps it in a window this high.
    Move(isize, usize),
}

fn any_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => proptest::sample::select(vec!['a', 'b', 'e', ' ', '-', '1', 'p', 'z', 'd']).prop_map(Op::Type),
        3 => Just(Op::Backspace),
        1 => Just(Op::Clear),
        2 => (0..Column::ALL.len(), any::<bool>()).prop_map(|(c, d)| Op::Sort(c, d)),
        1 => proptest::collection::vec(any_token(), 0..6).prop_map(Op::Append),
        2 => (-12isize..12, 1usize..5).prop_map(|(d, h)| Op::Move(d, h)),
    ]
}

/// The model's rule (the service's bulk revoke by filter runs it too): the tab's scan must
/// find exactly its rows.
use crate::model::filter_query::haystack;

/// The simple rule: sort every row by the column (ties by arrival), reverse when descending,
/// keep the rows containing the query.
fn simple_view(tokens: &[Token], col: Column, descending: bool, query: &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tokens.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&tokens[a], &tokens[b]);
        let o = match col {
            Column::Description => x.description.cmp(&y.description),
            Column::Subject => subject_username(&x.subject).cmp(subject_username(&y.subject)),
            Column::TokenId => x.token_id.cmp(&y.token_id),
            Column::Scope => x.scope_summary().cmp(&y.scope_summary()),
            Column::Issued => x.issued_at.cmp(&y.issued_at),
            // Never expiring after every date; never used before every date.
            Column::Expiry => (x.expiry.is_none(), x.expiry).cmp(&(y.expiry.is_none(), y.expiry)),
            Column::LastUsed => x.last_used.cmp(&y.last_used),
        };
        o.then(a.cmp(&b))
    });
    if descending {
        order.reverse();
    }
    let q = query.to_lowercase();
    order
        .into_iter()
        .filter(|&i| q.is_empty() || haystack(&tokens[i]).contains(&q))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn the_view_after_any_keys_equals_the_simple_rule(
        first in proptest::collection::vec(any_token(), 0..30),
        ops in proptest::collection::vec(any_op(), 1..30),
    ) {
        let mut tokens = first.clone();
        let mut rows = Rows::default();
        rows.set(first, now());
        let mut filter = String::new();
        for op in ops {
            match op {
                Op::Type(c) => {
                    filter.push(c);
                    rows.set_filter(&filter);
                }
                Op::Backspace => {
                    filter.pop();
                    rows.set_filter(&filter);
                }
                Op::Clear => {
                    filter.clear();
                    rows.set_filter(&filter);
                }
                Op::Sort(c, d) => rows.set_sort(Column::ALL[c], d),
                Op::Append(page) => {
                    tokens.extend(page.iter().cloned());
                    rows.append(page, now());
                }
                Op::Move(d, h) => {
                    rows.move_by(d);
                    rows.scroll_into_view(h);
                }
            }
            let want = simple_view(&tokens, rows.sort, rows.descending, &filter);
            let view: Vec<usize> = rows.view.all(&rows.order).iter().map(|&i| i as usize).collect();
            prop_assert_eq!(&view, &want, "filter {:?} sort {:?} {}", filter, rows.sort, rows.descending);
            prop_assert_eq!(rows.visible_len(), want.len());
            let walked: Vec<usize> = rows.view.iter(&rows.order).map(|i| i as usize).collect();
            prop_assert_eq!(&walked, &want);
            // The rows read by position (the window, the selection) whether listed yet or not.
            for pos in [rows.selected, rows.offset, rows.offset + 3, want.len()] {
                let got = rows.view.get(pos, &rows.order).map(|i| i as usize);
                prop_assert_eq!(got, want.get(pos).copied(), "position {}", pos);
            }
        }
    }
}
