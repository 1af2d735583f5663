//! The real binary killed with SIGKILL during a stream of creates: after a restart the database
//! is intact and every create that was answered 200 is there. Also: SIGTERM stops it cleanly.
//! On the run's backend (the SQLite integrity check runs on SQLite only).

use crate::common::service::child as serve_child;
use crate::common::service::harness;

use std::time::Duration;

use tokio::process::Child;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_creates_loses_nothing_acknowledged() {
    let mut s = harness().spawn_binary(&[]).await;
    let (http, url, admin) = (s.http.clone(), s.url(""), s.admin.clone());
    let acked = serve_child::kill_during_creates(&mut s.serve.child, &http, &url, &admin).await;

    if let Some(db) = s.sqlite_file() {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    let s = s.respawn().await;
    let (url, admin) = (s.url(""), s.admin.clone());
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
    stop_gracefully(s.serve.child).await;
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
