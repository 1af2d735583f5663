//! The token list, fetched page by page and handed to the loop one page at a time, so the
//! first rows are drawn while the rest is still on its way.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::api::access::MAX_PAGES;
use crate::api::{ApiError, Client};

use super::msg::{CallError, Msg, TokenPage};

/// Tokens asked for in the first page (drawn at once) and in each later one.
pub const FIRST_PAGE: u32 = 500;
pub const NEXT_PAGE: u32 = 10_000;
/// A server that sends every token in one answer is handed over in pieces this big, so the
/// loop never spends long on one message.
pub const CHUNK: usize = 5_000;

/// Fetches every page, following `cursor`, each bounded by `timeout`; sends each as the
/// message `wrap` makes of it (the reply to its owner) and stops at the last page or the first
/// error.
pub async fn stream_tokens(
    c: Client,
    timeout: Duration,
    tx: UnboundedSender<Msg>,
    wrap: impl Fn(Result<TokenPage, CallError>) -> Msg,
) {
    let send = |r: Result<TokenPage, CallError>| tx.send(wrap(r)).is_ok();
    let mut cursor: Option<String> = None;
    let mut limit = FIRST_PAGE;
    for _ in 0..MAX_PAGES {
        let page = tokio::time::timeout(
            timeout,
            c.list_tokens_page(&Default::default(), cursor.as_deref(), Some(limit)),
        )
        .await;
        let page = match page {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => {
                send(Err(CallError::Api(e)));
                return;
            }
            Err(_) => {
                send(Err(CallError::TimedOut {
                    secs: timeout.as_secs(),
                }));
                return;
            }
        };
        if page.cursor.is_some() && page.cursor == cursor {
            let e = ApiError::decode("token list", "the server repeated a cursor");
            send(Err(CallError::Api(e)));
            return;
        }
        let more = page.cursor.is_some();
        let estimate = page.total;
        let mut changes = page.changes_cursor.filter(|c| !c.is_empty());
        let mut tokens = page.tokens.into_iter().peekable();
        loop {
            let chunk: Vec<_> = tokens.by_ref().take(CHUNK).collect();
            let last = tokens.peek().is_none();
            let page = TokenPage {
                tokens: chunk,
                more: more || !last,
                estimate,
                changes: changes.take(),
            };
            if !send(Ok(page)) {
                return;
            }
            if last {
                break;
            }
        }
        if !more {
            return;
        }
        cursor = page.cursor;
        limit = NEXT_PAGE;
    }
    send(Err(CallError::Api(ApiError::decode(
        "token list",
        "too many pages",
    ))));
}
