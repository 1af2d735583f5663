//! The admin operations of issue 17 on both backends (the `conformance!` cases of
//! `store_conformance.rs`): users, the last-admin rule (with a race), removal of a user with
//! its tokens. Projects and membership: `store_admin_projects.rs`; fleets, devices and the
//! import: `store_admin_devices.rs`.
//! Every refusal is checked to write nothing (no row, no audit row).

use crate::common::db_calls::Plain;
use crate::store_conformance::{
    Place, all_audit, audit_of, conformance, create, hash, now, on, token, world,
};

use tokentab::service::StoreError;
use tokentab::service::store::admin::{Acting, NewUser, Refusal, UserChange};
use tokentab::service::store::backend::Db;
use tokentab::service::store::tokens::{NewToken, UserState};

conformance!(
    store_admin_users_add_update_disable_enable,
    store_admin_last_admin_is_kept,
    store_admin_last_admin_race_keeps_one,
    store_admin_two_admins_disabling_each_other,
    store_admin_user_remove_revokes_each_token,
);

// ---- helpers (the other store_admin_* files use them too) -----------------------------------------------

/// The admin acting through its token `admin-cli` (created by [`admin_world`]).
pub(crate) fn by_admin() -> Acting {
    Acting {
        caller: Some("admin-cli".into()),
        caller_user: None,
        audit: Some(audit_of("", "admin")),
    }
}

/// `world()` and the admin's token.
pub(crate) async fn admin_world(place: &Place) -> Db {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("admin-cli", "admin", now(), None, "")).await;
    db
}

/// The refusal inside `r`, or a panic saying what came instead.
pub(crate) fn refusal<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Refusal {
    match r {
        Err(StoreError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Audit rows oldest first: (action, description, token id).
pub(crate) async fn trail(db: &Db) -> Vec<(String, Option<String>, Option<String>)> {
    let mut rows: Vec<_> = all_audit(db)
        .await
        .into_iter()
        .map(|e| (e.action, e.description, e.token_id))
        .collect();
    rows.reverse();
    rows
}

pub(crate) fn row(action: &str, description: &str) -> (String, Option<String>, Option<String>) {
    (action.into(), Some(description.into()), None)
}

/// A token of `user` with `scope` (and `project`).
pub(crate) fn scoped(id: &str, user: &str, scope: &str, project: Option<&str>) -> NewToken {
    NewToken {
        scope: scope.into(),
        project_key: project.map(str::to_owned),
        ..token(id, user, now(), None, &format!("desc of {id}"))
    }
}

/// Whether project demo has the device `id`.
pub(crate) async fn has_device(db: &Db, id: &str) -> bool {
    db.device("demo".into(), id.into()).await.unwrap().is_some()
}

/// Creates a [`scoped`] token for each `(id, user, scope, project)`.
pub(crate) async fn create_scoped(db: &Db, tokens: &[(&str, &str, &str, Option<&str>)]) {
    for (id, user, scope, project) in tokens {
        create(db, scoped(id, user, scope, *project)).await;
    }
}

fn new_user(name: &str, admin: bool) -> NewUser {
    NewUser {
        username: name.into(),
        email: Some(format!("{name}@example.com")),
        admin,
    }
}

fn disable(on: bool) -> UserChange {
    UserChange {
        disabled: Some(on),
        ..UserChange::default()
    }
}

// ---- users -------------------------------------------------------------------------------

async fn store_admin_users_add_update_disable_enable(place: Place) {
    let db = admin_world(&place).await;
    let carol = db
        .user_add(new_user("carol", false), by_admin())
        .await
        .unwrap();
    assert_eq!(carol.username, "carol");
    assert_eq!(carol.email.as_deref(), Some("carol@example.com"));
    assert_eq!(carol.admin, Some(false));
    assert_eq!(carol.status.as_deref(), Some("enabled"));
    assert_eq!(carol.realm.as_deref(), Some("internal"));
    let dup = refusal(db.user_add(new_user("carol", true), by_admin()).await);
    assert_eq!(
        dup,
        Refusal::Conflict("user \"carol\" already exists".into())
    );
    assert_eq!(
        db.user("carol".into()).await.unwrap().unwrap().admin,
        Some(false)
    );
    db.user_add(new_user("dave", true), by_admin())
        .await
        .unwrap();

    create(&db, token("carol-cli", "carol", now(), None, "")).await;
    let change = UserChange {
        email: Some(None),
        ..UserChange::default()
    };
    let carol = db
        .user_update("carol".into(), change, by_admin())
        .await
        .unwrap();
    assert_eq!(carol.email, None);
    let e0 = db.revocation_epoch().await.unwrap();
    let carol = db
        .user_update("carol".into(), disable(true), by_admin())
        .await
        .unwrap();
    assert_eq!(carol.status.as_deref(), Some("disabled"));
    assert!(
        db.revocation_epoch().await.unwrap() > e0,
        "a disable bumps the epoch"
    );
    let auth = db
        .auth_by_hash(hash("secret-of-carol-cli"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(auth.user, UserState::Disabled);
    let row_of = db.token_by_id("carol-cli".into()).await.unwrap().unwrap();
    assert!(
        row_of.user_disabled,
        "the token row shows its user disabled"
    );
    assert!(
        !db.token_by_id("admin-cli".into())
            .await
            .unwrap()
            .unwrap()
            .user_disabled
    );
    let (disabled, _) = db.users_page(None, None, 10, Some(true)).await.unwrap();
    assert_eq!(
        disabled
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["carol"]
    );
    let (enabled, _) = db.users_page(None, None, 10, Some(false)).await.unwrap();
    assert!(enabled.iter().all(|u| u.username != "carol") && enabled.len() == 4);
    // Disabling twice changes nothing and writes no row.
    db.user_update("carol".into(), disable(true), by_admin())
        .await
        .unwrap();
    let carol = db
        .user_update("carol".into(), disable(false), by_admin())
        .await
        .unwrap();
    assert_eq!(carol.status.as_deref(), Some("enabled"));
    let auth = db
        .auth_by_hash(hash("secret-of-carol-cli"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(auth.user, UserState::Enabled);
    let promote = UserChange {
        admin: Some(true),
        email: Some(Some("c@example.org".into())),
        ..UserChange::default()
    };
    let carol = db
        .user_update("carol".into(), promote, by_admin())
        .await
        .unwrap();
    assert_eq!(carol.admin, Some(true));
    let missing = refusal(
        db.user_update("zed".into(), disable(true), by_admin())
            .await,
    );
    assert_eq!(missing, Refusal::Missing("unknown user \"zed\"".into()));
    assert_eq!(
        trail(&db).await,
        [
            row("user_add", "carol"),
            row("user_add", "dave (admin)"),
            row("user_update", "carol: email cleared"),
            row("user_disable", "carol"),
            row("user_enable", "carol"),
            row("user_update", "carol: email changed, made admin"),
        ]
    );
    // A revoked caller changes nothing.
    db.revoke_if("admin-cli".into(), now(), None, |_| true)
        .await
        .unwrap();
    let r = db.user_add(new_user("erin", false), by_admin()).await;
    assert!(matches!(r, Err(StoreError::CallerRevoked)), "{r:?}");
    assert!(db.user("erin".into()).await.unwrap().is_none());
}

async fn store_admin_last_admin_is_kept(place: Place) {
    let db = admin_world(&place).await;
    let last =
        Refusal::Conflict("admin is the last enabled admin: make another user admin first".into());
    let demote = UserChange {
        admin: Some(false),
        ..UserChange::default()
    };
    assert_eq!(
        refusal(
            db.user_update("admin".into(), demote.clone(), by_admin())
                .await
        ),
        last
    );
    assert_eq!(
        refusal(
            db.user_update("admin".into(), disable(true), by_admin())
                .await
        ),
        last
    );
    assert_eq!(
        refusal(db.user_remove("admin".into(), by_admin()).await),
        last
    );
    assert!(
        trail(&db).await.is_empty(),
        "a refused change writes no audit row"
    );
    let admin = db.user("admin".into()).await.unwrap().unwrap();
    assert_eq!(
        (admin.admin, admin.status.as_deref()),
        (Some(true), Some("enabled"))
    );
    // A disabled admin does not count.
    db.user_add(new_user("dave", true), by_admin())
        .await
        .unwrap();
    db.user_update("dave".into(), disable(true), by_admin())
        .await
        .unwrap();
    assert_eq!(
        refusal(
            db.user_update("admin".into(), disable(true), by_admin())
                .await
        ),
        last
    );
    // With another enabled admin, the first may go.
    db.user_update("dave".into(), disable(false), by_admin())
        .await
        .unwrap();
    db.user_update("admin".into(), demote, by_admin())
        .await
        .unwrap();
    let dave_last =
        Refusal::Conflict("dave is the last enabled admin: make another user admin first".into());
    assert_eq!(
        refusal(db.user_remove("dave".into(), by_admin()).await),
        dave_last
    );
}

/// The admin world with alice made an admin too, and a second pool on it.
async fn two_admins_two_pools(place: &Place) -> (Db, Db) {
    let a = admin_world(place).await;
    let b = place.open().await;
    let promote = UserChange {
        admin: Some(true),
        ..UserChange::default()
    };
    a.user_update("alice".into(), promote, Acting::default())
        .await
        .unwrap();
    (a, b)
}

/// Both admins enabled again after a round.
async fn enable_admin_and_alice(db: &Db) {
    for name in ["admin", "alice"] {
        db.user_update(name.into(), disable(false), Acting::default())
            .await
            .unwrap();
    }
}

/// Two admins each disabled at once through two pools (two processes or replicas): one
/// disable wins, the other is refused, and one enabled admin always stays.
async fn store_admin_last_admin_race_keeps_one(place: Place) {
    let (a, b) = two_admins_two_pools(&place).await;
    for round in 0..8 {
        let (x, y) = tokio::join!(
            a.user_update("admin".into(), disable(true), Acting::default()),
            b.user_update("alice".into(), disable(true), Acting::default()),
        );
        let refused = [&x, &y]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Refused(Refusal::Conflict(_)))))
            .count();
        assert!(
            refused == 1 && (x.is_ok() || y.is_ok()),
            "round {round}: {x:?} {y:?}"
        );
        let (enabled, _) = a.users_page(None, None, 10, Some(false)).await.unwrap();
        let admins = enabled.iter().filter(|u| u.admin == Some(true)).count();
        assert_eq!(admins, 1, "round {round}");
        enable_admin_and_alice(&a).await;
    }
}

/// Two admins, each through its own token, disable each other at once: one wins; the other
/// is refused (the last admin, or its own user now disabled), never aborted as a deadlock.
async fn store_admin_two_admins_disabling_each_other(place: Place) {
    let (a, b) = two_admins_two_pools(&place).await;
    create(&a, token("alice-cli", "alice", now(), None, "")).await;
    let as_user = |caller: &str| Acting {
        caller: Some(caller.into()),
        caller_user: None,
        audit: Some(audit_of("", caller)),
    };
    for round in 0..8 {
        let (x, y) = tokio::join!(
            a.user_update("admin".into(), disable(true), as_user("alice-cli")),
            b.user_update("alice".into(), disable(true), as_user("admin-cli")),
        );
        let lost = |r: &Result<_, StoreError>| {
            matches!(
                r,
                Err(StoreError::Refused(Refusal::Conflict(_)) | StoreError::CallerDisabled)
            )
        };
        assert!(
            (x.is_ok() && lost(&y)) || (y.is_ok() && lost(&x)),
            "round {round}: {x:?} {y:?}"
        );
        enable_admin_and_alice(&a).await;
    }
}

async fn store_admin_user_remove_revokes_each_token(place: Place) {
    let db = admin_world(&place).await;
    create_scoped(
        &db,
        &[
            ("al-1", "alice", "applied-permissions/user", None),
            ("al-2", "alice", "connect:project:demo:r", Some("demo")),
            ("al-gone", "alice", "applied-permissions/user", None),
        ],
    )
    .await;
    create(&db, token("al-old", "alice", 1, Some(2), "expired")).await;
    db.revoke_if("al-gone".into(), now(), None, |_| true)
        .await
        .unwrap();
    let missing = refusal(db.user_remove("zed".into(), by_admin()).await);
    assert_eq!(missing, Refusal::Missing("unknown user \"zed\"".into()));
    let e0 = db.revocation_epoch().await.unwrap();
    let gone = db.user_remove("alice".into(), by_admin()).await.unwrap();
    assert_eq!((gone.username.as_str(), gone.tokens_revoked), ("alice", 2));
    assert!(db.revocation_epoch().await.unwrap() > e0);
    assert!(db.user("alice".into()).await.unwrap().is_none());
    for id in ["al-1", "al-2", "al-gone", "al-old"] {
        let secret = format!("secret-of-{id}");
        assert!(
            db.auth_by_hash(hash(&secret)).await.unwrap().is_none(),
            "{id}"
        );
    }
    let members = db.members("demo".into()).await.unwrap().unwrap();
    assert!(members.iter().all(|m| m.name != "alice"), "{members:?}");
    let revoke = |id: &str| {
        (
            "revoke".to_owned(),
            Some(format!("desc of {id}")),
            Some(id.to_owned()),
        )
    };
    assert_eq!(
        trail(&db).await,
        [
            revoke("al-1"),
            revoke("al-2"),
            row("user_remove", "alice: 2 live tokens revoked"),
        ]
    );
    // The name can be taken again, with nothing of the old user.
    db.user_add(new_user("alice", false), by_admin())
        .await
        .unwrap();
    assert_eq!(db.members("lab".into()).await.unwrap().unwrap(), []);
}
