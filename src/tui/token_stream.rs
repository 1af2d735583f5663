//! The token list, fetched page by page and handed to the loop one page at a time, so the
//! first rows are drawn while the rest is still on its way.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::api::access::{MAX_PAGES, PageHead};
use crate::api::{ApiError, Client, TokenQuery};

use super::msg::{CallError, Msg, TokenPage};

/// Tokens asked for in the first page (drawn at once) and in each later one.
pub const FIRST_PAGE: u32 = 500;
pub const NEXT_PAGE: u32 = 10_000;
/// A server that sends every token in one answer is handed over in pieces this big, so the
/// loop never spends long on one message.
pub const CHUNK: usize = 5_000;

/// The next page's head, asked for while the page before it is still read; stopped if dropped
/// (the stream ended, or the body named another cursor than the head did).
struct Prefetch {
    cursor: String,
    task: JoinHandle<Result<PageHead, ApiError>>,
}

impl Prefetch {
    fn start(c: &Client, cursor: &str, limit: u32) -> Prefetch {
        let (c, owned) = (c.clone(), cursor.to_owned());
        let task = tokio::spawn(async move {
            c.list_tokens_page_head(&Default::default(), Some(&owned), Some(limit))
                .await
        });
        Prefetch {
            cursor: cursor.to_owned(),
            task,
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn timed_out(timeout: Duration) -> CallError {
    CallError::TimedOut {
        secs: timeout.as_secs(),
    }
}

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
    let failed = |e: CallError| {
        send(Err(e));
    };
    let mut cursor: Option<String> = None;
    let mut limit = FIRST_PAGE;
    let mut ahead: Option<Prefetch> = None;
    let query = TokenQuery::default();
    for _ in 0..MAX_PAGES {
        let head = match ahead.take() {
            Some(mut p) if Some(&p.cursor) == cursor.as_ref() => {
                match tokio::time::timeout(timeout, &mut p.task).await {
                    Ok(joined) => joined.unwrap_or_else(|_| {
                        Err(ApiError::decode("token list", "the fetch was lost"))
                    }),
                    Err(_) => return failed(timed_out(timeout)),
                }
            }
            _ => {
                let head = c.list_tokens_page_head(&query, cursor.as_deref(), Some(limit));
                match tokio::time::timeout(timeout, head).await {
                    Ok(head) => head,
                    Err(_) => return failed(timed_out(timeout)),
                }
            }
        };
        let head = match head {
            Ok(head) => head,
            Err(e) => return failed(CallError::Api(e)),
        };
        // The head names the next page: ask for it now, while this body is read and parsed.
        ahead = head.next().map(|next| Prefetch::start(&c, next, NEXT_PAGE));
        let page = match tokio::time::timeout(timeout, head.read()).await {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => return failed(CallError::Api(e)),
            Err(_) => return failed(timed_out(timeout)),
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
