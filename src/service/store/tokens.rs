//! Token rows: insert, look up by secret hash or id, revoke, and keyset-paged listing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeResult {
    Revoked,
    /// Unknown, or revoked before.
    Gone,
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
    fn sql(self) -> &'static str {
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
    fn is_integer(self) -> bool {
        matches!(self, OrderKey::Created | OrderKey::Expiry)
    }
    fn key_of(self, row: &TokenRow) -> Value {
        match self {
            OrderKey::Created => Value::Integer(row.issued_at),
            OrderKey::Expiry => Value::Integer(row.expiry.unwrap_or(i64::MAX)),
            OrderKey::TokenId => Value::Text(row.token_id.clone()),
            OrderKey::Owner => Value::Text(row.username.clone()),
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
    key: Value,
    seq: i64,
}

impl TokenCursor {
    pub fn encode(&self) -> String {
        let key = match &self.key {
            Value::Integer(i) => i.to_string(),
            Value::Text(t) => t.clone(),
            _ => String::new(),
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
            Value::Integer(key_text.parse().ok()?)
        } else {
            Value::Text(key_text.to_owned())
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

const COLUMNS: &str = "seq, token_id, username, scope, description, project_key, refreshable, \
                       issued_at, expiry, last_used";

fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        seq: r.get(0)?,
        token_id: r.get(1)?,
        username: r.get(2)?,
        scope: r.get(3)?,
        description: r.get(4)?,
        project_key: r.get(5)?,
        refreshable: r.get(6)?,
        issued_at: r.get(7)?,
        expiry: r.get(8)?,
        last_used: r.get(9)?,
    })
}

pub fn insert(conn: &Connection, t: &NewToken) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tokens (token_id, secret_hash, username, scope, audience, description, \
         project_key, refreshable, issued_at, expiry) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        t.token_id,
        &t.secret_hash[..],
        t.username,
        t.scope,
        t.audience,
        t.description,
        t.project_key,
        t.refreshable,
        t.issued_at,
        t.expiry
    ])?;
    Ok(())
}

pub fn auth_by_hash(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<AuthRow>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, revoked_at IS NOT NULL, \
             (SELECT admin FROM users u WHERE u.username = tokens.username), \
             (SELECT disabled FROM users u WHERE u.username = tokens.username) \
             FROM tokens WHERE secret_hash = ?1"
        ))?
        .query_row([&hash[..]], |r| {
            Ok((
                token_row(r)?,
                r.get::<_, bool>(10)?,
                r.get::<_, Option<bool>>(11)?.unwrap_or(false),
                UserState::from_disabled(r.get(12)?),
            ))
        })
        .optional()?;
    let Some((token, revoked, user_admin, user)) = found else {
        return Ok(None);
    };
    let memberships = memberships(conn, &token.username)?;
    Ok(Some(AuthRow {
        token,
        revoked,
        user_admin,
        user,
        memberships,
    }))
}

fn memberships(conn: &Connection, username: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT project_key FROM memberships WHERE username = ?1 ORDER BY project_key",
    )?;
    let rows = stmt.query_map([username], |r| r.get(0))?;
    rows.collect()
}

/// A live (not revoked) token by id.
pub fn by_id(conn: &Connection, token_id: &str) -> rusqlite::Result<Option<TokenRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE token_id = ?1 AND revoked_at IS NULL"
    ))?
    .query_row([token_id], token_row)
    .optional()
}

pub fn revoke(conn: &Connection, token_id: &str, now: i64) -> rusqlite::Result<RevokeResult> {
    let n = conn
        .prepare_cached(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![token_id, now])?;
    Ok(if n == 1 {
        RevokeResult::Revoked
    } else {
        RevokeResult::Gone
    })
}

/// A live token by secret hash (revoke by value).
pub fn live_by_hash(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<TokenRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE secret_hash = ?1 AND revoked_at IS NULL"
    ))?
    .query_row([&hash[..]], token_row)
    .optional()
}

/// Keeps the SHA-256 of a token's refresh token.
pub fn set_refresh_hash(
    conn: &Connection,
    token_id: &str,
    hash: &[u8; 32],
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE tokens SET refresh_hash = ?2 WHERE token_id = ?1")?
        .execute(params![token_id, &hash[..]])?;
    Ok(())
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

pub fn by_refresh_hash(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<RefreshRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, audience, secret_hash, COALESCE(chain_issued_at, issued_at) \
         FROM tokens WHERE refresh_hash = ?1 AND revoked_at IS NULL"
    ))?
    .query_row([&hash[..]], |r| {
        let secret: Vec<u8> = r.get(11)?;
        Ok(RefreshRow {
            token: token_row(r)?,
            audience: r.get(10)?,
            secret_hash: secret.try_into().unwrap_or([0; 32]),
            chain_start: r.get(12)?,
        })
    })
    .optional()
}

/// Marks a refreshed token as part of the chain that began at `start`.
pub fn set_chain_start(conn: &Connection, token_id: &str, start: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE tokens SET chain_issued_at = ?2 WHERE token_id = ?1")?
        .execute(params![token_id, start])?;
    Ok(())
}

/// Live (not revoked, not expired) tokens of `username`, counted up to `cap`.
pub fn live_count(conn: &Connection, username: &str, now: i64, cap: u32) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT count(*) FROM (SELECT 1 FROM tokens WHERE username = ?1 AND revoked_at IS NULL \
         AND (expiry IS NULL OR expiry > ?2) LIMIT ?3)",
    )?
    .query_row(params![username, now, cap], |r| r.get(0))
}

/// `last_used = max(last_used, now)`: a late or slow update never moves it back.
pub fn touch_last_used(conn: &Connection, token_id: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE tokens SET last_used = ?2 WHERE token_id = ?1 \
         AND (last_used IS NULL OR last_used < ?2)",
    )?
    .execute(params![token_id, now])?;
    Ok(())
}

/// The SQL and arguments of one listing page (fetches `limit + 1` rows to detect more).
fn list_query(
    filter: &TokenFilter,
    order: Order,
    limit: Option<u32>,
    after: Option<&TokenCursor>,
) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {COLUMNS} FROM tokens WHERE revoked_at IS NULL");
    let mut args: Vec<Value> = Vec::new();
    if let Some(u) = &filter.username {
        args.push(Value::Text(u.clone()));
        sql.push_str(&format!(" AND username = ?{}", args.len()));
    }
    if let Some(id) = &filter.token_id {
        args.push(Value::Text(id.clone()));
        sql.push_str(&format!(" AND token_id = ?{}", args.len()));
    }
    if let Some(r) = filter.refreshable {
        args.push(Value::Integer(i64::from(r)));
        sql.push_str(&format!(" AND refreshable = ?{}", args.len()));
    }
    match &filter.description {
        Some(DescriptionFilter::Exact(d)) => {
            args.push(Value::Text(d.clone()));
            sql.push_str(&format!(" AND description = ?{}", args.len()));
        }
        Some(DescriptionFilter::Prefix(p)) if !p.is_empty() => {
            args.push(Value::Integer(p.chars().count() as i64));
            args.push(Value::Text(p.clone()));
            sql.push_str(&format!(
                " AND substr(description, 1, ?{}) = ?{}",
                args.len() - 1,
                args.len()
            ));
        }
        Some(DescriptionFilter::Prefix(_)) | None => {}
    }
    let key = order.key.sql();
    let (cmp, dir) = if order.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(c) = after {
        args.push(c.key.clone());
        args.push(Value::Integer(c.seq));
        sql.push_str(&format!(
            " AND ({key}, seq) {cmp} (?{}, ?{})",
            args.len() - 1,
            args.len()
        ));
    }
    sql.push_str(&format!(" ORDER BY {key} {dir}, seq {dir}"));
    if let Some(l) = limit {
        args.push(Value::Integer(i64::from(l) + 1));
        sql.push_str(&format!(" LIMIT ?{}", args.len()));
    }
    (sql, args)
}

/// How many live tokens match `filter` (the "of ~N" a client shows while pages stream in).
pub fn count(conn: &Connection, filter: &TokenFilter) -> rusqlite::Result<u64> {
    let (sql, args) = list_query(filter, Order::default(), None, None);
    let sql = format!("SELECT COUNT(*) FROM ({sql})");
    conn.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
}

/// One page of live tokens. `limit` None = everything (JFrog's own list has no paging).
pub fn list(
    conn: &Connection,
    filter: &TokenFilter,
    order: Order,
    limit: Option<u32>,
    after: Option<&TokenCursor>,
) -> rusqlite::Result<TokenPage> {
    let (sql, args) = list_query(filter, order, limit, after);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut tokens = stmt
        .query_map(rusqlite::params_from_iter(args), token_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut next = None;
    if let Some(l) = limit {
        if tokens.len() > l as usize {
            tokens.truncate(l as usize);
            next = tokens.last().map(|last| TokenCursor {
                order,
                key: order.key.key_of(last),
                seq: last.seq,
            });
        }
    }
    Ok(TokenPage { tokens, next })
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
            key: Value::Text("al.ice".into()),
            seq: 42,
        };
        assert_eq!(TokenCursor::decode(&c.encode()), Some(c));
        let c = TokenCursor {
            order: Order::default(),
            key: Value::Integer(-5),
            seq: 1,
        };
        assert_eq!(TokenCursor::decode(&c.encode()), Some(c));
        for bad in ["", "!!", "eA", &URL_SAFE_NO_PAD.encode("ca.x.1")] {
            assert_eq!(TokenCursor::decode(bad), None, "{bad}");
        }
    }

    /// Every order's next page is an index seek, so walking all pages stays linear.
    #[test]
    fn every_page_query_seeks_an_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        for key in [
            OrderKey::Created,
            OrderKey::TokenId,
            OrderKey::Owner,
            OrderKey::Expiry,
        ] {
            for descending in [false, true] {
                let order = Order { key, descending };
                let cursor = TokenCursor {
                    order,
                    key: if key.is_integer() {
                        Value::Integer(5)
                    } else {
                        Value::Text("x".into())
                    },
                    seq: 3,
                };
                let (sql, args) =
                    list_query(&TokenFilter::default(), order, Some(500), Some(&cursor));
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .unwrap()
                    .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                assert!(
                    plan.len() == 1 && plan[0].starts_with("SEARCH tokens USING INDEX"),
                    "{key:?} desc={descending}: {plan:?}"
                );
            }
        }
    }
}
