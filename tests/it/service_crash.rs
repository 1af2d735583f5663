//! The real binary killed with SIGKILL during a stream of creates: after a restart the database
//! is intact and every create that was answered 200 is there. Also: SIGTERM stops it cleanly.

use crate::common::serve_child;
use crate::common::service as svc;

use std::path::Path;
use std::time::Duration;

use tokio::process::Child;

async fn start(db: &Path, data: &Path) -> (Child, String) {
    serve_child::start_on(db, data, &["--no-seed"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_creates_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").join("tokentab.db");
    let data = dir.path().join("data");
    let (mut child, url) = start(&db, &data).await;
    let admin = std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let http = svc::client();

    let acked = serve_child::kill_during_creates(&mut child, &http, &url, &admin).await;

    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    let (child, url) = start(&db, &data).await;
    let admin = std::fs::read_to_string(data.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let mut listed = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = http
            .get(format!("{url}/access/api/v1/tokens"))
            .bearer_auth(&admin)
            .query(&[("limit", "500")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let v: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
        for t in v["tokens"].as_array().unwrap() {
            listed.insert(t["token_id"].as_str().unwrap().to_owned());
        }
        match v["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let missing: Vec<&String> = acked.iter().filter(|id| !listed.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged creates lost",
        missing.len()
    );

    // SIGTERM: graceful stop, exit code 0.
    stop_gracefully(child).await;
}

async fn stop_gracefully(mut child: Child) {
    let pid = child.id().expect("child is running") as i32;
    let pid = rustix::process::Pid::from_raw(pid).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("did not stop within 30 s after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
