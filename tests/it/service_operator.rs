//! Operator endpoints over real HTTP: `/metrics` parses as Prometheus/OpenMetrics text and its
//! counters follow the requests made; `/readyz` answers 503 (Retry-After) while the SQLite
//! file is gone and 200 again once it is back; liveness keeps answering throughout.

use crate::common::service as svc;
use crate::common::service::harness;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use svc::TestService;

/// One sample: metric name and its labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    name: String,
    labels: BTreeMap<String, String>,
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").expect("label key=\"value\"");
        assert!(valid_name(key), "label name {key:?}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => value.push(chars.next().expect("escape").1),
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        out.insert(key.to_owned(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    out
}

/// Parses the exposition strictly (every line a comment or a sample, `# EOF` last).
fn parse(text: &str) -> BTreeMap<Key, f64> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"# EOF"),
        "OpenMetrics text ends with # EOF"
    );
    let mut samples = BTreeMap::new();
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let kind = parts.next().unwrap();
            assert!(["HELP", "TYPE", "UNIT"].contains(&kind), "{line}");
            assert!(valid_name(parts.next().unwrap_or("")), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n, parse_labels(l.strip_suffix('}').expect("}"))),
            None => (series, BTreeMap::new()),
        };
        assert!(valid_name(name), "{line}");
        samples.insert(
            Key {
                name: name.to_owned(),
                labels,
            },
            value,
        );
    }
    samples
}

/// The sum of the samples named `name` whose labels include `want`.
fn value(samples: &BTreeMap<Key, f64>, name: &str, want: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|(k, _)| {
            k.name == name
                && want
                    .iter()
                    .all(|(l, v)| k.labels.get(*l).map(String::as_str) == Some(*v))
        })
        .map(|(_, v)| v)
        .sum()
}

async fn scrape(s: &TestService) -> (BTreeMap<Key, f64>, String) {
    let resp = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    let text = resp.text().await.unwrap();
    (parse(&text), text)
}

#[tokio::test]
async fn a_refresh_counts_one_token_created_and_one_revoked() {
    let s = harness().seeded().start().await;
    let (before, _) = scrape(&s).await;
    let (status, first) = s
        .post_token(&s.admin, json!({"refreshable": true, "description": "r"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, v) = s
        .post_token(
            &s.admin,
            json!({"grant_type": "refresh_token", "refresh_token": refresh}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (after, _) = scrape(&s).await;
    let metric = |m: &BTreeMap<Key, f64>, name| value(m, name, &[]);
    let created = "tokentab_tokens_created_total";
    let revoked = "tokentab_tokens_revoked_total";
    assert_eq!(metric(&after, created) - metric(&before, created), 2.0);
    assert_eq!(metric(&after, revoked) - metric(&before, revoked), 1.0);
    s.handle.shutdown().await;
}

#[tokio::test]
async fn metrics_parse_and_follow_the_requests() {
    let s = harness().seeded().start().await;
    let (before, _) = scrape(&s).await;
    let created = |m: &BTreeMap<Key, f64>| value(m, "tokentab_tokens_created_total", &[]);
    let revoked = |m: &BTreeMap<Key, f64>| value(m, "tokentab_tokens_revoked_total", &[]);
    let failures = |m: &BTreeMap<Key, f64>| value(m, "tokentab_auth_failures_total", &[]);

    let (secret, id) = s.mint(None, json!({"description": "metrics"})).await;
    let (status, _) = s.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = s.get(&s.admin, "/api/v2/demo/devices?limit=1").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let uuid = v["devices"][0]["device_uuid"].as_str().unwrap().to_owned();
    let (status, _) = s
        .get(&s.admin, &format!("/api/v2/demo/devices/{uuid}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .delete(&s.admin, &format!("/access/api/v1/tokens/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s.call(Method::GET, None, "/no/such/path", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (after, text) = scrape(&s).await;
    assert_eq!(created(&after) - created(&before), 1.0);
    assert_eq!(revoked(&after) - revoked(&before), 1.0);
    assert_eq!(failures(&after) - failures(&before), 1.0);
    let device_route = [
        ("route", "/api/v2/{project}/devices/{uuid}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(
        value(&after, "tokentab_http_requests_total", &device_route),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "tokentab_http_request_duration_seconds_count",
            &[("route", "/api/v2/{project}/devices/{uuid}")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "tokentab_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    // SQLite: its readers and the writer; PostgreSQL: the pool's size.
    let pool_max = if svc::on_postgres() { 16.0 } else { 5.0 };
    assert_eq!(
        value(&after, "tokentab_db_pool_connections", &[("state", "max")]),
        pool_max
    );
    // Labels carry templates, never ids or secrets.
    assert!(!text.contains(&uuid) && !text.contains(&id) && !text.contains(&secret));
    s.handle.shutdown().await;
}

async fn ready(s: &TestService) -> (StatusCode, Option<String>, serde_json::Value) {
    let resp = s.http.get(s.url("/readyz")).send().await.unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, resp.json().await.unwrap())
}

async fn wait_ready(s: &TestService, want: StatusCode) -> (Option<String>, serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, retry, body) = ready(s).await;
        if status == want {
            return (retry, body);
        }
        assert!(
            Instant::now() < deadline,
            "readiness stayed {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn readiness_fails_while_the_database_file_is_gone() {
    let s = harness().start().await;
    let (_, body) = wait_ready(&s, StatusCode::OK).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "sqlite");

    let db = s.db_path();
    let away = db.with_extension("moved");
    std::fs::rename(&db, &away).unwrap();
    let (retry, body) = wait_ready(&s, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(retry.as_deref(), Some("1"));
    assert_eq!(svc::code(&body), "SERVICE_UNAVAILABLE");
    assert!(svc::message(&body).contains("not ready"), "{body}");
    // Liveness is about the process, not the database.
    let (status, _) = s
        .call(Method::GET, None, "/access/api/v1/system/ping", None)
        .await;
    assert_eq!(status, StatusCode::OK);

    std::fs::rename(&away, &db).unwrap();
    wait_ready(&s, StatusCode::OK).await;
    s.handle.shutdown().await;
}
