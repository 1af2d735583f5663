//! 100k tokens in one SQLite database, served in this process: the first page and a walk of
//! every page.

use std::path::Path;
use std::time::{Duration, Instant};

use tokentab::service::store::sqlite::{Store, tokens};
use tokentab::service::store::tokens::NewToken;
use tokentab::service::{ServiceConfig, ServiceHandle, StoreError, spawn};

use super::servers::json;

const BIG_TOKENS: usize = 100_000;
const PAGE: usize = 500;

fn config(dir: &Path, seed: bool) -> ServiceConfig {
    ServiceConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db_path: dir.join("tokentab.db"),
        data_dir: dir.to_owned(),
        seed,
        max_expiry: None,
        max_user_expiry: Some(tokentab::service::DEFAULT_MAX_USER_EXPIRY),
        max_tokens_per_user: tokentab::service::DEFAULT_MAX_TOKENS_PER_USER,
    }
}

fn admin_token(h: &ServiceHandle) -> String {
    std::fs::read_to_string(&h.admin_token_path)
        .expect("admin.token")
        .trim()
        .to_owned()
}

fn fill(db: &Path) -> Result<Duration, StoreError> {
    let store = Store::open(db)?;
    let start = Instant::now();
    let now = chrono::Utc::now().timestamp();
    store.write_now(move |tx| {
        tokentab::service::store::sqlite::entities::insert_user(
            tx,
            &tokentab::model::wire::UserInfo {
                username: "admin".into(),
                email: None,
                admin: Some(true),
                status: None,
                realm: None,
            },
        )?;
        for i in 0..BIG_TOKENS {
            let secret = format!("bench-secret-{i}");
            tokens::insert(
                tx,
                &NewToken {
                    token_id: uuid::Uuid::new_v4().to_string(),
                    secret_hash: tokentab::service::hash_secret(&secret),
                    username: "admin".into(),
                    scope: "applied-permissions/user".into(),
                    audience: "*@*".into(),
                    description: format!("bulk token {i}"),
                    project_key: None,
                    refreshable: false,
                    issued_at: now - (BIG_TOKENS - i) as i64,
                    expiry: Some(now + 86_400 + i as i64),
                },
            )?;
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

pub async fn big_listing(http: &reqwest::Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), false);
    let db = cfg.db_path.clone();
    let filled = tokio::task::spawn_blocking(move || fill(&db))
        .await
        .expect("fill task")
        .expect("fill");
    let svc = spawn(cfg).await.expect("service");
    let admin = admin_token(&svc);
    let first = format!("{}/access/api/v1/tokens?limit={PAGE}", svc.url());
    let mut lat = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let v = json(http.get(&first).bearer_auth(&admin)).await;
        lat.push(t.elapsed());
        assert_eq!(v["tokens"].as_array().map(Vec::len), Some(PAGE));
    }
    lat.sort();
    let mut walks = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let mut seen = 0;
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut req = http.get(&first).bearer_auth(&admin);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let v = json(req).await;
            seen += v["tokens"].as_array().map_or(0, Vec::len);
            pages += 1;
            match v["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, BIG_TOKENS + 1, "every token once (+ the admin token)");
        walks.push((t.elapsed(), pages));
    }
    walks.sort();
    println!(
        "3. {BIG_TOKENS} tokens (inserted in {}): first page of {PAGE}: p50 {}  max {} over 30 runs (goal <= 20 ms); \
         all {} pages: best {} / worst {} of 3 walks (goal <= 2 s)",
        ms(filled),
        ms(lat[lat.len() / 2]),
        ms(lat[lat.len() - 1]),
        walks[0].1,
        ms(walks[0].0),
        ms(walks[walks.len() - 1].0)
    );
    svc.shutdown().await;
}
