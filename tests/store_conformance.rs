//! One body per case, run against both storage backends: a temp SQLite file and a fresh
//! schema of a real PostgreSQL (`TOKENTAB_TEST_PG`, see tests/pg-setup.sh). Each case takes a
//! `&Db` and knows nothing of which backend it is on.

#[path = "common/db_calls.rs"]
mod db_calls;
#[path = "common/pg.rs"]
mod pg;

use db_calls::Plain;

use std::future::Future;

use tokentab::model::EntityRef;
use tokentab::model::wire::{DeviceInfo, DevicePatch, ProjectInfo, UserInfo};
use tokentab::service::StoreError;
use tokentab::service::store::backend::{CreateCheck, Db, RevokeOutcome, Write};
use tokentab::service::store::entities::{DeviceFilter, DeviceQuery};
use tokentab::service::store::target::DbTarget;
use tokentab::service::store::tokens::{
    NewToken, Order, OrderKey, TokenCursor, TokenFilter, TokenRow,
};

// ---- the two backends ---------------------------------------------------------------------

enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Place {
    fn new_sqlite() -> Place {
        Place::Sqlite(tempfile::tempdir().unwrap())
    }
    fn new_postgres() -> Place {
        Place::Postgres(pg::fresh_schema_url())
    }
    fn target(&self) -> DbTarget {
        match self {
            Place::Sqlite(dir) => DbTarget::Sqlite(dir.path().join("db").join("t.db")),
            Place::Postgres(url) => DbTarget::Postgres(pg::target(url)),
        }
    }
    async fn open(&self) -> Db {
        Db::open(&self.target())
            .await
            .unwrap_or_else(|e| panic!("cannot open {:?}: {e}. {}", self.target(), pg::FIX))
    }
}

/// Runs `case` on a fresh database of each backend (as two tests, see `conformance!`).
async fn on<F, Fut>(place: Place, case: F)
where
    F: FnOnce(Place) -> Fut,
    Fut: Future<Output = ()>,
{
    case(place).await
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::on(super::Place::new_sqlite(), super::$case).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::on(super::Place::new_postgres(), super::$case).await
                }
            )*
        }
    };
}

conformance!(
    tokens_insert_auth_revoke,
    writes_recheck_their_caller,
    last_used_only_moves_forward,
    token_pages_walk_every_order,
    users_projects_fleets,
    devices_page_patch_delete,
    service_id_and_bootstrap_once,
    migrations_run_once_when_opened_together,
    demo_seed_loads_once,
    revocation_epoch_grows_with_revokes_and_memberships,
);

// ---- fixtures -----------------------------------------------------------------------------

fn user(name: &str, admin: bool) -> Write {
    Write::User(UserInfo {
        username: name.into(),
        email: Some(format!("{name}@example.com")),
        admin: Some(admin),
        status: Some("enabled".into()),
        realm: Some("internal".into()),
    })
}

fn device(project: &str, fleet: &str, uuid: &str, tags: &[&str]) -> Write {
    Write::Device(DeviceInfo {
        device_uuid: uuid.into(),
        device_name: format!("name-{uuid}"),
        project: project.into(),
        group: fleet.into(),
        description: String::new(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        device_ip: Some("10.0.0.1".into()),
        agent_version: None,
    })
}

fn world() -> Vec<Write> {
    let mut w = vec![
        user("admin", true),
        user("alice", false),
        user("bob", false),
        Write::Project(ProjectInfo {
            project_key: "demo".into(),
            display_name: "Demo".into(),
            description: "d".into(),
        }),
        Write::Project(ProjectInfo {
            project_key: "lab".into(),
            display_name: "Lab".into(),
            description: "l".into(),
        }),
        Write::Fleet {
            project: "demo".into(),
            name: "edge".into(),
        },
        Write::Fleet {
            project: "demo".into(),
            name: "core".into(),
        },
        Write::Membership {
            username: "alice".into(),
            project: "lab".into(),
        },
        Write::Membership {
            username: "alice".into(),
            project: "demo".into(),
        },
    ];
    for i in 0..12 {
        let fleet = if i % 3 == 0 { "core" } else { "edge" };
        let tags: &[&str] = if i % 4 == 0 { &["gpu", "eu"] } else { &["eu"] };
        w.push(device("demo", fleet, &format!("d-{i:02}"), tags));
    }
    w
}

fn token(id: &str, user: &str, issued_at: i64, expiry: Option<i64>, desc: &str) -> NewToken {
    NewToken {
        token_id: id.into(),
        secret_hash: tokentab::service::hash_secret(&format!("secret-of-{id}")),
        username: user.into(),
        scope: "applied-permissions/user".into(),
        audience: "*@*".into(),
        description: desc.into(),
        project_key: None,
        refreshable: id.ends_with('r'),
        issued_at,
        expiry,
    }
}

async fn create(db: &Db, t: NewToken) {
    assert_eq!(
        db.create_plain(t, Vec::new(), None).await.unwrap(),
        CreateCheck::Created
    );
}

// ---- cases --------------------------------------------------------------------------------

async fn tokens_insert_auth_revoke(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("t-alice", "alice", 100, Some(9_000), "ci")).await;
    let row = db
        .auth_by_hash(tokentab::service::hash_secret("secret-of-t-alice"))
        .await
        .unwrap()
        .expect("found by hash");
    assert!(!row.revoked && !row.user_admin);
    assert_eq!(row.memberships, ["demo", "lab"]);
    assert_eq!(row.token.token_id, "t-alice");
    assert_eq!(row.token.expiry, Some(9_000));
    assert!(db.auth_by_hash([7; 32]).await.unwrap().is_none());

    // Targets are checked before anything is written.
    let mut custom = token("t-custom", "alice", 1, None, "");
    custom.project_key = Some("nope".into());
    assert_eq!(
        db.create_plain(custom, Vec::new(), None).await.unwrap(),
        CreateCheck::UnknownProject("nope".into())
    );
    let fleet = EntityRef::Fleet {
        project: "demo".into(),
        fleet: "ghost".into(),
    };
    assert_eq!(
        db.create_plain(
            token("t-x", "alice", 1, None, ""),
            vec![fleet.clone()],
            None
        )
        .await
        .unwrap(),
        CreateCheck::UnknownTarget(fleet)
    );
    assert_eq!(
        db.create_plain(token("t-y", "carol", 1, None, ""), Vec::new(), None)
            .await
            .unwrap(),
        CreateCheck::UnknownUser("carol".into())
    );
    assert!(db.token_by_id("t-x".into()).await.unwrap().is_none());

    let refuse = db
        .revoke_if("t-alice".into(), 500, None, |_| false)
        .await
        .unwrap();
    assert_eq!(refuse, RevokeOutcome::Refused);
    assert!(db.token_by_id("t-alice".into()).await.unwrap().is_some());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    let revoked = db
        .revoke_if("t-alice".into(), 500, None, move |row: &TokenRow| {
            *seen2.lock().unwrap() = Some(row.username.clone());
            true
        })
        .await
        .unwrap();
    assert_eq!(revoked, RevokeOutcome::Revoked);
    assert_eq!(seen.lock().unwrap().as_deref(), Some("alice"));
    assert_eq!(
        db.revoke_if("t-alice".into(), 501, None, |_| true)
            .await
            .unwrap(),
        RevokeOutcome::Gone
    );
    assert!(db.token_by_id("t-alice".into()).await.unwrap().is_none());
    let row = db
        .auth_by_hash(tokentab::service::hash_secret("secret-of-t-alice"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.revoked,
        "the revoked token is still found, marked revoked"
    );
}

async fn writes_recheck_their_caller(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("caller", "admin", 1, None, "")).await;
    create(&db, token("victim", "bob", 1, None, "")).await;
    let me = || Some("caller".to_owned());
    // Live caller: allowed.
    create_as(&db, "first", me()).await.unwrap();
    assert_eq!(
        db.revoke_if("caller".into(), 10, None, |_| true)
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    assert!(matches!(
        create_as(&db, "second", me()).await,
        Err(StoreError::CallerRevoked)
    ));
    assert!(db.token_by_id("second".into()).await.unwrap().is_none());
    assert!(matches!(
        db.revoke_if("victim".into(), 11, me(), |_| true).await,
        Err(StoreError::CallerRevoked)
    ));
    assert!(db.token_by_id("victim".into()).await.unwrap().is_some());
    let patched = db
        .update_if(
            "demo".into(),
            "d-01".into(),
            DevicePatch {
                description: Some("x".into()),
                tags: None,
            },
            me(),
            |_| Ok::<_, StoreError>(()),
        )
        .await;
    assert!(matches!(patched, Err(StoreError::CallerRevoked)));
    let deleted = db
        .delete_if("demo".into(), "d-01".into(), me(), |_| {
            Ok::<_, StoreError>(())
        })
        .await;
    assert!(matches!(deleted, Err(StoreError::CallerRevoked)));
    assert!(
        db.device("demo".into(), "d-01".into())
            .await
            .unwrap()
            .is_some_and(|d| d.description.is_empty())
    );
}

async fn create_as(db: &Db, id: &str, caller: Option<String>) -> Result<CreateCheck, StoreError> {
    db.create_plain(token(id, "alice", 2, None, ""), Vec::new(), caller)
        .await
}

async fn last_used_only_moves_forward(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("t", "alice", 1, None, "")).await;
    assert_eq!(last_used(&db).await, None);
    db.touch_last_used("t".into(), 100).await.unwrap();
    db.touch_last_used("t".into(), 50).await.unwrap();
    assert_eq!(last_used(&db).await, Some(100), "an older use never wins");
    // Concurrent touches: the newest survives whatever the commit order.
    let (a, b, c) = tokio::join!(
        db.touch_last_used("t".into(), 300),
        db.touch_last_used("t".into(), 200),
        db.touch_last_used("t".into(), 250),
    );
    a.and(b).and(c).unwrap();
    assert_eq!(last_used(&db).await, Some(300));
}

async fn last_used(db: &Db) -> Option<i64> {
    db.token_by_id("t".into()).await.unwrap().unwrap().last_used
}

/// Rows in the order a key must produce, computed here from the rows themselves.
fn expected(mut rows: Vec<TokenRow>, order: Order) -> Vec<String> {
    rows.sort_by(|a, b| {
        let by_key = match order.key {
            OrderKey::Created => a.issued_at.cmp(&b.issued_at),
            OrderKey::Expiry => a
                .expiry
                .unwrap_or(i64::MAX)
                .cmp(&b.expiry.unwrap_or(i64::MAX)),
            OrderKey::TokenId => a.token_id.as_bytes().cmp(b.token_id.as_bytes()),
            OrderKey::Owner => a.username.as_bytes().cmp(b.username.as_bytes()),
        };
        by_key.then(a.seq.cmp(&b.seq))
    });
    if order.descending {
        rows.reverse();
    }
    rows.into_iter().map(|r| r.token_id).collect()
}

async fn token_pages_walk_every_order(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    let users = ["alice", "bob", "admin"];
    for i in 0..23i64 {
        // Equal sort keys on purpose: the seq tie-break must keep pages disjoint.
        let expiry = if i % 5 == 0 {
            None
        } else {
            Some(10_000 + (i % 4))
        };
        let id = format!(
            "tok-{:02}{}",
            (i * 7) % 23,
            if i % 6 == 0 { "r" } else { "" }
        );
        let desc = if i % 2 == 0 {
            "ci deploy"
        } else {
            "Ünïcode ✓"
        };
        create(
            &db,
            token(&id, users[i as usize % 3], 1_000 + i / 3, expiry, desc),
        )
        .await;
    }
    create(&db, token("gone", "alice", 1_000, None, "ci deploy")).await;
    db.revoke_if("gone".into(), 5, None, |_| true)
        .await
        .unwrap();
    let all = db
        .list_tokens(TokenFilter::default(), Order::default(), None, None)
        .await
        .unwrap();
    assert_eq!(all.tokens.len(), 23, "revoked tokens are not listed");
    assert!(all.next.is_none());
    for key in [
        OrderKey::Created,
        OrderKey::TokenId,
        OrderKey::Owner,
        OrderKey::Expiry,
    ] {
        for descending in [false, true] {
            let order = Order { key, descending };
            let want = expected(all.tokens.clone(), order);
            let mut got = Vec::new();
            let mut cursor: Option<TokenCursor> = None;
            for _ in 0..20 {
                let page = db
                    .list_tokens(TokenFilter::default(), order, Some(4), cursor.clone())
                    .await
                    .unwrap();
                assert!(page.tokens.len() <= 4);
                got.extend(page.tokens.into_iter().map(|t| t.token_id));
                // Through its text form, as a client carries it between requests.
                cursor = page
                    .next
                    .map(|c| TokenCursor::decode(&c.encode()).expect("cursor decodes"));
                if cursor.is_none() {
                    break;
                }
            }
            assert_eq!(got, want, "{order:?}");
        }
    }
    let filtered = db
        .list_tokens(
            TokenFilter {
                username: Some("bob".into()),
                description: Some(TokenFilter::description_pattern("ci*")),
                ..TokenFilter::default()
            },
            Order::default(),
            None,
            None,
        )
        .await
        .unwrap();
    assert!(!filtered.tokens.is_empty());
    assert!(
        filtered
            .tokens
            .iter()
            .all(|t| t.username == "bob" && t.description == "ci deploy")
    );
    let exact = db
        .list_tokens(
            TokenFilter {
                description: Some(TokenFilter::description_pattern("Ünïcode ✓")),
                refreshable: Some(false),
                ..TokenFilter::default()
            },
            Order::default(),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        exact.tokens.len(),
        all.tokens
            .iter()
            .filter(|t| t.description == "Ünïcode ✓" && !t.refreshable)
            .count()
    );
    let by_id = db
        .list_tokens(
            TokenFilter {
                token_id: Some("tok-07".into()),
                ..TokenFilter::default()
            },
            Order::default(),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(by_id.tokens.len(), 1);
}

async fn users_projects_fleets(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    db.apply((0..7).map(|i| user(&format!("zed{i}"), false)).collect())
        .await
        .unwrap();
    assert_eq!(db.user_count().await.unwrap(), 10);
    let alice = db.user("alice".into()).await.unwrap().unwrap();
    assert_eq!(alice.admin, Some(false));
    assert!(db.user("nobody".into()).await.unwrap().is_none());
    // Re-adding a user as admin raises the flag, never lowers it.
    db.apply(vec![user("alice", true)]).await.unwrap();
    db.apply(vec![user("alice", false)]).await.unwrap();
    assert_eq!(
        db.user("alice".into()).await.unwrap().unwrap().admin,
        Some(true)
    );
    let mut names = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = db.users_page(Some("e".into()), after, 3).await.unwrap();
        names.extend(page.into_iter().map(|u| u.username));
        if next.is_none() {
            break;
        }
        after = next;
    }
    assert_eq!(
        names,
        [
            "alice", "zed0", "zed1", "zed2", "zed3", "zed4", "zed5", "zed6"
        ]
    );
    let projects: Vec<String> = db
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.project_key)
        .collect();
    assert_eq!(projects, ["demo", "lab"]);
    assert!(db.project_exists("lab".into()).await.unwrap());
    assert!(!db.project_exists("nope".into()).await.unwrap());
    let fleets = db.fleets("demo".into()).await.unwrap().unwrap();
    let counts: Vec<(String, u64)> = fleets
        .into_iter()
        .map(|f| (f.name, f.device_count))
        .collect();
    assert_eq!(counts, [("core".into(), 4), ("edge".into(), 8)]);
    assert!(db.fleets("nope".into()).await.unwrap().is_none());
}

fn query(limit: u32) -> DeviceQuery {
    DeviceQuery {
        fleet: None,
        tags: Vec::new(),
        search: None,
        after: None,
        limit,
        filter: DeviceFilter::All,
    }
}

async fn device_ids(db: &Db, mut q: DeviceQuery) -> Vec<String> {
    let mut ids = Vec::new();
    loop {
        let (page, next) = db
            .devices_page("demo".into(), q.clone())
            .await
            .unwrap()
            .expect("project exists");
        ids.extend(page.into_iter().map(|d| d.device_uuid));
        match next {
            Some(n) => q.after = Some(n),
            None => return ids,
        }
    }
}

async fn devices_page_patch_delete(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    let all = device_ids(&db, query(5)).await;
    assert_eq!(
        all,
        (0..12).map(|i| format!("d-{i:02}")).collect::<Vec<_>>()
    );
    let core = device_ids(
        &db,
        DeviceQuery {
            fleet: Some("core".into()),
            ..query(2)
        },
    )
    .await;
    assert_eq!(core, ["d-00", "d-03", "d-06", "d-09"]);
    let gpu = device_ids(
        &db,
        DeviceQuery {
            tags: vec!["gpu".into(), "none".into()],
            ..query(100)
        },
    )
    .await;
    assert_eq!(gpu, ["d-00", "d-04", "d-08"]);
    let search = device_ids(
        &db,
        DeviceQuery {
            search: Some("NAME-D-1".into()),
            ..query(100)
        },
    )
    .await;
    assert_eq!(search, ["d-10", "d-11"]);
    let only = device_ids(
        &db,
        DeviceQuery {
            filter: DeviceFilter::Only {
                fleets: vec!["core".into()],
                devices: vec!["d-01".into()],
            },
            ..query(3)
        },
    )
    .await;
    assert_eq!(only, ["d-00", "d-01", "d-03", "d-06", "d-09"]);
    assert!(
        db.devices_page("nope".into(), query(5))
            .await
            .unwrap()
            .is_none()
    );

    #[derive(Debug, PartialEq)]
    enum Denied {
        No,
        Store,
    }
    impl From<StoreError> for Denied {
        fn from(_: StoreError) -> Self {
            Denied::Store
        }
    }
    let patch = DevicePatch {
        description: Some("moved".into()),
        tags: Some(vec!["a".into(), "b".into()]),
    };
    let refused = db
        .update_if("demo".into(), "d-02".into(), patch.clone(), None, |d| {
            assert!(d.is_some());
            Err(Denied::No)
        })
        .await;
    assert_eq!(refused, Err(Denied::No));
    let dev = db
        .update_if("demo".into(), "d-02".into(), patch.clone(), None, |_| {
            Ok::<_, Denied>(())
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!((dev.description.as_str(), dev.tags.len()), ("moved", 2));
    let stored = db
        .device("demo".into(), "d-02".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, dev);
    let missing = db
        .update_if("demo".into(), "d-99".into(), patch, None, |d| {
            assert!(d.is_none());
            Ok::<_, Denied>(())
        })
        .await
        .unwrap();
    assert!(missing.is_none());
    assert_eq!(
        db.delete_if("demo".into(), "d-02".into(), None, |_| Err(Denied::No))
            .await,
        Err(Denied::No)
    );
    assert_eq!(
        db.delete_if("demo".into(), "d-02".into(), None, |_| Ok::<_, Denied>(()))
            .await,
        Ok(true)
    );
    assert_eq!(
        db.delete_if("demo".into(), "d-02".into(), None, |_| Ok::<_, Denied>(()))
            .await,
        Ok(false)
    );
    assert!(
        db.device("demo".into(), "d-02".into())
            .await
            .unwrap()
            .is_none()
    );
}

async fn service_id_and_bootstrap_once(place: Place) {
    let a = place.open().await;
    let b = place.open().await;
    let first = a.service_id("01first".into()).await.unwrap();
    let second = b.service_id("01second".into()).await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("01first", "01first"));
    // Two "replicas" bootstrapping an empty database at once: exactly one applies.
    let batch = || vec![user("admin", true), user("alice", false)];
    let (x, y, z) = tokio::join!(
        a.apply_if_empty(batch()),
        b.apply_if_empty(batch()),
        a.apply_if_empty(batch())
    );
    let applied = [x.unwrap(), y.unwrap(), z.unwrap()];
    assert_eq!(applied.iter().filter(|v| **v).count(), 1, "{applied:?}");
    assert_eq!(a.user_count().await.unwrap(), 2);
    assert!(!b.apply_if_empty(batch()).await.unwrap());
}

async fn migrations_run_once_when_opened_together(place: Place) {
    let target = place.target();
    let (a, b, c) = tokio::join!(Db::open(&target), Db::open(&target), Db::open(&target));
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    a.apply(world()).await.unwrap();
    assert_eq!(b.user_count().await.unwrap(), 3);
    assert_eq!(c.projects().await.unwrap().len(), 2);
    drop((a, b, c));
    // Opening again finds the schema current and keeps the data.
    let again = place.open().await;
    assert_eq!(again.user_count().await.unwrap(), 3);
    again.ping().await.unwrap();
}

/// The epoch that request caches are tagged with grows in the same transaction as a revoke
/// (and a membership change), whoever writes it; a refused revoke leaves it alone.
async fn revocation_epoch_grows_with_revokes_and_memberships(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("t-ep", "alice", 100, None, "")).await;
    let e0 = db.revocation_epoch().await.unwrap();
    assert_eq!(
        db.revoke_if("t-ep".into(), 200, None, |_| false)
            .await
            .unwrap(),
        RevokeOutcome::Refused
    );
    assert_eq!(db.revocation_epoch().await.unwrap(), e0, "nothing revoked");
    assert_eq!(
        db.revoke_if("t-ep".into(), 200, None, |_| true)
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    let e1 = db.revocation_epoch().await.unwrap();
    assert!(e1 > e0, "a revoke bumps the epoch: {e0} -> {e1}");
    // A second open (another process or replica) reads the same epoch.
    let other = place.open().await;
    assert_eq!(other.revocation_epoch().await.unwrap(), e1);
    db.apply(vec![Write::Membership {
        username: "bob".into(),
        project: "demo".into(),
    }])
    .await
    .unwrap();
    let e2 = other.revocation_epoch().await.unwrap();
    assert!(e2 > e1, "a membership change bumps the epoch: {e1} -> {e2}");
}

async fn demo_seed_loads_once(place: Place) {
    let db = place.open().await;
    let (rows, summary) = tokentab::service::seed::writes(1_800_000_000).unwrap();
    let mut batch = vec![user("admin", true)];
    batch.extend(rows);
    assert!(db.apply_if_empty(batch.clone()).await.unwrap());
    assert!(!db.apply_if_empty(batch).await.unwrap(), "applied once");
    // The seed names `admin` too: one row, still an admin.
    assert_eq!(db.user_count().await.unwrap() as usize, summary.users);
    let admin = db.user("admin".into()).await.unwrap().unwrap();
    assert_eq!(admin.admin, Some(true));
    let projects = db.projects().await.unwrap();
    assert_eq!(projects.len(), summary.projects);
    let mut devices = 0;
    let mut fleets = 0;
    for p in &projects {
        for f in db.fleets(p.project_key.clone()).await.unwrap().unwrap() {
            fleets += 1;
            devices += f.device_count as usize;
        }
    }
    assert_eq!((fleets, devices), (summary.fleets, summary.devices));
    let tokens = db
        .list_tokens(TokenFilter::default(), Order::default(), None, None)
        .await
        .unwrap();
    assert_eq!(tokens.tokens.len(), summary.tokens);
}
