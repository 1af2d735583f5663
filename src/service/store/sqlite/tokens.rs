//! Token rows on SQLite: insert, look up by secret hash or id, revoke, and keyset-paged listing.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::super::tokens::{
    AuthRow, CursorKey, DescriptionFilter, NewToken, Paging, RefreshRow, TokenFilter, TokenRow,
    UserState,
};

/// The columns of a [`TokenRow`] (13): its user's disabled flag, then where it was last used.
pub(super) const COLUMNS: &str = "seq, token_id, username, scope, description, project_key, \
     refreshable, issued_at, expiry, last_used, \
     COALESCE((SELECT disabled FROM users u WHERE u.username = tokens.username), 0), \
     last_source, last_agent";

pub(super) fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
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
        user_disabled: r.get(10)?,
        last_source: r.get(11)?,
        last_agent: r.get(12)?,
    })
}

pub fn insert(conn: &Connection, t: &NewToken) -> rusqlite::Result<()> {
    insert_with(conn, t, None)
}

/// Inserts `t`, with the hash of its refresh secret when it has one.
pub fn insert_with(
    conn: &Connection,
    t: &NewToken,
    refresh_hash: Option<&[u8; 32]>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tokens (token_id, secret_hash, username, scope, audience, description, \
         project_key, refreshable, issued_at, expiry, refresh_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
        t.expiry,
        refresh_hash.map(|h| &h[..])
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
                r.get::<_, bool>(13)?,
                r.get::<_, Option<bool>>(14)?.unwrap_or(false),
                UserState::from_disabled(r.get(15)?),
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

/// Whether the token was live.
pub fn revoke(conn: &Connection, token_id: &str, now: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![token_id, now])?;
    Ok(n == 1)
}

/// A live token by secret hash (revoke by value).
pub fn live_by_hash(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<TokenRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE secret_hash = ?1 AND revoked_at IS NULL"
    ))?
    .query_row([&hash[..]], token_row)
    .optional()
}

pub fn by_refresh_hash(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<RefreshRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, audience, secret_hash, COALESCE(chain_issued_at, issued_at) \
         FROM tokens WHERE refresh_hash = ?1 AND revoked_at IS NULL"
    ))?
    .query_row([&hash[..]], |r| {
        let secret: Vec<u8> = r.get(14)?;
        Ok(RefreshRow {
            token: token_row(r)?,
            audience: r.get(13)?,
            secret_hash: secret.try_into().unwrap_or([0; 32]),
            chain_start: r.get(15)?,
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
fn list_query(filter: &TokenFilter, paging: &Paging) -> (String, Vec<Value>) {
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
    let tail = paging.sql_tail(|v| {
        args.push(match v {
            CursorKey::Int(i) => Value::Integer(i),
            CursorKey::Text(t) => Value::Text(t),
        });
        format!("?{}", args.len())
    });
    sql.push_str(&tail);
    (sql, args)
}

/// How many live tokens match `filter` (the "of ~N" a client shows while pages stream in).
pub fn count(conn: &Connection, filter: &TokenFilter) -> rusqlite::Result<u64> {
    let (sql, args) = list_query(filter, &Paging::default());
    let sql = format!("SELECT COUNT(*) FROM ({sql})");
    conn.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
}

/// The rows of one page of live tokens (`limit + 1` of them at most). `limit` None =
/// everything (JFrog's own list has no paging).
pub fn list(
    conn: &Connection,
    filter: &TokenFilter,
    paging: &Paging,
) -> rusqlite::Result<Vec<TokenRow>> {
    let (sql, args) = list_query(filter, paging);
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(rusqlite::params_from_iter(args), token_row)?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::super::tokens::{Order, OrderKey, TokenCursor};
    use super::*;

    /// Every order's next page is an index seek, so walking all pages stays linear.
    #[test]
    fn every_page_query_seeks_an_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        for key in OrderKey::ALL {
            for descending in [false, true] {
                let order = Order { key, descending };
                let cursor = TokenCursor {
                    order,
                    key: if key.is_integer() {
                        CursorKey::Int(5)
                    } else {
                        CursorKey::Text("x".into())
                    },
                    seq: 3,
                };
                let paging = Paging {
                    order,
                    limit: Some(500),
                    after: Some(cursor),
                };
                let (sql, args) = list_query(&TokenFilter::default(), &paging);
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .unwrap()
                    .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                // The tokens are sought by an index; the user's flag (a correlated subquery)
                // by the users' primary key.
                assert!(
                    plan[0].starts_with("SEARCH tokens USING INDEX")
                        && plan[1..].iter().all(|p| !p.starts_with("SCAN")),
                    "{key:?} desc={descending}: {plan:?}"
                );
            }
        }
    }
}
