//! One body per case, run against both storage backends: a temp SQLite file and a fresh
//! schema of a real PostgreSQL (`TOKENTAB_TEST_PG`, see tests/pg-setup.sh). Each case takes a
//! `&Db` and knows nothing of which backend it is on.

use crate::common::db_calls;
use crate::common::pg;

use db_calls::Plain;

use std::future::Future;

use tokentab::model::EntityRef;
use tokentab::model::wire::{DeviceInfo, DevicePatch, ProjectInfo, UserInfo};
use tokentab::service::StoreError;
use tokentab::service::store::audit::{AuditFilter, Record};
use tokentab::service::store::backend::{
    CreateCheck, CreateToken, Db, DeviceWrite, Refresh, RevokeOutcome, Write,
};
use tokentab::service::store::entities::{DeviceFilter, DeviceQuery};
use tokentab::service::store::refresh::RefreshLimits;
use tokentab::service::store::target::DbTarget;
use tokentab::service::store::tokens::{
    NewToken, Order, OrderKey, TokenCursor, TokenFilter, TokenRow, UserState,
};

// ---- the two backends ---------------------------------------------------------------------

pub(crate) enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Place {
    pub(crate) fn new_sqlite() -> Place {
        Place::Sqlite(tempfile::tempdir().unwrap())
    }
    pub(crate) fn new_postgres() -> Place {
        Place::Postgres(pg::fresh_schema_url())
    }
    fn target(&self) -> DbTarget {
        match self {
            Place::Sqlite(dir) => DbTarget::Sqlite(dir.path().join("db").join("t.db")),
            Place::Postgres(url) => DbTarget::Postgres(pg::target(url)),
        }
    }
    pub(crate) async fn open(&self) -> Db {
        Db::open(&self.target())
            .await
            .unwrap_or_else(|e| panic!("cannot open {:?}: {e}. {}", self.target(), pg::FIX))
    }
}

/// Runs `case` on a fresh database of each backend (as two tests, see `conformance!`).
pub(crate) async fn on<F, Fut>(place: Place, case: F)
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
/// For the other `store_*` files: `use crate::store_conformance::{conformance, on, Place};`.
pub(crate) use conformance;

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
    create_with_limits_and_refresh_hash,
    refresh_rotates_the_pair,
    concurrent_refreshes_of_one_secret_rotate_once,
    concurrent_capped_creates_stop_at_the_cap,
    revoke_by_hash_checks_and_records,
    count_tokens_follows_the_filters,
    audit_rows_of_every_write,
    audit_list_filters_pages_and_prunes,
    meta_is_set_and_replaced,
    expired_caller_is_refused_by_every_write,
    refresh_lapses_after_the_grace_and_at_the_chain_end,
    a_disabled_users_tokens_are_refused,
    capped_creates_and_a_refresh_by_one_caller_never_deadlock,
);

// ---- fixtures -----------------------------------------------------------------------------

pub(crate) fn user(name: &str, admin: bool) -> Write {
    Write::User(UserInfo {
        username: name.into(),
        email: Some(format!("{name}@example.com")),
        admin: Some(admin),
        status: Some("enabled".into()),
        realm: Some("internal".into()),
    })
}

pub(crate) fn device(project: &str, fleet: &str, uuid: &str, tags: &[&str]) -> Write {
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

pub(crate) fn world() -> Vec<Write> {
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

pub(crate) fn token(
    id: &str,
    user: &str,
    issued_at: i64,
    expiry: Option<i64>,
    desc: &str,
) -> NewToken {
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

pub(crate) async fn create(db: &Db, t: NewToken) {
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
                device_name: None,
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
        let (page, next) = db
            .users_page(Some("e".into()), after, 3, None)
            .await
            .unwrap();
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
        device_name: None,
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

// ---- the operations the routes need (create with limits, refresh, audit, meta) -----------

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

pub(crate) fn hash(text: &str) -> [u8; 32] {
    tokentab::service::hash_secret(text)
}

pub(crate) fn audit_of(action: &'static str, actor: &str) -> Record {
    Record {
        actor: actor.into(),
        actor_token_id: format!("{actor}-cli"),
        action,
        source: Some("127.0.0.1".into()),
        ..Record::default()
    }
}

pub(crate) fn request(new: NewToken) -> CreateToken {
    CreateToken {
        new,
        targets: Vec::new(),
        caller: None,
        refresh_hash: None,
        limited: None,
        audit: None,
    }
}

/// A create as a non-admin asks it: `limited` with `cap`, for `project`.
async fn create_limited(
    db: &Db,
    id: &str,
    user: &str,
    project: Option<&str>,
    cap: u32,
) -> CreateCheck {
    let mut t = token(id, user, now(), None, "");
    t.project_key = project.map(str::to_owned);
    db.create_token(CreateToken {
        limited: Some(cap),
        ..request(t)
    })
    .await
    .unwrap()
}

pub(crate) async fn all_audit(db: &Db) -> Vec<tokentab::model::wire::AuditEntry> {
    db.audit_list(AuditFilter::default(), 1_000)
        .await
        .unwrap()
        .0
}

async fn create_with_limits_and_refresh_hash(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    // Membership: bob is in no project; a project that does not exist gets the same answer.
    assert_eq!(
        create_limited(&db, "b1", "bob", Some("demo"), 0).await,
        CreateCheck::NotMember("demo".into())
    );
    assert_eq!(
        create_limited(&db, "a0", "alice", Some("nope"), 0).await,
        CreateCheck::NotMember("nope".into())
    );
    // Unlimited (an admin's request) for a missing project: the project is unknown.
    let mut t = token("a0", "alice", now(), None, "");
    t.project_key = Some("nope".into());
    assert_eq!(
        db.create_token(request(t)).await.unwrap(),
        CreateCheck::UnknownProject("nope".into())
    );
    assert_eq!(
        create_limited(&db, "a1", "alice", Some("demo"), 0).await,
        CreateCheck::Created
    );
    // The cap counts live tokens only: expired and revoked ones do not count.
    create(&db, token("a-old", "alice", 1, Some(2), "expired")).await;
    create(&db, token("a-gone", "alice", now(), None, "revoked")).await;
    db.revoke_if("a-gone".into(), now(), None, |_| true)
        .await
        .unwrap();
    assert_eq!(
        create_limited(&db, "a2", "alice", None, 3).await,
        CreateCheck::Created
    );
    assert_eq!(
        create_limited(&db, "a3", "alice", Some("lab"), 3).await,
        CreateCheck::Created
    );
    assert_eq!(
        create_limited(&db, "a4", "alice", None, 3).await,
        CreateCheck::OverCap(3)
    );
    assert!(db.token_by_id("a4".into()).await.unwrap().is_none());
    // Cap 0 = none.
    for i in 0..3 {
        assert_eq!(
            create_limited(&db, &format!("a-free{i}"), "alice", None, 0).await,
            CreateCheck::Created
        );
    }
    // Another user's cap is their own.
    assert_eq!(
        create_limited(&db, "b2", "bob", None, 1).await,
        CreateCheck::Created
    );
    assert_eq!(
        create_limited(&db, "b3", "bob", None, 1).await,
        CreateCheck::OverCap(1)
    );
    // A refreshable token keeps its refresh secret's hash: the refresh finds it.
    create(&db, token("alice-cli", "alice", now(), None, "")).await;
    let r = token("a-r", "alice", now(), None, "refreshable");
    assert_eq!(
        db.create_token(CreateToken {
            refresh_hash: Some(hash("refresh-1")),
            ..request(r)
        })
        .await
        .unwrap(),
        CreateCheck::Created
    );
    let refreshed = db
        .refresh_token(refresh_req("refresh-1", None, "alice", "a-r2", "refresh-2"))
        .await
        .unwrap();
    assert!(refreshed.is_some(), "the stored refresh hash is found");
}

fn refresh_req(
    refresh: &str,
    access: Option<&str>,
    user: &str,
    new_id: &str,
    next: &str,
) -> Refresh {
    Refresh {
        refresh_hash: hash(refresh),
        access_hash: access.map(hash),
        username: user.into(),
        caller: format!("{user}-cli"),
        new_token_id: new_id.into(),
        secret_hash: hash(&format!("secret-of-{new_id}")),
        next_refresh_hash: hash(next),
        limits: RefreshLimits {
            grace: 86_400,
            chain: None,
        },
        audit: Some(audit_of("refresh", user)),
    }
}

async fn refresh_rotates_the_pair(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("alice-cli", "alice", now(), None, "")).await;
    create(&db, token("bob-cli", "bob", now(), None, "")).await;
    let issued = now() - 100;
    let mut old = token("t1r", "alice", issued, Some(issued + 3_600), "ci refresh");
    old.project_key = Some("demo".into());
    old.scope = "applied-permissions/user".into();
    db.create_token(CreateToken {
        refresh_hash: Some(hash("R1")),
        ..request(old)
    })
    .await
    .unwrap();
    // Another user's refresh secret, or one that does not go with the access token: None.
    assert!(
        db.refresh_token(refresh_req("R1", None, "bob", "t2r", "R2"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.refresh_token(refresh_req(
            "R1",
            Some("secret-of-alice-cli"),
            "alice",
            "t2r",
            "R2"
        ))
        .await
        .unwrap()
        .is_none()
    );
    assert!(db.token_by_id("t1r".into()).await.unwrap().is_some());
    assert!(all_audit(&db).await.is_empty(), "nothing refreshed");
    let before = now();
    let done = db
        .refresh_token(refresh_req(
            "R1",
            Some("secret-of-t1r"),
            "alice",
            "t2r",
            "R2",
        ))
        .await
        .unwrap()
        .expect("refreshed");
    assert_eq!(done.lifetime, Some(3_600), "the lifetime is kept");
    let new = db
        .token_by_id("t2r".into())
        .await
        .unwrap()
        .expect("new token live");
    assert!(new.issued_at >= before);
    assert_eq!(new.expiry, Some(new.issued_at + 3_600));
    assert_eq!(
        (new.username.as_str(), new.description.as_str()),
        ("alice", "ci refresh")
    );
    assert_eq!(new.project_key.as_deref(), Some("demo"));
    assert!(new.refreshable);
    assert_eq!(done.token.token_id, "t2r");
    assert!(
        db.token_by_id("t1r".into()).await.unwrap().is_none(),
        "old one revoked"
    );
    assert!(
        db.auth_by_hash(hash("secret-of-t1r"))
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(
        db.auth_by_hash(hash("secret-of-t2r"))
            .await
            .unwrap()
            .is_some_and(|a| !a.revoked)
    );
    // The old refresh secret is spent; the next one works, and a never-expiring token stays so.
    assert!(
        db.refresh_token(refresh_req("R1", None, "alice", "t3r", "R3"))
            .await
            .unwrap()
            .is_none()
    );
    let rows = all_audit(&db).await;
    let got: Vec<(&str, Option<&str>, &str, Option<&str>)> = rows
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.token_id.as_deref(),
                e.result.as_str(),
                e.description.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("refresh", Some("t2r"), "ok", Some("ci refresh")),
            ("refresh", Some("t1r"), "ok: replaced", Some("ci refresh")),
        ]
    );
    let again = db
        .refresh_token(refresh_req("R2", None, "alice", "t3r", "R3"))
        .await
        .unwrap()
        .expect("the next refresh secret works");
    assert_eq!(again.lifetime, Some(3_600));
    db.create_token(CreateToken {
        refresh_hash: Some(hash("N1")),
        ..request(token("n1r", "alice", now(), None, "forever"))
    })
    .await
    .unwrap();
    let forever = db
        .refresh_token(refresh_req("N1", None, "alice", "n2r", "N2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((forever.lifetime, forever.token.expiry), (None, None));
}

async fn concurrent_refreshes_of_one_secret_rotate_once(place: Place) {
    let a = place.open().await;
    let b = place.open().await;
    a.apply(world()).await.unwrap();
    create(&a, token("alice-cli", "alice", now(), None, "")).await;
    a.create_token(CreateToken {
        refresh_hash: Some(hash("R1")),
        ..request(token("t1r", "alice", now(), None, ""))
    })
    .await
    .unwrap();
    // Eight at once through two handles (two "replicas" on PostgreSQL).
    let attempts = (0..8).map(|i| {
        let db = if i % 2 == 0 { &a } else { &b };
        db.refresh_token(refresh_req(
            "R1",
            None,
            "alice",
            &format!("n{i}"),
            &format!("next{i}"),
        ))
    });
    let made: Vec<String> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .filter_map(|r| r.unwrap().map(|d| d.token.token_id))
        .collect();
    assert_eq!(made.len(), 1, "one refresh secret, one new token: {made:?}");
    let live = a
        .count_tokens(TokenFilter {
            username: Some("alice".into()),
            ..TokenFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(live, 2, "alice-cli and the one new token");
}

async fn concurrent_capped_creates_stop_at_the_cap(place: Place) {
    let a = place.open().await;
    let b = place.open().await;
    a.apply(world()).await.unwrap();
    let attempts = (0..8).map(|i| {
        let db = if i % 2 == 0 { &a } else { &b };
        db.create_token(CreateToken {
            limited: Some(3),
            ..request(token(&format!("cap{i}"), "bob", now(), None, ""))
        })
    });
    let results = futures_util::future::join_all(attempts).await;
    let created = results
        .into_iter()
        .filter(|r| matches!(r, Ok(CreateCheck::Created)))
        .count();
    assert_eq!(created, 3, "a cap of 3 holds under concurrent creates");
    let live = a
        .count_tokens(TokenFilter {
            username: Some("bob".into()),
            ..TokenFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(live, 3);
}

async fn revoke_by_hash_checks_and_records(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("alice-cli", "alice", now(), None, "")).await;
    create(&db, token("t-v", "alice", now(), None, "by value")).await;
    let secret = hash("secret-of-t-v");
    assert_eq!(
        db.live_token_by_hash(secret)
            .await
            .unwrap()
            .map(|r| r.token_id),
        Some("t-v".into())
    );
    let caller = || Some("alice-cli".to_owned());
    let rec = || Some(audit_of("revoke_by_value", "alice"));
    assert_eq!(
        db.revoke_by_hash_if(secret, now(), caller(), |_| false, rec())
            .await
            .unwrap(),
        None,
        "the check said no"
    );
    assert!(db.live_token_by_hash(secret).await.unwrap().is_some());
    assert!(all_audit(&db).await.is_empty(), "no row without a revoke");
    assert_eq!(
        db.revoke_by_hash_if([9; 32], now(), caller(), |_| true, rec())
            .await
            .unwrap(),
        None,
        "unknown"
    );
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    let revoked = db
        .revoke_by_hash_if(
            secret,
            now(),
            caller(),
            move |row: &TokenRow| {
                *seen2.lock().unwrap() = Some(row.token_id.clone());
                true
            },
            rec(),
        )
        .await
        .unwrap();
    assert_eq!(revoked.as_deref(), Some("t-v"));
    assert_eq!(seen.lock().unwrap().as_deref(), Some("t-v"));
    assert!(db.live_token_by_hash(secret).await.unwrap().is_none());
    assert!(db.auth_by_hash(secret).await.unwrap().unwrap().revoked);
    assert_eq!(
        db.revoke_by_hash_if(secret, now(), caller(), |_| true, rec())
            .await
            .unwrap(),
        None,
        "revoked before"
    );
    let rows = all_audit(&db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (
            row.action.as_str(),
            row.token_id.as_deref(),
            row.description.as_deref(),
            row.result.as_str(),
            row.actor_token_id.as_str(),
            row.source.as_deref()
        ),
        (
            "revoke_by_value",
            Some("t-v"),
            Some("by value"),
            "ok",
            "alice-cli",
            Some("127.0.0.1")
        )
    );
    // Revoked once however many ask at the same time.
    create(&db, token("t-w", "alice", now(), None, "raced")).await;
    let attempts = (0..6)
        .map(|_| db.revoke_by_hash_if(hash("secret-of-t-w"), now(), caller(), |_| true, rec()));
    let won = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().is_some())
        .count();
    assert_eq!(won, 1);
    let raced = AuditFilter {
        token_id: Some("t-w".into()),
        ..AuditFilter::default()
    };
    assert_eq!(db.audit_list(raced, 10).await.unwrap().0.len(), 1);
}

async fn count_tokens_follows_the_filters(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    for (i, user) in ["alice", "alice", "bob", "admin", "alice"]
        .iter()
        .enumerate()
    {
        let id = format!("c{i}{}", if i % 2 == 0 { "r" } else { "" });
        let desc = if i < 3 { "ci deploy" } else { "laptop" };
        create(&db, token(&id, user, 10 + i as i64, None, desc)).await;
    }
    db.revoke_if("c4r".into(), 50, None, |_| true)
        .await
        .unwrap();
    let count = |f: TokenFilter| {
        let db = &db;
        async move { db.count_tokens(f).await.unwrap() }
    };
    assert_eq!(
        count(TokenFilter::default()).await,
        4,
        "revoked not counted"
    );
    let alice = TokenFilter {
        username: Some("alice".into()),
        ..TokenFilter::default()
    };
    assert_eq!(count(alice.clone()).await, 2);
    assert_eq!(
        count(TokenFilter {
            refreshable: Some(true),
            ..TokenFilter::default()
        })
        .await,
        2
    );
    assert_eq!(
        count(TokenFilter {
            description: Some(TokenFilter::description_pattern("ci*")),
            ..alice
        })
        .await,
        2
    );
    assert_eq!(
        count(TokenFilter {
            description: Some(TokenFilter::description_pattern("laptop")),
            ..TokenFilter::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(TokenFilter {
            token_id: Some("c2r".into()),
            ..TokenFilter::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(TokenFilter {
            username: Some("nobody".into()),
            ..TokenFilter::default()
        })
        .await,
        0
    );
}

/// (action, token id, description, device, result) of an audit row.
type AuditShape<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
);

async fn audit_rows_of_every_write(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("admin-cli", "admin", now(), None, "")).await;
    let caller = || Some("admin-cli".to_owned());
    let made = token("t-a", "alice", 1_000, None, "audited");
    let create_rec = Record {
        token_id: Some("t-a".into()),
        description: Some("audited".into()),
        ..audit_of("create", "admin")
    };
    db.create_token(CreateToken {
        caller: caller(),
        audit: Some(create_rec.clone()),
        ..request(made)
    })
    .await
    .unwrap();
    // A refused create writes nothing.
    assert_eq!(
        db.create_token(CreateToken {
            caller: caller(),
            audit: Some(create_rec),
            ..request(token("t-b", "carol", 1_000, None, ""))
        })
        .await
        .unwrap(),
        CreateCheck::UnknownUser("carol".into())
    );
    let revoke_rec = |id: &str| {
        Some(Record {
            token_id: Some(id.into()),
            ..audit_of("revoke", "admin")
        })
    };
    assert_eq!(
        db.revoke_token_if("t-a".into(), 2_000, caller(), |_| false, revoke_rec("t-a"))
            .await
            .unwrap(),
        RevokeOutcome::Refused
    );
    assert_eq!(
        db.revoke_token_if("t-a".into(), 2_001, caller(), |_| true, revoke_rec("t-a"))
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    assert_eq!(
        db.revoke_token_if("t-a".into(), 2_002, caller(), |_| true, revoke_rec("t-a"))
            .await
            .unwrap(),
        RevokeOutcome::Gone
    );
    let patch = DevicePatch {
        device_name: None,
        description: Some("moved".into()),
        tags: None,
    };
    let dev_rec = |action| {
        Some(Record {
            device: Some("demo/d-01".into()),
            ..audit_of(action, "admin")
        })
    };
    db.update_device_if(
        DeviceWrite {
            project: "demo".into(),
            uuid: "d-01".into(),
            caller: caller(),
            audit: dev_rec("device_update"),
        },
        patch.clone(),
        |_| Ok::<_, StoreError>(()),
    )
    .await
    .unwrap()
    .expect("patched");
    // No row when nothing changed: a missing device, a refused check.
    let missing = db
        .update_device_if(
            DeviceWrite {
                project: "demo".into(),
                uuid: "d-99".into(),
                caller: caller(),
                audit: dev_rec("device_update"),
            },
            patch.clone(),
            |_| Ok::<_, StoreError>(()),
        )
        .await
        .unwrap();
    assert!(missing.is_none());
    let refused = db
        .update_device_if(
            DeviceWrite {
                project: "demo".into(),
                uuid: "d-01".into(),
                caller: caller(),
                audit: dev_rec("device_update"),
            },
            patch,
            |_| Err(StoreError::Config("no".into())),
        )
        .await;
    assert!(refused.is_err());
    assert!(
        db.delete_device_if(
            DeviceWrite {
                project: "demo".into(),
                uuid: "d-01".into(),
                caller: caller(),
                audit: dev_rec("device_delete"),
            },
            |_| Ok::<_, StoreError>(()),
        )
        .await
        .unwrap()
        .is_some()
    );
    assert!(
        db.delete_device_if(
            DeviceWrite {
                project: "demo".into(),
                uuid: "d-01".into(),
                caller: caller(),
                audit: dev_rec("device_delete"),
            },
            |_| Ok::<_, StoreError>(()),
        )
        .await
        .unwrap()
        .is_none()
    );
    let rows = all_audit(&db).await;
    let got: Vec<AuditShape> = rows
        .iter()
        .rev()
        .map(|e| {
            (
                e.action.as_str(),
                e.token_id.as_deref(),
                e.description.as_deref(),
                e.device.as_deref(),
                e.result.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("create", Some("t-a"), Some("audited"), None, "ok"),
            ("revoke", Some("t-a"), None, None, "204 not found"),
            ("revoke", Some("t-a"), Some("audited"), None, "ok"),
            ("revoke", Some("t-a"), None, None, "204 not found"),
            ("device_update", None, None, Some("demo/d-01"), "ok"),
            (
                "device_delete",
                None,
                Some("0 live tokens named it"),
                Some("demo/d-01"),
                "ok",
            ),
        ]
    );
    let times: Vec<i64> = rows.iter().rev().map(|e| e.time).collect();
    assert_eq!(
        &times[..4],
        [1_000, 2_000, 2_001, 2_002],
        "create at issued_at"
    );
    assert!(
        rows.iter()
            .all(|e| e.actor == "admin" && e.actor_token_id == "admin-cli")
    );
}

async fn audit_list_filters_pages_and_prunes(place: Place) {
    let db = place.open().await;
    let mut batch = vec![user("admin", true)];
    for i in 0..3i64 {
        batch.push(Write::Audit {
            record: Record {
                token_id: Some(format!("boot{i}")),
                ..audit_of("create", "admin")
            },
            at: 100 + i,
        });
    }
    assert!(db.apply_if_empty(batch).await.unwrap());
    for i in 3..9i64 {
        let (actor, action) = if i % 2 == 0 {
            ("admin", "revoke")
        } else {
            ("alice", "create")
        };
        let r = Record {
            token_id: Some(format!("t{}", i % 3)),
            ..audit_of(action, actor)
        };
        db.audit_record(r, 100 + i, "ok".into()).await.unwrap();
    }
    db.audit_record(audit_of("revoke", "bob"), 109, "403 forbidden".into())
        .await
        .unwrap();
    let all = all_audit(&db).await;
    assert_eq!(all.len(), 10);
    assert_eq!(
        all.iter().map(|e| e.time).collect::<Vec<_>>(),
        (100..110).rev().collect::<Vec<_>>(),
        "newest first"
    );
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    assert_eq!(all[0].result, "403 forbidden");
    assert_eq!(all[9].token_id.as_deref(), Some("boot0"));
    // Paging: disjoint pages that cover everything, the cursor None at the end.
    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..10 {
        let f = AuditFilter {
            before_seq: cursor,
            ..AuditFilter::default()
        };
        let (page, next) = db.audit_list(f, 3).await.unwrap();
        assert!(page.len() <= 3);
        seen.extend(page.into_iter().map(|e| e.time));
        cursor = next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, (100..110).rev().collect::<Vec<_>>());
    let times = |f: AuditFilter| {
        let db = &db;
        async move {
            let (page, next) = db.audit_list(f, 100).await.unwrap();
            assert_eq!(next, None);
            page.into_iter().map(|e| e.time).collect::<Vec<_>>()
        }
    };
    let f = AuditFilter::default;
    assert_eq!(
        times(AuditFilter {
            actor: Some("alice".into()),
            ..f()
        })
        .await,
        [107, 105, 103]
    );
    assert_eq!(
        times(AuditFilter {
            action: Some("revoke".into()),
            ..f()
        })
        .await,
        [109, 108, 106, 104]
    );
    assert_eq!(
        times(AuditFilter {
            token_id: Some("t1".into()),
            ..f()
        })
        .await,
        [107, 104]
    );
    assert_eq!(
        times(AuditFilter {
            since: Some(107),
            action: Some("create".into()),
            ..f()
        })
        .await,
        [107]
    );
    assert_eq!(db.audit_prune(104).await.unwrap(), 4);
    assert_eq!(db.audit_prune(104).await.unwrap(), 0);
    assert_eq!(times(f()).await, (104..110).rev().collect::<Vec<_>>());
}

async fn meta_is_set_and_replaced(place: Place) {
    let db = place.open().await;
    assert_eq!(db.meta("admin_token_file".into()).await.unwrap(), None);
    let meta = |value: &str| Write::Meta {
        key: "admin_token_file".into(),
        value: value.into(),
    };
    assert!(
        db.apply_if_empty(vec![user("admin", true), meta("/a")])
            .await
            .unwrap()
    );
    assert_eq!(
        db.meta("admin_token_file".into()).await.unwrap().as_deref(),
        Some("/a")
    );
    db.apply(vec![meta("/b")]).await.unwrap();
    db.apply(vec![meta("/c"), meta("/d")]).await.unwrap();
    assert_eq!(
        db.meta("admin_token_file".into()).await.unwrap().as_deref(),
        Some("/d")
    );
    // service_id lives in the same table and is not disturbed.
    let id = db.service_id("01id".into()).await.unwrap();
    db.apply(vec![meta("/e")]).await.unwrap();
    assert_eq!(db.service_id("01other".into()).await.unwrap(), id);
}

fn expired<T>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::CallerExpired))
}

async fn expired_caller_is_refused_by_every_write(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("alice-cli", "alice", 1, Some(now() - 1), "")).await;
    create(&db, token("victim", "alice", 1, None, "")).await;
    let me = || Some("alice-cli".to_owned());
    assert!(expired(create_as(&db, "x", me()).await));
    assert!(expired(
        db.revoke_if("victim".into(), now(), me(), |_| true).await
    ));
    assert!(expired(
        db.revoke_by_hash_if(hash("secret-of-victim"), now(), me(), |_| true, None)
            .await
    ));
    assert!(expired(
        db.refresh_token(refresh_req("R1", None, "alice", "y", "R2"))
            .await
    ));
    assert!(expired(
        db.update_if(
            "demo".into(),
            "d-01".into(),
            DevicePatch::default(),
            me(),
            |_| Ok::<_, StoreError>(())
        )
        .await
    ));
    assert!(expired(
        db.delete_if("demo".into(), "d-01".into(), me(), |_| {
            Ok::<_, StoreError>(())
        })
        .await
    ));
    assert!(db.token_by_id("victim".into()).await.unwrap().is_some());
    assert!(db.token_by_id("x".into()).await.unwrap().is_none());
    assert!(
        db.device("demo".into(), "d-01".into())
            .await
            .unwrap()
            .is_some()
    );
    // Revoked and expired: revoked is the answer.
    db.revoke_if("alice-cli".into(), now(), None, |_| true)
        .await
        .unwrap();
    assert!(matches!(
        create_as(&db, "x", me()).await,
        Err(StoreError::CallerRevoked)
    ));
}

/// A refresh held to `grace` seconds after the expiry and a chain of at most `chain` seconds.
fn limited_refresh(
    refresh: &str,
    new_id: &str,
    next: &str,
    grace: u64,
    chain: Option<u64>,
) -> Refresh {
    Refresh {
        limits: RefreshLimits { grace, chain },
        ..refresh_req(refresh, None, "alice", new_id, next)
    }
}

async fn refresh_lapses_after_the_grace_and_at_the_chain_end(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("alice-cli", "alice", now(), None, "")).await;
    // Expired 5,000 s ago: lapsed under a one-hour grace (nothing changes), fine under 6,000 s.
    let t0 = now();
    db.create_token(CreateToken {
        refresh_hash: Some(hash("G1")),
        ..request(token("g1r", "alice", t0 - 10_000, Some(t0 - 5_000), "late"))
    })
    .await
    .unwrap();
    assert!(
        db.refresh_token(limited_refresh("G1", "g2r", "G2", 3_600, None))
            .await
            .unwrap()
            .is_none(),
        "past expiry + grace: like an unknown refresh token"
    );
    assert!(db.token_by_id("g1r".into()).await.unwrap().is_some());
    assert!(all_audit(&db).await.is_empty(), "nothing refreshed");
    let late = db
        .refresh_token(limited_refresh("G1", "g2r", "G2", 6_000, None))
        .await
        .unwrap()
        .expect("within the grace");
    assert_eq!(late.lifetime, Some(5_000), "the lifetime length is kept");

    // A chain of 1,000 s that began 100 s ago: the one-hour lifetime is cut at its end, and
    // the next refresh cannot move that end.
    let t0 = now();
    db.create_token(CreateToken {
        refresh_hash: Some(hash("C1")),
        ..request(token("c1r", "alice", t0 - 100, Some(t0 + 3_500), "chain"))
    })
    .await
    .unwrap();
    let end = t0 - 100 + 1_000;
    for (refresh, new_id, next) in [("C1", "c2r", "C2"), ("C2", "c3r", "C3")] {
        let done = db
            .refresh_token(limited_refresh(refresh, new_id, next, 0, Some(1_000)))
            .await
            .unwrap()
            .expect("within the chain");
        let row = db.token_by_id(new_id.into()).await.unwrap().expect("live");
        assert_eq!(row.expiry, Some(end), "{new_id}: cut at the chain's end");
        assert_eq!(done.lifetime, Some((end - row.issued_at) as u64));
    }
    // A chain whose end has passed (50 s from an issue 100 s ago): lapsed.
    assert!(
        db.refresh_token(limited_refresh("C3", "c4r", "C4", 0, Some(50)))
            .await
            .unwrap()
            .is_none()
    );
    assert!(db.token_by_id("c3r".into()).await.unwrap().is_some());
}

async fn a_disabled_users_tokens_are_refused(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    db.apply(vec![Write::User(UserInfo {
        status: Some("disabled".into()),
        ..match user("carol", false) {
            Write::User(u) => u,
            _ => unreachable!(),
        }
    })])
    .await
    .unwrap();
    create(&db, token("carol-cli", "carol", 1, None, "")).await;
    create(&db, token("alice-cli", "alice", 1, None, "")).await;
    let auth = |secret: &'static str| {
        let db = &db;
        async move {
            db.auth_by_hash(hash(secret))
                .await
                .unwrap()
                .expect("known")
                .user
        }
    };
    assert_eq!(auth("secret-of-carol-cli").await, UserState::Disabled);
    assert_eq!(auth("secret-of-alice-cli").await, UserState::Enabled);
    let carol = Some("carol-cli".to_owned());
    assert!(matches!(
        db.revoke_if("alice-cli".into(), now(), carol.clone(), |_| true)
            .await,
        Err(StoreError::CallerDisabled)
    ));
    assert!(matches!(
        db.update_if(
            "demo".into(),
            "d-01".into(),
            DevicePatch::default(),
            carol,
            |_| Ok::<_, StoreError>(())
        )
        .await,
        Err(StoreError::CallerDisabled)
    ));
    // A capped create (on PostgreSQL it locks the user row for its cap check at once).
    let capped = db
        .create_token(CreateToken {
            caller: Some("carol-cli".into()),
            limited: Some(10),
            ..request(token("carol-2", "carol", now(), None, ""))
        })
        .await;
    assert!(
        matches!(capped, Err(StoreError::CallerDisabled)),
        "{capped:?}"
    );
    assert!(db.token_by_id("alice-cli".into()).await.unwrap().is_some());
    assert!(db.token_by_id("carol-2".into()).await.unwrap().is_none());
    let users = db.user("carol".into()).await.unwrap().expect("carol");
    assert_eq!(users.status.as_deref(), Some("disabled"));
}

/// Capped creates and a refresh of their caller token, all at once through two pools: each
/// write locks its caller's token and user rows, a capped create then its user's row for the
/// cap and the refresh the token row for the update. Every one ends as it should; none fails
/// (on PostgreSQL a lock-order cycle would abort one with "deadlock detected").
async fn capped_creates_and_a_refresh_by_one_caller_never_deadlock(place: Place) {
    let a = place.open().await;
    let b = place.open().await;
    a.apply(world()).await.unwrap();
    for round in 0..10 {
        let caller = format!("caller{round}r");
        a.create_token(CreateToken {
            refresh_hash: Some(hash(&format!("R{round}"))),
            ..request(token(&caller, "alice", now(), Some(now() + 3_600), ""))
        })
        .await
        .unwrap();
        let creates = (0..4).map(|i| {
            let db = if i % 2 == 0 { &a } else { &b };
            db.create_token(CreateToken {
                caller: Some(caller.clone()),
                limited: Some(1_000),
                ..request(token(&format!("c{round}-{i}"), "alice", now(), None, ""))
            })
        });
        let refresh = b.refresh_token(Refresh {
            caller: caller.clone(),
            ..refresh_req(
                &format!("R{round}"),
                None,
                "alice",
                &format!("next{round}r"),
                &format!("N{round}"),
            )
        });
        let (created, refreshed) = tokio::join!(futures_util::future::join_all(creates), refresh);
        assert!(
            matches!(refreshed, Ok(Some(_))),
            "round {round}: {refreshed:?}"
        );
        for r in created {
            assert!(
                matches!(r, Ok(CreateCheck::Created) | Err(StoreError::CallerRevoked)),
                "round {round}: {r:?}"
            );
        }
    }
}
