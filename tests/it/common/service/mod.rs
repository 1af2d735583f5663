//! The one way to start the service in a test: [`harness()`], a builder.
//!
//! ```ignore
//! let s = harness().seeded().start().await;             // in-process, async (TestService)
//! let s = harness().seeded().start_blocking();          // a runtime of its own, for sync tests
//! let s = harness().spawn_binary(&["--max-tokens-per-user", "3"]).await; // `tokentab serve`
//! ```
//!
//! Every way lands on the run's backend: a SQLite file in a temp dir, or, with
//! `TOKENTAB_TEST_BACKEND=postgres`, a fresh schema of the run's PostgreSQL (`TOKENTAB_TEST_PG`;
//! a `serve` child gets it as `--db postgres://…`). `tests/run.sh` runs the tests that start a
//! service once per backend. The lines that read or write the SQLite file itself are gated with
//! [`on_postgres`] / [`TestService::sqlite_file`]; the SQLite-only tests are listed in run.sh.
//!
//! Options: [`Harness::seeded`] (the demo data), [`Harness::max_expiry`], [`Harness::config`]
//! (the whole `ServiceConfig` for the temp dir), [`Harness::tune`] (the `ServeOptions`).
//! Submodules: `blocking` ([`Harness::start_blocking`], and a proxy that fails chosen requests),
//! `child` (the `serve` process: start-up lines, stderr, signals).

pub mod blocking;
pub mod child;
pub mod nodes;

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokentab::service::{ServeOptions, ServiceConfig, ServiceHandle, spawn_with};

use super::pg;

pub struct TestService {
    pub handle: ServiceHandle,
    pub dir: tempfile::TempDir,
    pub admin: String,
    pub http: reqwest::Client,
    /// The PostgreSQL URL (a schema of its own) when the run is on PostgreSQL.
    pub postgres: Option<String>,
}

/// Whether this run's service tests are on PostgreSQL (`TOKENTAB_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    match std::env::var("TOKENTAB_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("TOKENTAB_TEST_BACKEND={other}: use sqlite or postgres"),
    }
}

/// The options that put a service on `postgres` (a URL), or on its SQLite file.
pub fn options(postgres: Option<&str>) -> ServeOptions {
    ServeOptions {
        postgres: postgres.map(pg::target),
        ..ServeOptions::default()
    }
}

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn config(dir: &std::path::Path, seed: bool, max_expiry: Option<u64>) -> ServiceConfig {
    ServiceConfig {
        seed,
        max_expiry,
        ..ServiceConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            dir.join("db").join("tokentab.db"),
            dir.join("data"),
        )
    }
}

pub fn client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

type MakeConfig = Box<dyn FnOnce(&Path) -> ServiceConfig + Send>;
type Tune = Box<dyn FnOnce(&mut ServeOptions) + Send>;

/// How to start the service; see the module doc.
#[must_use]
pub struct Harness {
    seed: bool,
    max_expiry: Option<u64>,
    make: Option<MakeConfig>,
    tune: Option<Tune>,
    postgres: Option<String>,
}

/// The one entry: an unseeded service with the default options, on the run's backend.
pub fn harness() -> Harness {
    Harness {
        seed: false,
        max_expiry: None,
        make: None,
        tune: None,
        postgres: None,
    }
}

impl Harness {
    /// With the demo data (users, projects, fleets, tokens).
    pub fn seeded(self) -> Harness {
        self.seed(true)
    }

    pub fn seed(mut self, seed: bool) -> Harness {
        self.seed = seed;
        self
    }

    /// The longest expiry a token may ask for, in seconds.
    pub fn max_expiry(mut self, secs: u64) -> Harness {
        self.max_expiry = Some(secs);
        self
    }

    /// The config `make` builds for the temp dir (replaces `seeded` / `max_expiry`).
    pub fn config(mut self, make: impl FnOnce(&Path) -> ServiceConfig + Send + 'static) -> Harness {
        self.make = Some(Box::new(make));
        self
    }

    /// Changes the serve options (after the backend is chosen).
    pub fn tune(mut self, tune: impl FnOnce(&mut ServeOptions) + Send + 'static) -> Harness {
        self.tune = Some(Box::new(tune));
        self
    }

    /// On this PostgreSQL URL whatever the run's backend (for the PostgreSQL-only tests).
    pub fn postgres(mut self, url: &str) -> Harness {
        self.postgres = Some(url.to_owned());
        self
    }

    /// The run's backend, or the one chosen with [`Harness::postgres`].
    fn backend(&mut self) -> Option<String> {
        self.postgres
            .take()
            .or_else(|| on_postgres().then(pg::fresh_schema_url))
    }

    /// The embedded service in this runtime, on 127.0.0.1:0.
    pub async fn start(mut self) -> TestService {
        install_crypto();
        let dir = tempfile::tempdir().unwrap();
        let postgres = self.backend();
        let mut opts = options(postgres.as_deref());
        if let Some(tune) = self.tune {
            tune(&mut opts);
        }
        let cfg = match self.make {
            Some(make) => make(dir.path()),
            None => config(dir.path(), self.seed, self.max_expiry),
        };
        let handle = spawn_with(cfg, opts).await.unwrap();
        let mut s = TestService::attach(handle, dir);
        s.postgres = postgres;
        s
    }

    /// [`Harness::start`] on a runtime of its own, for plain (sync) tests that drive tmux.
    pub fn start_blocking(self) -> blocking::Served {
        blocking::Served::start(self)
    }

    /// The real `tokentab serve --listen 127.0.0.1:0` on a temp data dir and the run's backend
    /// (`--db` a SQLite file there, or a fresh PostgreSQL schema), `--no-seed` unless seeded,
    /// then `extra`. (`config` / `tune` / `max_expiry` are for the in-process service.)
    pub async fn spawn_binary(mut self, extra: &[&str]) -> child::Served {
        assert!(
            self.make.is_none() && self.tune.is_none() && self.max_expiry.is_none(),
            "spawn_binary takes serve's flags in `extra`"
        );
        let dir = tempfile::tempdir().unwrap();
        let postgres = self.backend();
        let db = match &postgres {
            Some(url) => url.clone(),
            None => dir
                .path()
                .join("db")
                .join("tokentab.db")
                .display()
                .to_string(),
        };
        let data = dir.path().join("data").display().to_string();
        let mut args = vec!["--listen", "127.0.0.1:0", "--db", &db, "--data-dir", &data];
        if !self.seed {
            args.push("--no-seed");
        }
        args.extend_from_slice(extra);
        let serve = child::start(&args, None).await;
        child::Served {
            serve,
            admin: read_admin(dir.path()),
            http: client(),
            postgres,
            args: args.iter().map(|a| a.to_string()).collect(),
            dir,
        }
    }
}

/// Runs a query on a service's own database: `sql[0]` on its SQLite file, else `sql[1]` on its
/// PostgreSQL schema (text parameters `$1`…, one text column).
pub async fn db_texts(
    sqlite: Option<PathBuf>,
    postgres: Option<&str>,
    sql: [&str; 2],
    args: &[&str],
) -> Vec<String> {
    match (sqlite, postgres) {
        (Some(db), _) => {
            let conn = rusqlite::Connection::open(db).unwrap();
            let mut st = conn.prepare(sql[0]).unwrap();
            st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        }
        (None, Some(url)) => {
            let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = args
                .iter()
                .map(|a| a as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            pg::connect(url)
                .await
                .query(sql[1], &params)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        }
        (None, None) => unreachable!("a backend"),
    }
}

/// The admin token `serve` wrote to `<dir>/data/admin.token`.
fn read_admin(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("data").join("admin.token"))
        .unwrap()
        .trim()
        .to_owned()
}

impl TestService {
    fn attach(handle: ServiceHandle, dir: tempfile::TempDir) -> TestService {
        let admin = std::fs::read_to_string(&handle.admin_token_path)
            .unwrap()
            .trim()
            .to_owned();
        TestService {
            handle,
            dir,
            admin,
            http: client(),
            postgres: None,
        }
    }

    /// Stops the service and starts it again on the same files (and database).
    pub async fn restart(self) -> TestService {
        self.restart_tuned(|_| {}).await
    }

    /// [`TestService::restart`] with the serve options `tune` changes.
    pub async fn restart_tuned(self, tune: impl FnOnce(&mut ServeOptions)) -> TestService {
        let TestService {
            handle,
            dir,
            postgres,
            ..
        } = self;
        handle.shutdown().await;
        let mut opts = options(postgres.as_deref());
        tune(&mut opts);
        let handle = spawn_with(config(dir.path(), false, None), opts)
            .await
            .unwrap();
        let mut s = Self::attach(handle, dir);
        s.postgres = postgres;
        s
    }

    /// The SQLite file, or None on PostgreSQL: the lines that read it run on SQLite only.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.postgres
            .is_none()
            .then(|| self.dir.path().join("db").join("tokentab.db"))
    }

    /// Runs `sql` (text parameters `$1`…, one text column) on the service's own database,
    /// whichever the backend: for the checks that look behind the API.
    pub async fn db_texts(&self, sql: &str, args: &[&str]) -> Vec<String> {
        db_texts(
            self.sqlite_file(),
            self.postgres.as_deref(),
            [sql, sql],
            args,
        )
        .await
    }

    /// The SQLite file. A test that needs it is SQLite-only: skipped by name in run.sh's
    /// PostgreSQL pass, and refused here so it can never pass there by accident.
    pub fn db_path(&self) -> PathBuf {
        assert!(
            self.postgres.is_none(),
            "this test reads the SQLite file: skip it on PostgreSQL (tests/run.sh)"
        );
        self.dir.path().join("db").join("tokentab.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.handle.url(), path)
    }

    /// Sends a request; returns the status and the body as JSON (Null when empty or not JSON).
    pub async fn call(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call_url(&self.http, method, token, &self.url(path), body).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, Some(token), path, None).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, Some(token), path, None).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, Some(token), path, Some(body))
            .await
    }

    pub async fn post_token(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            Some(token),
            "/access/api/v1/tokens",
            Some(body),
        )
        .await
    }

    /// Creates a token (as admin unless `as_token` is given) and returns its secret and id.
    pub async fn mint(&self, as_token: Option<&str>, body: Value) -> (String, String) {
        let (status, v) = self.post_token(as_token.unwrap_or(&self.admin), body).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["token_id"].as_str().unwrap().to_owned(),
        )
    }

    /// A user-scoped token for `user`, made by the admin.
    pub async fn user_token(&self, user: &str) -> String {
        self.mint(
            None,
            json!({"username": user, "description": format!("{user} test")}),
        )
        .await
        .0
    }

    /// A custom token with this scope, made by the admin.
    pub async fn scoped(&self, scope: &str) -> String {
        self.mint(None, json!({"scope": scope, "description": "scoped test"}))
            .await
            .0
    }

    /// Every live token id, following `cursor` pages.
    pub async fn all_token_ids(&self, token: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/access/api/v1/tokens?limit=97&cursor={c}"),
                None => "/access/api/v1/tokens?limit=97".to_owned(),
            };
            let (status, v) = self.get(token, &path).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            for t in v["tokens"].as_array().unwrap() {
                out.push(t["token_id"].as_str().unwrap().to_owned());
            }
            match v["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// Devices of a project fleet as seen by the admin.
    pub async fn devices(&self, project: &str, fleet: &str) -> Vec<String> {
        let (status, v) = self
            .get(
                &self.admin,
                &format!("/api/v2/{project}/devices?group_name={fleet}&limit=1000"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["device_uuid"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Sends a request to any URL (e.g. a `tokentab serve` process); returns the status and the
/// body as JSON (Null when empty or not JSON).
pub async fn call_url(
    http: &reqwest::Client,
    method: Method,
    token: Option<&str>,
    url: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The first error code of a JFrog array-form error body.
pub fn code(v: &Value) -> &str {
    v["errors"][0]["code"]
        .as_str()
        .unwrap_or("<no errors[0].code>")
}

pub fn message(v: &Value) -> &str {
    v["errors"][0]["message"].as_str().unwrap_or("")
}
