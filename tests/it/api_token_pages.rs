//! The token list's pages name the next one in a `Link: <…>; rel="next"` header (issue 19: all
//! loaded sooner). The real service sends it, with the listing's own query and the body's cursor;
//! the tab's stream asks for the next page while the body before it is still on its way; and a
//! body that names another cursor than its header wins.

use std::time::Duration;

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::common::fault_server::{FaultServer, Reply};
use crate::common::service::{client as http, harness};
use tokentab::api::{Client, ClientOptions};
use tokentab::tui::msg::{Answer, CallError, Msg, Owner, ReqId, TokenPage};
use tokentab::tui::token_stream::stream_tokens;

const TOKENS: &str = "/access/api/v1/tokens";

/// The target of the `rel="next"` link.
fn next_target(resp: &reqwest::Response) -> Option<String> {
    let v = resp.headers().get("link")?.to_str().ok()?;
    let (target, params) = v.trim().strip_prefix('<')?.split_once('>')?;
    params.contains("rel=\"next\"").then(|| target.to_owned())
}

fn query_of(target: &str) -> Vec<(String, String)> {
    let (_, q) = target.split_once('?').expect("a query");
    form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn the_service_links_each_page_to_the_next_with_the_same_query() {
    let s = harness().seeded().start().await;
    for i in 0..5 {
        s.mint(
            None,
            json!({"username": "alice", "description": format!("paged {i}")}),
        )
        .await;
    }
    let (_, all) = s.get(&s.admin, TOKENS).await;
    let total = all["tokens"].as_array().expect("tokens").len();
    assert!(total >= 5, "{all}");

    let http = http();
    let mut path = format!("{TOKENS}?limit=2&order_by=expiry&descending_order=true");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = http
            .get(s.url(&path))
            .bearer_auth(&s.admin)
            .send()
            .await
            .expect("list");
        assert_eq!(resp.status(), StatusCode::OK);
        let link = next_target(&resp);
        let v: Value = resp.json().await.expect("json");
        pages += 1;
        seen.extend(
            v["tokens"]
                .as_array()
                .expect("tokens")
                .iter()
                .map(|t| t["token_id"].as_str().expect("id").to_owned()),
        );
        match (v["cursor"].as_str(), link) {
            (None, None) => break,
            (Some(cursor), Some(target)) => {
                assert!(target.starts_with(&format!("{TOKENS}?")), "{target}");
                let q = query_of(&target);
                let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
                assert_eq!(get("cursor"), Some(cursor), "{target}");
                assert_eq!(get("limit"), Some("2"), "{target}");
                assert_eq!(get("order_by"), Some("expiry"), "{target}");
                assert_eq!(get("descending_order"), Some("true"), "{target}");
                assert_eq!(q.iter().filter(|(k, _)| k == "cursor").count(), 1);
                // Walked by the header alone.
                path = target;
            }
            (cursor, link) => panic!("body cursor {cursor:?} but link {link:?}"),
        }
    }
    assert_eq!(pages, total.div_ceil(2));
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (total, total), "{seen:?}");
}

fn client(url: &str) -> Client {
    Client::new(
        url,
        SecretString::from("test-token".to_owned()),
        ClientOptions {
            max_retries: 0,
            ..ClientOptions::default()
        },
    )
    .expect("a client")
}

fn token(id: &str) -> Value {
    json!({"token_id": id, "subject": "jfac@x/users/alice", "description": id,
           "issued_at": 1_700_000_000, "expiry": 1_900_000_000, "scope": "applied-permissions/user"})
}

/// Runs the tab's page stream to its end: the pages' token ids, or the error it stopped on.
async fn stream(url: &str) -> Result<Vec<Vec<String>>, CallError> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    stream_tokens(client(url), Duration::from_secs(20), tx, |r| Msg::Reply {
        owner: Owner::Table,
        id: ReqId(1),
        answer: Answer::Page(r),
    })
    .await;
    let mut pages = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        let Msg::Reply {
            answer: Answer::Page(page),
            ..
        } = msg
        else {
            panic!("not a page: {msg:?}");
        };
        let page: TokenPage = page?;
        pages.push(page.tokens.iter().map(|t| t.token_id.clone()).collect());
    }
    Ok(pages)
}

/// A server of two pages: the first (body cursor `c2`) with a `Link` naming `linked`, its body
/// held until a second request has come when `hold`; the second the last.
async fn two_pages(linked: &str, hold: bool) -> FaultServer {
    let s = FaultServer::start().await;
    let first = json!({"tokens": [token("t1")], "cursor": "c2"});
    let last = json!({"tokens": [token("t2")]});
    let mut head = Reply::json_value(200, &first).header(
        "Link",
        &format!("<{TOKENS}?limit=500&cursor={linked}>; rel=\"next\""),
    );
    if hold {
        head = head.body_after_requests(2);
    }
    s.on("GET", TOKENS, vec![head, Reply::json_value(200, &last)]);
    s
}

fn queries(s: &FaultServer) -> Vec<String> {
    s.requests().iter().map(|r| r.query.clone()).collect()
}

/// The first page's body is held until a second request has come: a stream that reads a whole
/// page before asking for the next would wait here until its timeout.
#[tokio::test]
async fn the_next_page_is_asked_for_while_the_body_before_it_is_on_its_way() {
    let s = two_pages("c2", true).await;
    let pages = stream(&s.url()).await.expect("every page");
    assert_eq!(pages, [vec!["t1"], vec!["t2"]]);
    let queries = queries(&s);
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries[1].contains("cursor=c2"), "{queries:?}");
}

/// A header that names another cursor than the body: the body's is followed, the page asked for
/// ahead is dropped, and no page comes twice.
#[tokio::test]
async fn a_link_that_disagrees_with_the_body_is_not_followed() {
    let s = two_pages("elsewhere", false).await;
    let pages = stream(&s.url()).await.expect("every page");
    assert_eq!(pages, [vec!["t1"], vec!["t2"]]);
    let queries = queries(&s);
    assert!(
        queries.iter().any(|q| q.contains("cursor=c2")),
        "{queries:?}"
    );
}
