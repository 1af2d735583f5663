//! A page of the token list written as hyper asks for it, a chunk of tokens at a time: the head
//! (with the next page's `Link`) goes out as soon as the page is read from the database, so a
//! client that follows the link asks for the next page while this one's JSON is still being
//! made, and the next page's query runs beside this page's JSON instead of after it (the JSON
//! was ~40% of a page's time at 10,000 tokens a page). A page of up to [`CHUNK`] tokens (the
//! default page) is sent whole, with a `Content-Length`.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::model::wire::{TokenInfo, TokenList};

use super::super::state::AppState;
use super::super::store::tokens::TokenRow;

/// Tokens made into JSON per chunk of the body (~450 KB).
const CHUNK: usize = 1_000;

/// Bytes a token takes in JSON, about: each chunk's buffer is sized once.
const TOKEN_JSON: usize = 480;

/// The answer `{"tokens":[…], …the rest of `envelope`…}`, the tokens made from `rows` by
/// `to_wire` lazily. `envelope` holds everything but the tokens (its own are left out).
pub fn streamed(
    state: AppState,
    envelope: &TokenList,
    rows: Vec<TokenRow>,
    to_wire: fn(&AppState, TokenRow) -> TokenInfo,
) -> Response {
    let (open, close) = split_envelope(envelope);
    // A page of one chunk is sent whole, with its length (the default page, and what a client
    // that reads only `Content-Length` bodies gets unless it asks for big pages).
    if rows.len() <= CHUNK {
        let mut buf = Vec::with_capacity(open.len() + rows.len() * TOKEN_JSON + close.len());
        buf.extend_from_slice(&open);
        write_tokens(&mut buf, &state, rows, true, to_wire);
        buf.extend_from_slice(&close);
        return json_response(Body::from(buf));
    }
    let mut rows = rows.into_iter();
    let mut next = Some(Bytes::from(open));
    let mut first = true;
    let mut close = Some(Bytes::from(close));
    let chunks = std::iter::from_fn(move || {
        if let Some(open) = next.take() {
            return Some(open);
        }
        let mut buf = Vec::with_capacity(CHUNK * TOKEN_JSON);
        write_tokens(&mut buf, &state, rows.by_ref().take(CHUNK), first, to_wire);
        first = false;
        if buf.is_empty() {
            close.take()
        } else {
            Some(Bytes::from(buf))
        }
    });
    json_response(Body::from_stream(futures_util::stream::iter(
        chunks.map(Ok::<Bytes, Infallible>),
    )))
}

/// `rows` as JSON objects, comma-separated (a comma before the first too unless `first`).
fn write_tokens(
    buf: &mut Vec<u8>,
    state: &AppState,
    rows: impl IntoIterator<Item = TokenRow>,
    first: bool,
    to_wire: fn(&AppState, TokenRow) -> TokenInfo,
) {
    for (k, row) in rows.into_iter().enumerate() {
        if k > 0 || !first {
            buf.push(b',');
        }
        // A TokenInfo holds only strings, numbers and options of them: it always serializes.
        serde_json::to_writer(&mut *buf, &to_wire(state, row)).expect("a token serializes");
    }
}

fn json_response(body: Body) -> Response {
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `{"tokens":[` and `],…}` around the tokens of `envelope` serialized (its tokens are ignored).
fn split_envelope(envelope: &TokenList) -> (Vec<u8>, Vec<u8>) {
    let empty = TokenList {
        tokens: Vec::new(),
        cursor: envelope.cursor.clone(),
        total: envelope.total,
        changes_cursor: envelope.changes_cursor.clone(),
    };
    let json = serde_json::to_vec(&empty).expect("a token list serializes");
    // `tokens` is the struct's first field: the JSON starts `{"tokens":[]`.
    let open = br#"{"tokens":["#;
    debug_assert!(json.starts_with(open) && json[open.len()] == b']');
    (open.to_vec(), json[open.len()..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_splits_around_the_tokens() {
        let list = TokenList {
            cursor: Some("c\"1".into()),
            total: Some(7),
            ..TokenList::default()
        };
        let (open, close) = split_envelope(&list);
        let whole = [open, b"{\"token_id\":\"x\"}".to_vec(), close].concat();
        let back: serde_json::Value = serde_json::from_slice(&whole).expect("json");
        assert_eq!(back["cursor"], "c\"1");
        assert_eq!(back["total"], 7);
        assert_eq!(back["tokens"][0]["token_id"], "x");
        let (open, close) = split_envelope(&TokenList::default());
        assert_eq!([open, close].concat(), b"{\"tokens\":[]}");
    }
}
