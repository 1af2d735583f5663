//! Services reached over HTTP only, as [`Node`]s, and two `tokentab serve` processes on one
//! database ([`two_processes`]): on one SQLite file, or on the PostgreSQL pass two replicas on one
//! fresh schema.

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::process::Child;

use super::{call_url, child as serve_child, client, on_postgres};
use crate::common::{pg, replicas};

const TOKENS: &str = "/access/api/v1/tokens";

/// One running service, reached over HTTP at `url`.
pub struct Node {
    pub url: String,
    pub http: reqwest::Client,
}

impl Node {
    pub fn new(url: String) -> Node {
        Node {
            url,
            http: client(),
        }
    }

    pub async fn call(
        &self,
        m: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call_url(
            &self.http,
            m,
            Some(token),
            &format!("{}{path}", self.url),
            body,
        )
        .await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, token, path, None).await
    }

    /// POSTs `body` to the tokens endpoint, asserts 200; the new token's `(secret, id)`.
    pub async fn mint(&self, token: &str, body: Value) -> (String, String) {
        let (st, v) = self.call(Method::POST, token, TOKENS, Some(body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["token_id"].as_str().unwrap().to_owned(),
        )
    }

    /// The first device of the demo data's fleet demo/lab.
    pub async fn first_device(&self, admin: &str) -> String {
        let (st, v) = self
            .get(admin, "/api/v2/demo/devices?group_name=lab&limit=1")
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        v["devices"][0]["device_uuid"].as_str().unwrap().to_owned()
    }
}

/// A temp dir with a SQLite file's path and a data dir's, for `serve` processes to share.
pub struct Files {
    _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub data: PathBuf,
}

pub fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    Files {
        db: dir.path().join("db").join("tokentab.db"),
        data: dir.path().join("data"),
        _dir: dir,
    }
}

/// `tokentab serve` on `f` with `extra` arguments.
pub async fn serve(f: &Files, extra: &[&str]) -> (Child, Node) {
    let (child, url) = serve_child::start_on(&f.db, &f.data, extra).await;
    (child, Node::new(url))
}

/// The admin token the service wrote to `data`.
pub fn admin_of(data: &Path) -> String {
    std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned()
}

/// What keeps the two processes of [`two_processes`] alive, and where their database is.
pub enum TwoProcesses {
    /// The processes go first (fields drop in order), then their files.
    Sqlite {
        _children: Box<[Child; 2]>,
        files: Files,
    },
    Postgres {
        /// The schema's URL.
        url: String,
        _replicas: Box<replicas::Replicas>,
    },
}

/// Two `tokentab serve` processes (each with `extra` arguments) on one database: one SQLite file,
/// or on the PostgreSQL pass two replicas on a fresh schema. Their nodes and the admin token.
pub async fn two_processes(extra: &[&str]) -> (TwoProcesses, [Node; 2], String) {
    if on_postgres() {
        let url = pg::fresh_schema_url();
        let r = replicas::start(&url, 2, extra).await;
        let nodes = [0, 1].map(|i| Node::new(r.nodes[i].url.clone()));
        let admin = r.admin.clone();
        let keep = TwoProcesses::Postgres {
            url,
            _replicas: Box::new(r),
        };
        (keep, nodes, admin)
    } else {
        let f = files();
        let (a_child, a) = serve(&f, extra).await;
        let (b_child, b) = serve(&f, extra).await;
        let admin = admin_of(&f.data);
        let keep = TwoProcesses::Sqlite {
            files: f,
            _children: Box::new([a_child, b_child]),
        };
        (keep, [a, b], admin)
    }
}
