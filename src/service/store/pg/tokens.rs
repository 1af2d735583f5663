//! Token rows on PostgreSQL: the same operations, results and cursors as the SQLite backend.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::service::error::StoreError;
use crate::service::store::tokens::{
    AuthRow, DescriptionFilter, NewToken, Order, OrderKey, TokenCursor, TokenFilter, TokenPage,
    TokenRow, UserState,
};

use super::{PgDb, classify};

pub(super) const COLUMNS: &str = "seq, token_id, username, scope, description, project_key, refreshable, \
                       issued_at, expiry, last_used";

type Param = Box<dyn ToSql + Sync + Send>;

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
    })
}

fn column(key: OrderKey) -> &'static str {
    match key {
        OrderKey::Created => "issued_at",
        OrderKey::TokenId => "token_id",
        OrderKey::Owner => "username",
        OrderKey::Expiry => "expiry_order",
    }
}

fn is_integer(key: OrderKey) -> bool {
    matches!(key, OrderKey::Created | OrderKey::Expiry)
}

/// The cursor's one-letter order code, as `TokenCursor::encode` writes it.
fn code(key: OrderKey) -> char {
    match key {
        OrderKey::Created => 'c',
        OrderKey::TokenId => 't',
        OrderKey::Owner => 'o',
        OrderKey::Expiry => 'e',
    }
}

/// (seq, sort key text) of a cursor, read back through its public encoding: the cursor type
/// keeps its fields private, and this way both backends share one encoding by construction.
fn cursor_parts(c: &TokenCursor) -> Option<(i64, String)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(c.encode()).ok()?).ok()?;
    let mut parts = raw.splitn(3, '.');
    let _head = parts.next()?;
    let seq = parts.next()?.parse().ok()?;
    Some((seq, parts.next()?.to_owned()))
}

fn make_cursor(order: Order, last: &TokenRow) -> Option<TokenCursor> {
    let key = match order.key {
        OrderKey::Created => last.issued_at.to_string(),
        OrderKey::Expiry => last.expiry.unwrap_or(i64::MAX).to_string(),
        OrderKey::TokenId => last.token_id.clone(),
        OrderKey::Owner => last.username.clone(),
    };
    let dir = if order.descending { 'd' } else { 'a' };
    TokenCursor::decode(&URL_SAFE_NO_PAD.encode(format!(
        "{}{dir}.{}.{key}",
        code(order.key),
        last.seq
    )))
}

fn list_query(
    filter: &TokenFilter,
    order: Order,
    limit: Option<u32>,
    after: Option<&TokenCursor>,
) -> Result<(String, Vec<Param>), StoreError> {
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
    let key = column(order.key);
    let (cmp, dir) = if order.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(c) = after {
        let (seq, key_text) = cursor_parts(c)
            .ok_or_else(|| StoreError::Corrupt("a token cursor does not decode".into()))?;
        let key_arg: Param = if is_integer(order.key) {
            Box::new(
                key_text
                    .parse::<i64>()
                    .map_err(|_| StoreError::Corrupt("a token cursor's key".into()))?,
            )
        } else {
            Box::new(key_text)
        };
        args.push(key_arg);
        args.push(Box::new(seq));
        sql.push_str(&format!(
            " AND ({key}, seq) {cmp} (${}, ${})",
            args.len() - 1,
            args.len()
        ));
    }
    sql.push_str(&format!(" ORDER BY {key} {dir}, seq {dir}"));
    if let Some(l) = limit {
        push(&mut sql, &mut args, " LIMIT $", Box::new(i64::from(l) + 1));
    }
    Ok((sql, args))
}

fn refs(args: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
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

impl PgDb {
    pub async fn auth_by_hash(&self, hash: [u8; 32]) -> Result<Option<AuthRow>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT t.seq, t.token_id, t.username, t.scope, t.description, t.project_key, \
                 t.refreshable, t.issued_at, t.expiry, t.last_used, t.revoked_at IS NOT NULL, \
                 COALESCE(u.admin, false), \
                 ARRAY(SELECT m.project_key FROM memberships m \
                       WHERE m.username = t.username ORDER BY m.project_key), \
                 u.disabled \
                 FROM tokens t LEFT JOIN users u ON u.username = t.username \
                 WHERE t.secret_hash = $1",
            )
            .await
            .map_err(classify)?;
        let Some(r) = client
            .query_opt(&stmt, &[&&hash[..]])
            .await
            .map_err(classify)?
        else {
            return Ok(None);
        };
        Ok(Some(AuthRow {
            token: token_row(&r).map_err(classify)?,
            revoked: r.try_get(10).map_err(classify)?,
            user_admin: r.try_get(11).map_err(classify)?,
            user: UserState::from_disabled(r.try_get(13).map_err(classify)?),
            memberships: r.try_get(12).map_err(classify)?,
        }))
    }

    pub async fn token_by_id(&self, id: String) -> Result<Option<TokenRow>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM tokens WHERE token_id = $1 AND revoked_at IS NULL"
            ))
            .await
            .map_err(classify)?;
        let row = client.query_opt(&stmt, &[&id]).await.map_err(classify)?;
        row.map(|r| token_row(&r)).transpose().map_err(classify)
    }

    /// A live token by the hash of its secret.
    pub async fn live_token_by_hash(&self, hash: [u8; 32]) -> Result<Option<TokenRow>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM tokens WHERE secret_hash = $1 AND revoked_at IS NULL"
            ))
            .await
            .map_err(classify)?;
        let row = client
            .query_opt(&stmt, &[&&hash[..]])
            .await
            .map_err(classify)?;
        row.map(|r| token_row(&r)).transpose().map_err(classify)
    }

    /// Live tokens matching `filter`, through the listing's own query.
    pub async fn count_tokens(&self, filter: TokenFilter) -> Result<u64, StoreError> {
        let (sql, args) = list_query(&filter, Order::default(), None, None)?;
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!("SELECT count(*) FROM ({sql}) AS listed"))
            .await
            .map_err(classify)?;
        let n: i64 = client
            .query_one(&stmt, &refs(&args))
            .await
            .map_err(classify)?
            .try_get(0)
            .map_err(classify)?;
        Ok(n.max(0) as u64)
    }

    pub async fn touch_last_used(&self, id: String, now: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE tokens SET last_used = $2 WHERE token_id = $1 \
                 AND (last_used IS NULL OR last_used < $2)",
                &[&id, &now],
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    pub async fn list_tokens(
        &self,
        filter: TokenFilter,
        order: Order,
        limit: Option<u32>,
        after: Option<TokenCursor>,
    ) -> Result<TokenPage, StoreError> {
        let (sql, args) = list_query(&filter, order, limit, after.as_ref())?;
        let client = self.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(classify)?;
        let rows = client.query(&stmt, &refs(&args)).await.map_err(classify)?;
        let mut tokens = rows
            .iter()
            .map(token_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(classify)?;
        let mut next = None;
        if let Some(l) = limit {
            if tokens.len() > l as usize {
                tokens.truncate(l as usize);
                next = tokens.last().and_then(|last| make_cursor(order, last));
            }
        }
        Ok(TokenPage { tokens, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_made_here_decode_to_the_same_order_and_key() {
        let row = TokenRow {
            seq: 7,
            token_id: "t.1".into(),
            username: "al.ice".into(),
            scope: String::new(),
            description: String::new(),
            project_key: None,
            refreshable: false,
            issued_at: 100,
            expiry: None,
            last_used: None,
        };
        for key in [
            OrderKey::Created,
            OrderKey::TokenId,
            OrderKey::Owner,
            OrderKey::Expiry,
        ] {
            for descending in [false, true] {
                let order = Order { key, descending };
                let c = make_cursor(order, &row).expect("decodes");
                assert_eq!(c.order, order);
                let (seq, text) = cursor_parts(&c).unwrap();
                assert_eq!(seq, 7);
                let want = match key {
                    OrderKey::Created => "100".to_owned(),
                    OrderKey::Expiry => i64::MAX.to_string(),
                    OrderKey::TokenId => "t.1".into(),
                    OrderKey::Owner => "al.ice".into(),
                };
                assert_eq!(text, want);
            }
        }
    }
}
