//! `GET /access/api/v1/tokens?changed_since=CURSOR` (issue 19, our extension): the tokens
//! written since a listing's `changes_cursor` (created, revoked, last used, anything), so a
//! client refreshes by change instead of reading every token again. Same rights as the
//! listing: an admin sees everyone's (or one `username`'s), a user only its own, a token that
//! manages no tokens nothing (403). A cursor this database cannot answer for (a token deleted
//! or a user disabled since, more than `limit` changes, another server's cursor) is 410: list
//! again. A real JFrog Platform has no such call.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::model::wire::{TokenChanges, TokenInfo};

use super::super::auth::Principal;
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::changes::{ChangeCursor, ChangeQuery, Changes};
use super::super::store::tokens::TokenRow;
use super::query::Params;

/// The query keys a change listing takes.
const KEYS: [&str; 3] = ["changed_since", "username", "limit"];

fn list_again(why: &str) -> ApiErr {
    ApiErr::new(
        StatusCode::GONE,
        "CHANGES_GONE",
        format!("{why}: list the tokens again (GET /access/api/v1/tokens)"),
    )
}

/// The answer to a listing with `changed_since` (`p` may list tokens: checked by the caller);
/// `info` is the listing's wire shape of a row, `max_limit` its largest page.
pub async fn changed_since(
    state: &AppState,
    p: &Principal,
    q: &Params,
    since: &str,
    info: impl Fn(&AppState, TokenRow) -> TokenInfo,
    max_limit: u32,
) -> Result<Response, ApiErr> {
    if let Some((k, _)) = q.pairs().iter().find(|(k, _)| !KEYS.contains(&k.as_str())) {
        return Err(ApiErr::bad_request(format!(
            "changed_since takes only username and limit, not {k}"
        )));
    }
    let since = ChangeCursor::decode(since)
        .ok_or_else(|| list_again("this changes cursor was not made by this server"))?;
    let limit = q
        .number("limit", 1, u32::MAX)?
        .unwrap_or(max_limit)
        .min(max_limit);
    let mut username = q.get("username").map(str::to_owned);
    if !p.is_admin() {
        if username.as_ref().is_some_and(|u| *u != p.username) {
            // Like the listing: another user's tokens are none of this caller's.
            let none = TokenChanges {
                changes_cursor: since.encode(),
                ..TokenChanges::default()
            };
            return Ok(Json(none).into_response());
        }
        username = Some(p.username.clone());
    }
    let query = ChangeQuery {
        since,
        username,
        limit,
    };
    let (rows, next) = match state.db.token_changes(query).await? {
        Changes::Rows { rows, next } => (rows, next),
        Changes::Stale => {
            return Err(list_again(
                "tokens changed in a way this cursor cannot tell (deleted, or a user disabled)",
            ));
        }
        Changes::TooMany => return Err(list_again(&format!("more than {limit} tokens changed"))),
    };
    let mut out = TokenChanges {
        changes_cursor: next.encode(),
        ..TokenChanges::default()
    };
    for c in rows {
        if c.revoked {
            out.revoked.push(c.row.token_id);
        } else {
            out.tokens.push(info(state, c.row));
        }
    }
    Ok(Json(out).into_response())
}
