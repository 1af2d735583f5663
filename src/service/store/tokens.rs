//! What both backends store and answer about tokens: the rows, the listing's filter and order,
//! and the keyset cursor (one encoding, one page cut, whichever backend made the page).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A token to store. Only the SHA-256 of its secret is kept.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token_id: String,
    pub secret_hash: [u8; 32],
    pub username: String,
    pub scope: String,
    pub audience: String,
    pub description: String,
    pub project_key: Option<String>,
    pub refreshable: bool,
    pub issued_at: i64,
    /// None = never expires.
    pub expiry: Option<i64>,
}

/// A stored (not revoked unless said otherwise) token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub seq: i64,
    pub token_id: String,
    pub username: String,
    pub scope: String,
    pub description: String,
    pub project_key: Option<String>,
    pub refreshable: bool,
    pub issued_at: i64,
    pub expiry: Option<i64>,
    pub last_used: Option<i64>,
    /// Its user is disabled (issue 17: the listing and details show it).
    pub user_disabled: bool,
    /// Where the last recorded use came from: the client address and the user agent
    /// (sanitized and capped when written; issue 20 item 5).
    pub last_source: Option<String>,
    pub last_agent: Option<String>,
}

/// What authentication needs about the token behind a secret.
#[derive(Debug, Clone)]
pub struct AuthRow {
    pub token: TokenRow,
    pub revoked: bool,
    pub user_admin: bool,
    pub user: UserState,
    pub memberships: Vec<String>,
}

/// The user a token belongs to: only an enabled one's tokens work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserState {
    Enabled,
    Disabled,
    /// Deleted (by hand: the database refuses while tokens reference it, unless told not to).
    Gone,
}

impl UserState {
    /// From the user's `disabled` column, read through an outer join (None: no such user).
    pub fn from_disabled(disabled: Option<bool>) -> UserState {
        match disabled {
            None => UserState::Gone,
            Some(true) => UserState::Disabled,
            Some(false) => UserState::Enabled,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderKey {
    #[default]
    Created,
    TokenId,
    Owner,
    Expiry,
}

impl OrderKey {
    /// JFrog's `order_by` values: created, token_id, owner, subject, expiry.
    pub fn parse(s: &str) -> Option<OrderKey> {
        Some(match s {
            "created" | "issued_at" => OrderKey::Created,
            "token_id" => OrderKey::TokenId,
            "owner" | "subject" | "username" => OrderKey::Owner,
            "expiry" => OrderKey::Expiry,
            _ => return None,
        })
    }
    /// The column a listing sorts by (the same on both backends).
    pub(crate) fn column(self) -> &'static str {
        match self {
            OrderKey::Created => "issued_at",
            OrderKey::TokenId => "token_id",
            OrderKey::Owner => "username",
            OrderKey::Expiry => "expiry_order",
        }
    }
    fn code(self) -> char {
        match self {
            OrderKey::Created => 'c',
            OrderKey::TokenId => 't',
            OrderKey::Owner => 'o',
            OrderKey::Expiry => 'e',
        }
    }
    fn from_code(c: char) -> Option<OrderKey> {
        Some(match c {
            'c' => OrderKey::Created,
            't' => OrderKey::TokenId,
            'o' => OrderKey::Owner,
            'e' => OrderKey::Expiry,
            _ => return None,
        })
    }
    /// Every order key (the tests walk them all).
    #[cfg(test)]
    pub(crate) const ALL: [OrderKey; 4] = [
        OrderKey::Created,
        OrderKey::TokenId,
        OrderKey::Owner,
        OrderKey::Expiry,
    ];

    pub(crate) fn is_integer(self) -> bool {
        matches!(self, OrderKey::Created | OrderKey::Expiry)
    }
    fn key_of(self, row: &TokenRow) -> CursorKey {
        match self {
            OrderKey::Created => CursorKey::Int(row.issued_at),
            OrderKey::Expiry => CursorKey::Int(row.expiry.unwrap_or(i64::MAX)),
            OrderKey::TokenId => CursorKey::Text(row.token_id.clone()),
            OrderKey::Owner => CursorKey::Text(row.username.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Order {
    pub key: OrderKey,
    pub descending: bool,
}

/// Where the next page starts: the sort key and sequence number of the last row sent.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenCursor {
    pub order: Order,
    pub(crate) key: CursorKey,
    pub(crate) seq: i64,
}

/// A cursor's sort key: an integer column (issue time, expiry) or a text one (also any
/// argument [`Paging::sql_tail`] adds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CursorKey {
    Int(i64),
    Text(String),
}

impl TokenCursor {
    pub fn encode(&self) -> String {
        let key = match &self.key {
            CursorKey::Int(i) => i.to_string(),
            CursorKey::Text(t) => t.clone(),
        };
        let dir = if self.order.descending { 'd' } else { 'a' };
        URL_SAFE_NO_PAD.encode(format!(
            "{}{}.{}.{}",
            self.order.key.code(),
            dir,
            self.seq,
            key
        ))
    }

    pub fn decode(text: &str) -> Option<TokenCursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let mut parts = raw.splitn(3, '.');
        let head = parts.next()?;
        let seq: i64 = parts.next()?.parse().ok()?;
        let key_text = parts.next()?;
        let mut chars = head.chars();
        let key = OrderKey::from_code(chars.next()?)?;
        let descending = match chars.next()? {
            'a' => false,
            'd' => true,
            _ => return None,
        };
        if chars.next().is_some() {
            return None;
        }
        let value = if key.is_integer() {
            CursorKey::Int(key_text.parse().ok()?)
        } else {
            CursorKey::Text(key_text.to_owned())
        };
        Some(TokenCursor {
            order: Order { key, descending },
            key: value,
            seq,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescriptionFilter {
    Exact(String),
    Prefix(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenFilter {
    pub username: Option<String>,
    pub token_id: Option<String>,
    pub refreshable: Option<bool>,
    pub description: Option<DescriptionFilter>,
}

impl TokenFilter {
    /// JFrog's description filter: a trailing `*` makes it a prefix match.
    pub fn description_pattern(text: &str) -> DescriptionFilter {
        match text.strip_suffix('*') {
            Some(prefix) => DescriptionFilter::Prefix(prefix.to_owned()),
            None => DescriptionFilter::Exact(text.to_owned()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TokenPage {
    pub tokens: Vec<TokenRow>,
    pub next: Option<TokenCursor>,
}

/// Which page of a listing: its order, at most `limit` rows (None: all), after `after`.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub order: Order,
    pub limit: Option<u32>,
    pub after: Option<TokenCursor>,
}

impl Paging {
    /// The end of a listing's SQL, the same on both backends: the keyset condition after the
    /// cursor, the order, and the limit (one row more than asked, to tell whether more
    /// remain). `arg` adds each argument and returns its placeholder.
    pub(crate) fn sql_tail(&self, mut arg: impl FnMut(CursorKey) -> String) -> String {
        let key = self.order.key.column();
        let (cmp, dir) = if self.order.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let mut sql = String::new();
        if let Some(c) = &self.after {
            let (k, seq) = (arg(c.key.clone()), arg(CursorKey::Int(c.seq)));
            sql.push_str(&format!(" AND ({key}, seq) {cmp} ({k}, {seq})"));
        }
        sql.push_str(&format!(" ORDER BY {key} {dir}, seq {dir}"));
        if let Some(l) = self.limit {
            let limit = arg(CursorKey::Int(i64::from(l) + 1));
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        sql
    }
}

impl TokenPage {
    /// The page from the rows a backend fetched for `paging` (`limit + 1` of them, to tell
    /// whether more remain): cut to `limit`, with the cursor of the next page while more remain.
    pub(crate) fn cut(mut tokens: Vec<TokenRow>, paging: &Paging) -> TokenPage {
        let mut next = None;
        if let Some(l) = paging.limit {
            if tokens.len() > l as usize {
                tokens.truncate(l as usize);
                let order = paging.order;
                next = tokens.last().map(|last| TokenCursor {
                    order,
                    key: order.key.key_of(last),
                    seq: last.seq,
                });
            }
        }
        TokenPage { tokens, next }
    }
}

/// The live token a refresh token belongs to, with what a refresh copies.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    pub token: TokenRow,
    pub audience: String,
    pub secret_hash: [u8; 32],
    /// When the first token of its refresh chain was issued.
    pub chain_start: i64,
}

/// Which live token a revoke names: by id, or by the hash of its secret.
#[derive(Debug, Clone, Copy)]
pub enum TokenKey<'a> {
    Id(&'a str),
    SecretHash(&'a [u8; 32]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = TokenCursor {
            order: Order {
                key: OrderKey::Owner,
                descending: true,
            },
            key: CursorKey::Text("al.ice".into()),
            seq: 42,
        };
        assert_eq!(TokenCursor::decode(&c.encode()), Some(c));
        let c = TokenCursor {
            order: Order::default(),
            key: CursorKey::Int(-5),
            seq: 1,
        };
        assert_eq!(TokenCursor::decode(&c.encode()), Some(c));
        for bad in ["", "!!", "eA", &URL_SAFE_NO_PAD.encode("ca.x.1")] {
            assert_eq!(TokenCursor::decode(bad), None, "{bad}");
        }
    }

    /// The cursor a page ends with (one maker for both backends) encodes the order and the
    /// last row's sort key and sequence number, and decodes to itself.
    #[test]
    fn a_cut_page_ends_with_the_cursor_of_its_last_row() {
        let row = |seq: i64| TokenRow {
            seq,
            token_id: format!("t.{seq}"),
            username: "al.ice".into(),
            scope: String::new(),
            description: String::new(),
            project_key: None,
            refreshable: false,
            issued_at: 100 + seq,
            expiry: None,
            last_used: None,
            user_disabled: false,
            last_source: None,
            last_agent: None,
        };
        for key in OrderKey::ALL {
            for descending in [false, true] {
                let order = Order { key, descending };
                let paging = Paging {
                    order,
                    limit: Some(2),
                    after: None,
                };
                let page = TokenPage::cut(vec![row(6), row(7), row(8)], &paging);
                assert_eq!(page.tokens.len(), 2);
                let c = page.next.expect("more remain");
                assert_eq!((c.order, c.seq), (order, 7));
                let want = match key {
                    OrderKey::Created => CursorKey::Int(107),
                    OrderKey::Expiry => CursorKey::Int(i64::MAX),
                    OrderKey::TokenId => CursorKey::Text("t.7".into()),
                    OrderKey::Owner => CursorKey::Text("al.ice".into()),
                };
                assert_eq!(c.key, want);
                assert_eq!(TokenCursor::decode(&c.encode()), Some(c));
                let all = TokenPage::cut(vec![row(6), row(7)], &paging);
                assert!(all.next.is_none(), "no cursor when nothing remains");
            }
        }
    }
}
