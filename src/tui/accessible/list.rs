//! The token list: loaded page by page with progress said in words at most every few
//! seconds, then shown 20 numbered rows at a time ("Page 2 of 9."), filtered with the tab's
//! filter words through the tab's own row model.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;

use crate::api::TokenQuery;
use crate::api::access::MAX_PAGES;
use crate::model::counts::thousands;
use crate::model::wire::TokenInfo;

use super::super::app::tokens::Rows;
use super::io::Step;
use super::words::token_line;
use super::{Next, Session, details};

/// Rows per page.
pub const PAGE: usize = 20;
/// Tokens asked for per request while loading.
const FETCH: u32 = 5000;
/// Progress is said at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

const LIST_HELP: &str = "Type a row number for its details, n for the next page, p for the \
    previous page, f followed by filter words to filter (for example f status:expired), f alone \
    to clear the filter, r to reload, or b to go back to the main menu.";

/// Loads every token into `s.rows`; false (after saying why) when it failed.
pub async fn load(s: &mut Session) -> Step<bool> {
    s.io.say("Loading tokens.");
    let client = Arc::clone(&s.client);
    let query = TokenQuery::default();
    let now = Utc::now();
    let mut rows = s.rows.take().unwrap_or_default();
    let filter = rows.filter().to_owned();
    rows = Rows::default();
    rows.set(Vec::new(), now);
    rows.set_filter(&filter);
    let mut cursor: Option<String> = None;
    let mut progress = Progress::new(Instant::now());
    let mut total: Option<u64> = None;
    for _ in 0..MAX_PAGES {
        let page = client.list_tokens_page(&query, cursor.as_deref(), Some(FETCH));
        let page = match s.io.call(page).await? {
            Ok(p) => p,
            Err(e) => {
                s.io.error(&format!("the tokens could not be loaded: {e}"));
                return Ok(false);
            }
        };
        total = page.total.or(total);
        rows.append(
            page.tokens.into_iter().map(TokenInfo::into_token).collect(),
            now,
        );
        match page.cursor {
            Some(next) if Some(&next) == cursor.as_ref() => {
                s.io.error("the server repeated a page of the list; the list is incomplete");
                break;
            }
            Some(next) => cursor = Some(next),
            None => break,
        }
        if progress.due(Instant::now()) {
            s.io.say(&progress_words(rows.len() as u64, total));
        }
    }
    rows.recount(now);
    // The pages were added unindexed (the tab indexes them when idle; this mode has no idle).
    rows.index_some(usize::MAX);
    let c = &rows.counts;
    s.io.say(&format!(
        "Loaded {} tokens: {} expiring soon, {} expired.",
        thousands(c.total as u64),
        thousands(c.expiring as u64),
        thousands(c.expired as u64)
    ));
    s.rows = Some(rows);
    Ok(true)
}

/// Progress is said at most every [`PROGRESS_EVERY`].
pub struct Progress {
    last: Instant,
}

impl Progress {
    pub fn new(start: Instant) -> Progress {
        Progress { last: start }
    }

    /// Whether to say progress at `now` (and, if so, counts it as said).
    pub fn due(&mut self, now: Instant) -> bool {
        if now.duration_since(self.last) < PROGRESS_EVERY {
            return false;
        }
        self.last = now;
        true
    }
}

/// "Loading, 40,000 of 120,000 tokens." (without "of" when the server gives no total).
pub fn progress_words(loaded: u64, total: Option<u64>) -> String {
    let of = total.map_or(String::new(), |t| format!(" of {}", thousands(t)));
    format!("Loading, {}{of} tokens.", thousands(loaded))
}

/// The list journey: pages, filter, details. Returns to the main menu or quits.
pub async fn browse(s: &mut Session) -> Step<Next> {
    if s.rows.is_none() && !load(s).await? {
        return Ok(Next::Menu);
    }
    let mut page = 0usize;
    s.io.say(LIST_HELP);
    show_page(s, &mut page);
    loop {
        let cmd =
            s.io.ask("List command: a row number, n, p, f and filter words, r, b, or ? for help:")
                .await?;
        let lower = cmd.to_lowercase();
        match lower.as_str() {
            "" => show_page(s, &mut page),
            "n" | "next" => {
                if page + 1 < pages(s) {
                    page += 1;
                    show_page(s, &mut page);
                } else {
                    s.io.say("This is the last page.");
                }
            }
            "p" | "prev" | "previous" => {
                if page > 0 {
                    page -= 1;
                    show_page(s, &mut page);
                } else {
                    s.io.say("This is the first page.");
                }
            }
            "r" | "reload" => {
                if load(s).await? {
                    page = 0;
                    show_page(s, &mut page);
                }
            }
            "b" | "back" | "m" | "menu" => return Ok(Next::Menu),
            "q" | "quit" => return Ok(Next::Quit),
            "?" | "h" | "help" => s.io.say(LIST_HELP),
            _ if lower == "f" || lower.starts_with("f ") || lower.starts_with('/') => {
                let words = cmd
                    .strip_prefix('/')
                    .or_else(|| cmd.get(1..))
                    .unwrap_or("")
                    .trim();
                set_filter(s, words);
                page = 0;
                show_page(s, &mut page);
            }
            _ => match cmd.parse::<usize>() {
                Ok(n) if n >= 1 && n <= visible(s) => {
                    let Some(row) = s.rows.as_ref().and_then(|r| r.at(n - 1)) else {
                        continue;
                    };
                    if details::open(s, row).await? == Next::Quit {
                        return Ok(Next::Quit);
                    }
                    // A rotate (or a token found gone) asks for a fresh list.
                    if s.rows.is_none() && !load(s).await? {
                        return Ok(Next::Menu);
                    }
                    show_page(s, &mut page);
                }
                Ok(n) => s.io.error(&format!(
                    "there is no row {n}; the rows are numbered 1 to {}",
                    visible(s)
                )),
                Err(_) => {
                    s.io.error(&format!("\"{cmd}\" is not a list command. {LIST_HELP}"))
                }
            },
        }
    }
}

fn visible(s: &Session) -> usize {
    s.rows.as_ref().map_or(0, Rows::visible_len)
}

fn pages(s: &Session) -> usize {
    visible(s).div_ceil(PAGE).max(1)
}

fn set_filter(s: &mut Session, words: &str) {
    let Some(rows) = s.rows.as_mut() else {
        return;
    };
    rows.set_filter(words);
    if let Some(e) = rows.query_error.clone() {
        s.io.error(&format!("the filter does not read: {e}"));
        rows.set_filter("");
        s.io.say("The filter was cleared.");
    } else if words.is_empty() {
        s.io.say("The filter was cleared.");
    } else {
        s.io.say(&format!("Filter: {words}."));
    }
}

/// Says page `page` (clamped to the pages there are).
fn show_page(s: &mut Session, page: &mut usize) {
    let n = visible(s);
    *page = (*page).min(pages(s) - 1);
    let Some(rows) = s.rows.as_ref() else {
        return;
    };
    let filter = rows.filter().to_owned();
    let total = rows.len();
    let mut lines = Vec::with_capacity(PAGE + 2);
    if n == 0 {
        lines.push(if filter.is_empty() {
            "There are no tokens.".to_owned()
        } else {
            format!("No token matches the filter {filter}.")
        });
    } else {
        let from = *page * PAGE;
        let to = (from + PAGE).min(n);
        let shown = if filter.is_empty() {
            format!("{} tokens, newest first", thousands(n as u64))
        } else {
            format!(
                "{} tokens that match the filter {filter}, {} in all",
                thousands(n as u64),
                thousands(total as u64)
            )
        };
        lines.push(format!(
            "Page {} of {}. Rows {} to {} of {shown}.",
            *page + 1,
            pages(s),
            from + 1,
            to
        ));
        let now = Utc::now();
        for (i, row) in (from..to).zip(rows.shown_from(from)) {
            lines.push(token_line(i + 1, &row.token, &row.scope_summary, now));
        }
    }
    s.io.say(&lines.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_said_in_words_at_most_every_few_seconds() {
        assert_eq!(
            progress_words(40_000, Some(120_000)),
            "Loading, 40,000 of 120,000 tokens."
        );
        assert_eq!(progress_words(5, None), "Loading, 5 tokens.");
        let t0 = Instant::now();
        let mut p = Progress::new(t0);
        assert!(!p.due(t0 + Duration::from_millis(2_900)));
        assert!(p.due(t0 + Duration::from_secs(3)));
        assert!(!p.due(t0 + Duration::from_secs(5)));
        assert!(p.due(t0 + Duration::from_secs(6)));
    }
}
