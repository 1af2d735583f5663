//! One page of the token list in two steps: its head (a success status, and the
//! `Link: <…>; rel="next"` header that says where the next page starts) and its body. A client
//! that learns the next cursor from the head asks for that page while this one's body is still
//! on its way and being parsed, so the server's work and the client's overlap.

use reqwest::header::{HeaderMap, LINK};

use crate::model::wire::TokenList;

use super::client::read_success;
use super::error::ApiError;

/// Bodies bigger than this are parsed on a blocking thread.
const LARGE_BODY: usize = 1 << 20;

/// A page whose status and headers are in; [`PageHead::read`] reads and parses the body.
pub struct PageHead {
    next: Option<String>,
    resp: reqwest::Response,
}

impl PageHead {
    pub(crate) fn new(resp: reqwest::Response) -> PageHead {
        PageHead {
            next: next_cursor(resp.headers()),
            resp,
        }
    }

    /// The next page's cursor as the head names it; None when the server sends no such link
    /// (JFrog's own list has no pages). Only a hint: the body's `cursor` is the truth.
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }

    pub async fn read(self) -> Result<TokenList, ApiError> {
        let body = read_success(self.resp).await?;
        let large = body.len() > LARGE_BODY;
        let parse = move || {
            serde_json::from_slice::<TokenList>(&body)
                .map_err(|e| ApiError::decode("token list", e))
        };
        // A server that sends every token at once (JFrog) sends megabytes: parse them on a
        // blocking thread so the async workers (and the TUI's loop) keep running.
        let mut list = if large {
            tokio::task::spawn_blocking(parse)
                .await
                .map_err(|_| ApiError::decode("token list", "the parse was lost"))??
        } else {
            parse()?
        };
        list.cursor = list.cursor.filter(|c| !c.is_empty());
        Ok(list)
    }
}

/// The `cursor` query parameter of the `rel="next"` link (RFC 8288), if there is one.
fn next_cursor(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
            let is_next = params.split(';').any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if !is_next {
                return None;
            }
            let (_, query) = target.split_once('?')?;
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned())
                .filter(|c| !c.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn links(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(LINK, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_next_links_cursor_is_found_among_others() {
        let h = links(&[
            r#"</access/api/v1/tokens?limit=10>; rel="first", </access/api/v1/tokens?limit=10&cursor=YWJj%2Bx>; rel="next""#,
        ]);
        assert_eq!(next_cursor(&h).as_deref(), Some("YWJj+x"));
        let h = links(&["<x?cursor=a>; rel=prev", "<x?limit=1&cursor=b> ; rel=next"]);
        assert_eq!(next_cursor(&h).as_deref(), Some("b"));
    }

    #[test]
    fn no_next_link_means_no_hint() {
        for v in [
            r#"</t?cursor=a>; rel="prev""#,
            r#"</t?limit=5>; rel="next""#,
            r#"</t?cursor=>; rel="next""#,
            "garbage",
        ] {
            assert_eq!(next_cursor(&links(&[v])), None, "{v}");
        }
        assert_eq!(next_cursor(&HeaderMap::new()), None);
    }
}
