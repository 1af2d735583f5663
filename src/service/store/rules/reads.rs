//! Reads made of more than one primitive, or cut into pages: the same answer on both backends.

use crate::model::wire::{AuditEntry, DeviceInfo, FleetInfo, UserInfo};

use super::super::audit::AuditFilter;
use super::super::entities::{DeviceFilter, DeviceQuery};
use super::super::tokens::{Paging, TokenFilter, TokenPage};
use super::super::tx::{Res, Tx, UsersQuery};

/// At most `limit` of `rows` (fetched `limit + 1`), and the next page's cursor while more
/// remain.
fn cut<R, C>(mut rows: Vec<R>, limit: u32, cursor: impl Fn(&R) -> C) -> (Vec<R>, Option<C>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(cursor) } else { None };
    (rows, next)
}

pub async fn tokens<T: Tx>(tx: &T, filter: &TokenFilter, paging: &Paging) -> Res<TokenPage> {
    Ok(TokenPage::cut(tx.tokens(filter, paging).await?, paging))
}

/// Users by name after `q.after`, whose name contains `q.contains`; and the next cursor.
pub async fn users<T: Tx>(tx: &T, q: UsersQuery<'_>) -> Res<(Vec<UserInfo>, Option<String>)> {
    Ok(cut(tx.users(q).await?, q.limit, |u| u.username.clone()))
}

/// Newest first, at most `limit`; the second value is the cursor while more remain.
pub async fn audit<T: Tx>(
    tx: &T,
    f: &AuditFilter,
    limit: u32,
) -> Res<(Vec<AuditEntry>, Option<i64>)> {
    Ok(cut(tx.audit(f, limit).await?, limit, |e| e.id))
}

/// None when the project does not exist.
pub async fn fleets<T: Tx>(tx: &T, project: &str) -> Res<Option<Vec<FleetInfo>>> {
    if !tx.project_exists(project).await? {
        return Ok(None);
    }
    Ok(Some(tx.fleets(project).await?))
}

/// One page ordered by device id and the `after` of the next; None when the project does not
/// exist.
pub async fn devices<T: Tx>(
    tx: &T,
    project: &str,
    q: &DeviceQuery,
) -> Res<Option<(Vec<DeviceInfo>, Option<String>)>> {
    if !tx.project_exists(project).await? {
        return Ok(None);
    }
    if let DeviceFilter::Only { fleets, devices } = &q.filter {
        if fleets.is_empty() && devices.is_empty() {
            return Ok(Some((Vec::new(), None)));
        }
    }
    let rows = tx.devices(project, q).await?;
    Ok(Some(cut(rows, q.limit, |d| d.device_uuid.clone())))
}
