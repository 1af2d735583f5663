//! PostgreSQL going away under a running backend: a real TCP proxy in front of the test server
//! cuts every connection and refuses new ones, then lets them through again. While it is cut,
//! readiness (`Db::ping`) and queries fail as `Unavailable` (503 + Retry-After at the HTTP
//! edge), never a panic; once it is back the pool reconnects by itself within 5 s.

use crate::common::db_calls;
use crate::common::pg;
use crate::common::timing::within_3x;

use db_calls::Plain;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokentab::service::StoreError;
use tokentab::service::store::backend::Db;
use tokentab::service::store::target::DbTarget;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards 127.0.0.1:<port> to the real server while `up`; cutting drops every connection.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let (up2, cut2) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let mut cuts = cut2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_postgres_is_unavailable_then_recovers_by_itself() {
    let real = pg::target(&pg::fresh_schema_url());
    let proxy = Proxy::start(format!("{}:{}", real.host, real.port)).await;
    let mut via_proxy = real.clone();
    via_proxy.host = "127.0.0.1".into();
    via_proxy.port = proxy.port;
    let db = Db::open(&DbTarget::Postgres(via_proxy))
        .await
        .unwrap_or_else(|e| panic!("{e}. {}", pg::FIX));
    db.ping().await.unwrap();
    assert_eq!(db.user_count().await.unwrap(), 0);

    proxy.cut();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match db.ping().await {
            Err(StoreError::Unavailable(_)) => break,
            Ok(()) => {}
            Err(other) => panic!("expected Unavailable, got {other}"),
        }
        assert!(Instant::now() < deadline, "ping kept succeeding while cut");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(
        db.user_count().await,
        Err(StoreError::Unavailable(_))
    ));

    proxy.restore();
    let back = Instant::now();
    loop {
        if db.ping().await.is_ok() && db.user_count().await.is_ok() {
            break;
        }
        within_3x(
            "serving again after PostgreSQL came back",
            back.elapsed(),
            Duration::from_secs(5),
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_are_announced_to_other_replicas() {
    let url = pg::fresh_schema_url();
    let target = DbTarget::Postgres(pg::target(&url));
    let a = Db::open(&target)
        .await
        .unwrap_or_else(|e| panic!("{e}. {}", pg::FIX));
    let b = Db::open(&target).await.unwrap();
    let mut seen = b.revocations().expect("PostgreSQL announces revocations");
    // Wait until b's listener is connected (its first bump), then revoke through a.
    let deadline = Instant::now() + Duration::from_secs(10);
    while *seen.borrow_and_update() == 0 {
        assert!(Instant::now() < deadline, "listener never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    use tokentab::model::wire::UserInfo;
    use tokentab::service::store::backend::{RevokeOutcome, Write};
    use tokentab::service::store::tokens::NewToken;
    a.apply(vec![
        Write::User(UserInfo {
            username: "alice".into(),
            email: None,
            admin: Some(false),
            status: None,
            realm: None,
        }),
        Write::Token(NewToken {
            token_id: "t1".into(),
            secret_hash: [1; 32],
            username: "alice".into(),
            scope: "applied-permissions/user".into(),
            audience: "*@*".into(),
            description: String::new(),
            project_key: None,
            refreshable: false,
            issued_at: 1,
            expiry: None,
        }),
    ])
    .await
    .unwrap();
    let outcome = a.revoke_if("t1".into(), 2, None, |_| true).await.unwrap();
    assert_eq!(outcome, RevokeOutcome::Revoked);
    // The other replica's own query sees it at once; the announcement follows.
    let row = b.auth_by_hash([1; 32]).await.unwrap().unwrap();
    assert!(row.revoked);
    // And a write acting for the revoked token on the other replica is refused.
    let next = NewToken {
        token_id: "t2".into(),
        secret_hash: [2; 32],
        username: "alice".into(),
        scope: "applied-permissions/user".into(),
        audience: "*@*".into(),
        description: String::new(),
        project_key: None,
        refreshable: false,
        issued_at: 3,
        expiry: None,
    };
    let refused = b.create_plain(next, Vec::new(), Some("t1".into())).await;
    assert!(
        matches!(refused, Err(StoreError::CallerRevoked)),
        "{refused:?}"
    );
    assert!(b.token_by_id("t2".into()).await.unwrap().is_none());
    tokio::time::timeout(Duration::from_secs(10), seen.changed())
        .await
        .expect("b heard of the revocation")
        .unwrap();
    assert!(a.revocations().is_some());
}
