//! The admin operations of issue 17 on both backends, continued: projects (add, remove with
//! and without force), membership (put, update, remove), and every admin write refusing a
//! revoked caller with nothing written.

use crate::common::db_calls::Plain;
use crate::store_admin::{admin_world, by_admin, create_scoped, has_device, refusal, row, trail};
use crate::store_conformance::{Place, conformance, on};

use tokentab::model::admin::Member;
use tokentab::model::wire::DeviceInfo;
use tokentab::model::wire::ProjectInfo;
use tokentab::service::StoreError;
use tokentab::service::store::admin::{ImportRow, NewUser, Refusal, UserChange};

conformance!(
    store_admin_projects_add_and_remove,
    store_admin_members_put_update_remove,
    store_admin_writes_refuse_a_revoked_caller,
);

// ---- projects and membership ---------------------------------------------------------------

fn project(key: &str) -> ProjectInfo {
    ProjectInfo {
        project_key: key.into(),
        display_name: key.to_uppercase(),
        description: format!("the {key} project"),
    }
}

async fn store_admin_projects_add_and_remove(place: Place) {
    let db = admin_world(&place).await;
    assert_eq!(
        db.project_add(project("iot"), by_admin()).await.unwrap(),
        project("iot")
    );
    assert_eq!(
        db.project("iot".into()).await.unwrap(),
        Some(project("iot"))
    );
    assert_eq!(db.project("nope".into()).await.unwrap(), None);
    let dup = refusal(db.project_add(project("iot"), by_admin()).await);
    assert_eq!(
        dup,
        Refusal::Conflict("project \"iot\" already exists".into())
    );
    // lab: a member, nothing else.
    let lab = db
        .project_remove("lab".into(), false, by_admin())
        .await
        .unwrap();
    assert_eq!(
        (lab.members_removed, lab.tokens_revoked, lab.devices_deleted),
        (1, 0, 0)
    );
    assert!(!db.project_exists("lab".into()).await.unwrap());
    // demo: 12 devices, 2 fleets, tokens naming it three ways, and look-alikes that do not.
    create_scoped(
        &db,
        &[
            ("p-key", "alice", "applied-permissions/user", Some("demo")),
            ("p-fleet", "alice", "connect:fleet:demo/edge:r", None),
            ("p-dev", "bob", "connect:device:demo/d-01:rw", None),
            (
                "p-other",
                "bob",
                "connect:project:demo-2:r connect:fleet:demo-2/edge:r",
                None,
            ),
            ("p-iot", "bob", "connect:project:iot:r", Some("iot")),
        ],
    )
    .await;
    let in_use = refusal(db.project_remove("demo".into(), false, by_admin()).await);
    assert_eq!(
        in_use,
        Refusal::Conflict(
            "project \"demo\" is in use: 3 live tokens and 12 devices name it; revoke and delete \
             them, or delete with force (revokes the tokens, deletes the devices and fleets)"
                .into()
        )
    );
    assert_eq!(db.fleets("demo".into()).await.unwrap().unwrap().len(), 2);
    assert!(db.token_by_id("p-key".into()).await.unwrap().is_some());
    let gone = db
        .project_remove("demo".into(), true, by_admin())
        .await
        .unwrap();
    assert_eq!(
        (
            gone.tokens_revoked,
            gone.devices_deleted,
            gone.fleets_deleted,
            gone.members_removed
        ),
        (3, 12, 2, 1)
    );
    for (id, live) in [
        ("p-key", false),
        ("p-fleet", false),
        ("p-dev", false),
        ("p-other", true),
        ("p-iot", true),
    ] {
        assert_eq!(
            db.token_by_id(id.into()).await.unwrap().is_some(),
            live,
            "{id}"
        );
    }
    assert_eq!(db.fleets("demo".into()).await.unwrap(), None);
    let missing = refusal(db.project_remove("demo".into(), true, by_admin()).await);
    assert_eq!(missing, Refusal::Missing("unknown project \"demo\"".into()));
    let revoked: Vec<_> = trail(&db)
        .await
        .into_iter()
        .filter(|r| r.0 == "revoke")
        .filter_map(|r| r.2)
        .collect();
    assert_eq!(revoked, ["p-key", "p-fleet", "p-dev"]);
    let t = trail(&db).await;
    assert_eq!(t[0], row("project_add", "iot"));
    assert_eq!(
        t[1],
        row(
            "project_remove",
            "lab: 0 live tokens revoked, 0 devices and 0 fleets deleted, 1 member removed"
        )
    );
    assert_eq!(
        t.last().unwrap(),
        &row(
            "project_remove",
            "demo: 3 live tokens revoked, 12 devices and 2 fleets deleted, 1 member removed"
        )
    );
}

async fn store_admin_members_put_update_remove(place: Place) {
    let db = admin_world(&place).await;
    let bob = |roles: &[&str]| Member {
        name: "bob".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    let e0 = db.revocation_epoch().await.unwrap();
    assert_eq!(
        db.member_put("demo".into(), bob(&[]), by_admin())
            .await
            .unwrap(),
        bob(&[])
    );
    assert!(
        db.revocation_epoch().await.unwrap() > e0,
        "a new member bumps the epoch"
    );
    db.member_put("demo".into(), bob(&[]), by_admin())
        .await
        .unwrap();
    db.member_put("demo".into(), bob(&["dev", "ops"]), by_admin())
        .await
        .unwrap();
    let members = db.members("demo".into()).await.unwrap().unwrap();
    assert_eq!(
        members,
        [
            Member {
                name: "alice".into(),
                roles: vec![]
            },
            bob(&["dev", "ops"]),
        ]
    );
    assert_eq!(db.members("nope".into()).await.unwrap(), None);
    let unknown_user = Member {
        name: "zed".into(),
        roles: vec![],
    };
    assert_eq!(
        refusal(db.member_put("demo".into(), unknown_user, by_admin()).await),
        Refusal::Missing("unknown user \"zed\"".into())
    );
    assert_eq!(
        refusal(db.member_put("nope".into(), bob(&[]), by_admin()).await),
        Refusal::Missing("unknown project \"nope\"".into())
    );
    let e1 = db.revocation_epoch().await.unwrap();
    db.member_remove("demo".into(), "bob".into(), by_admin())
        .await
        .unwrap();
    assert!(
        db.revocation_epoch().await.unwrap() > e1,
        "a removal bumps the epoch"
    );
    assert_eq!(
        refusal(
            db.member_remove("demo".into(), "bob".into(), by_admin())
                .await
        ),
        Refusal::Missing("bob is not a member of project demo".into())
    );
    assert_eq!(
        refusal(
            db.member_remove("demo".into(), "zed".into(), by_admin())
                .await
        ),
        Refusal::Missing("unknown user \"zed\"".into())
    );
    assert_eq!(
        trail(&db).await,
        [
            row("member_add", "bob in demo"),
            row("member_update", "bob in demo (roles: dev, ops)"),
            row("member_remove", "bob from demo"),
        ]
    );
}

/// Each admin write re-checks its caller in its own transaction: a revoked one changes nothing
/// and writes no audit row.
async fn store_admin_writes_refuse_a_revoked_caller(place: Place) {
    let db = admin_world(&place).await;
    db.revoke_if(
        "admin-cli".into(),
        crate::store_conformance::now(),
        None,
        |_| true,
    )
    .await
    .unwrap();
    let revoked = |r: Result<(), StoreError>, what: &str| {
        assert!(matches!(r, Err(StoreError::CallerRevoked)), "{what}: {r:?}");
    };
    let user = NewUser {
        username: "zoe".into(),
        email: None,
        admin: false,
    };
    revoked(db.user_add(user, by_admin()).await.map(drop), "user_add");
    let off = UserChange {
        disabled: Some(true),
        ..UserChange::default()
    };
    revoked(
        db.user_update("bob".into(), off, by_admin())
            .await
            .map(drop),
        "user_update",
    );
    revoked(
        db.user_remove("bob".into(), by_admin()).await.map(drop),
        "user_remove",
    );
    revoked(
        db.project_add(project("iot"), by_admin()).await.map(drop),
        "project_add",
    );
    revoked(
        db.project_remove("lab".into(), true, by_admin())
            .await
            .map(drop),
        "project_remove",
    );
    let bob = Member {
        name: "bob".into(),
        roles: vec![],
    };
    revoked(
        db.member_put("demo".into(), bob, by_admin())
            .await
            .map(drop),
        "member_put",
    );
    revoked(
        db.member_remove("demo".into(), "alice".into(), by_admin())
            .await,
        "member_remove",
    );
    revoked(
        db.fleet_add("demo".into(), "rpi".into(), by_admin())
            .await
            .map(drop),
        "fleet_add",
    );
    revoked(
        db.fleet_remove("demo".into(), "edge".into(), true, by_admin())
            .await
            .map(drop),
        "fleet_remove",
    );
    let dev = DeviceInfo {
        device_uuid: "d-new".into(),
        device_name: "new".into(),
        project: "demo".into(),
        group: "edge".into(),
        description: String::new(),
        tags: vec![],
        device_ip: None,
        agent_version: None,
    };
    revoked(db.device_add(dev, by_admin()).await.map(drop), "device_add");
    let rows = vec![ImportRow {
        line: 2,
        device_uuid: "d-imp".into(),
        generated_uuid: false,
        device_name: "imp".into(),
        fleet: "edge".into(),
        tags: vec![],
        description: String::new(),
    }];
    revoked(
        db.devices_import("demo".into(), rows, false, by_admin())
            .await
            .map(drop),
        "devices_import",
    );
    assert!(trail(&db).await.is_empty());
    let bob = db.user("bob".into()).await.unwrap().unwrap();
    assert_eq!(bob.status.as_deref(), Some("enabled"));
    assert!(db.project_exists("lab".into()).await.unwrap());
    assert_eq!(db.members("demo".into()).await.unwrap().unwrap().len(), 1);
    assert_eq!(db.fleets("demo".into()).await.unwrap().unwrap().len(), 2);
    assert!(!has_device(&db, "d-new").await, "d-new gone");
    assert!(!has_device(&db, "d-imp").await, "d-imp gone");
}
