//! Token rows on PostgreSQL: the statements behind `pg/tx.rs`'s token primitives.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::service::error::StoreError;
use crate::service::store::tokens::{
    AuthRow, CursorKey, DescriptionFilter, NewToken, Paging, RefreshRow, TokenFilter, TokenKey,
    TokenRow, UserState,
};
use crate::service::store::tx::Res;

use super::errors::classify;

/// The columns of a [`TokenRow`] (13): its user's disabled flag, then where it was last used.
pub(super) const COLUMNS: &str = "seq, token_id, username, scope, description, project_key, \
     refreshable, issued_at, expiry, last_used, \
     COALESCE((SELECT u.disabled FROM users u WHERE u.username = tokens.username), false), \
     last_source, last_agent";

pub(super) type Param = Box<dyn ToSql + Sync + Send>;

pub(super) fn token_row(r: &Row) -> Result<TokenRow, tokio_postgres::Error> {
    Ok(TokenRow {
        seq: r.try_get(0)?,
        token_id: r.try_get(1)?,
        username: r.try_get(2)?,
        scope: r.try_get(3)?,
        description: r.try_get(4)?,
        project_key: r.try_get(5)?,
        refreshable: r.try_get(6)?,
        issued_at: r.try_get(7)?,
        expiry: r.try_get(8)?,
        last_used: r.try_get(9)?,
        user_disabled: r.try_get(10)?,
        last_source: r.try_get(11)?,
        last_agent: r.try_get(12)?,
    })
}

fn list_query(filter: &TokenFilter, paging: &Paging) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {COLUMNS} FROM tokens WHERE revoked_at IS NULL");
    let mut args: Vec<Param> = Vec::new();
    let push = |sql: &mut String, args: &mut Vec<Param>, clause: &str, p: Param| {
        args.push(p);
        sql.push_str(&clause.replace('$', &format!("${}", args.len())));
    };
    if let Some(u) = &filter.username {
        push(
            &mut sql,
            &mut args,
            " AND username = $",
            Box::new(u.clone()),
        );
    }
    if let Some(id) = &filter.token_id {
        push(
            &mut sql,
            &mut args,
            " AND token_id = $",
            Box::new(id.clone()),
        );
    }
    if let Some(r) = filter.refreshable {
        push(&mut sql, &mut args, " AND refreshable = $", Box::new(r));
    }
    match &filter.description {
        Some(DescriptionFilter::Exact(d)) => push(
            &mut sql,
            &mut args,
            " AND description = $",
            Box::new(d.clone()),
        ),
        Some(DescriptionFilter::Prefix(p)) if !p.is_empty() => push(
            &mut sql,
            &mut args,
            " AND starts_with(description, $)",
            Box::new(p.clone()),
        ),
        Some(DescriptionFilter::Prefix(_)) | None => {}
    }
    let tail = paging.sql_tail(|v| {
        args.push(match v {
            CursorKey::Int(i) => Box::new(i),
            CursorKey::Text(t) => Box::new(t),
        });
        format!("${}", args.len())
    });
    sql.push_str(&tail);
    (sql, args)
}

pub(super) fn refs(args: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect()
}

/// Inserts `t`, with the hash of its refresh secret when it has one.
pub(super) async fn insert(
    tx: &impl GenericClient,
    t: &NewToken,
    refresh_hash: Option<&[u8; 32]>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tokens (token_id, secret_hash, username, scope, audience, description, \
         project_key, refreshable, issued_at, expiry, refresh_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &t.token_id,
            &&t.secret_hash[..],
            &t.username,
            &t.scope,
            &t.audience,
            &t.description,
            &t.project_key,
            &t.refreshable,
            &t.issued_at,
            &t.expiry,
            &refresh_hash.map(|h| &h[..]),
        ],
    )
    .await
    .map_err(classify)?;
    Ok(())
}

pub(super) async fn auth_by_hash(c: &impl GenericClient, hash: &[u8; 32]) -> Res<Option<AuthRow>> {
    let stmt = c
        .prepare_cached(
            "SELECT t.seq, t.token_id, t.username, t.scope, t.description, t.project_key, \
             t.refreshable, t.issued_at, t.expiry, t.last_used, COALESCE(u.disabled, false), \
             t.last_source, t.last_agent, t.revoked_at IS NOT NULL, \
             COALESCE(u.admin, false), \
             ARRAY(SELECT m.project_key FROM memberships m \
                   WHERE m.username = t.username ORDER BY m.project_key), \
             u.disabled \
             FROM tokens t LEFT JOIN users u ON u.username = t.username \
             WHERE t.secret_hash = $1",
        )
        .await
        .map_err(classify)?;
    let Some(r) = c.query_opt(&stmt, &[&&hash[..]]).await.map_err(classify)? else {
        return Ok(None);
    };
    Ok(Some(AuthRow {
        token: token_row(&r).map_err(classify)?,
        revoked: r.try_get(13).map_err(classify)?,
        user_admin: r.try_get(14).map_err(classify)?,
        user: UserState::from_disabled(r.try_get(16).map_err(classify)?),
        memberships: r.try_get(15).map_err(classify)?,
    }))
}

/// The live token `key` names; `for_update` locks its row for the rest of the transaction.
pub(super) async fn live(
    c: &impl GenericClient,
    key: TokenKey<'_>,
    for_update: bool,
) -> Res<Option<TokenRow>> {
    let (column, value): (&str, Param) = match key {
        TokenKey::Id(id) => ("token_id", Box::new(id.to_owned())),
        TokenKey::SecretHash(hash) => ("secret_hash", Box::new(hash.to_vec())),
    };
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tokens WHERE {column} = $1 AND revoked_at IS NULL{lock}"
        ))
        .await
        .map_err(classify)?;
    let row = c
        .query_opt(&stmt, &refs(&[value]))
        .await
        .map_err(classify)?;
    row.map(|r| token_row(&r)).transpose().map_err(classify)
}

/// The live token behind a refresh secret, locked `FOR UPDATE`.
pub(super) async fn refresh_row_for_update(
    c: &impl GenericClient,
    hash: &[u8; 32],
) -> Res<Option<RefreshRow>> {
    let sql = format!(
        "SELECT {COLUMNS}, audience, secret_hash, COALESCE(chain_issued_at, issued_at) \
         FROM tokens WHERE refresh_hash = $1 AND revoked_at IS NULL FOR UPDATE"
    );
    let Some(old) = c.query_opt(&sql, &[&&hash[..]]).await.map_err(classify)? else {
        return Ok(None);
    };
    let secret: Vec<u8> = old.try_get(14).map_err(classify)?;
    Ok(Some(RefreshRow {
        token: token_row(&old).map_err(classify)?,
        audience: old.try_get(13).map_err(classify)?,
        secret_hash: secret
            .try_into()
            .map_err(|_| StoreError::Corrupt("a token's secret hash".into()))?,
        chain_start: old.try_get(15).map_err(classify)?,
    }))
}

/// Live (not revoked, not expired) tokens of `username`, counted up to `cap`.
pub(super) async fn live_count(
    c: &impl GenericClient,
    username: &str,
    now: i64,
    cap: u32,
) -> Res<u32> {
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT 1 FROM tokens WHERE username = $1 \
             AND revoked_at IS NULL AND (expiry IS NULL OR expiry > $2) LIMIT $3) AS live",
            &[&username, &now, &i64::from(cap)],
        )
        .await
        .map_err(classify)?
        .try_get(0)
        .map_err(classify)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Runs one statement; how many rows it changed.
pub(super) async fn exec(
    c: &impl GenericClient,
    sql: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Res<u64> {
    c.execute(sql, args).await.map_err(classify)
}

/// The rows of one listing page (`limit + 1` at most).
pub(super) async fn list(
    c: &impl GenericClient,
    filter: &TokenFilter,
    paging: &Paging,
) -> Res<Vec<TokenRow>> {
    let (sql, args) = list_query(filter, paging);
    let stmt = c.prepare_cached(&sql).await.map_err(classify)?;
    let rows = c.query(&stmt, &refs(&args)).await.map_err(classify)?;
    rows.iter()
        .map(token_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(classify)
}

/// Live tokens matching `filter`, through the listing's own query.
pub(super) async fn count(c: &impl GenericClient, filter: &TokenFilter) -> Res<u64> {
    let (sql, args) = list_query(filter, &Paging::default());
    let stmt = c
        .prepare_cached(&format!("SELECT count(*) FROM ({sql}) AS listed"))
        .await
        .map_err(classify)?;
    let n: i64 = c
        .query_one(&stmt, &refs(&args))
        .await
        .map_err(classify)?
        .try_get(0)
        .map_err(classify)?;
    Ok(n.max(0) as u64)
}
