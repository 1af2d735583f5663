//! `Db::device_with_epoch` (the device GET's one read, "One statement for both" in
//! `src/service/revocation.rs`) on both backends, as `conformance!` cases of
//! `store_conformance.rs`. On PostgreSQL concurrent reads are answered together by one
//! statement (`src/service/store/pg/device_batch.rs`): each must still get its own device (or
//! none) beside the current epoch, and a read after a revoke committed elsewhere (another
//! replica) must return that revoke's epoch.

use crate::common::db_calls::Plain;
use crate::store_conformance::{Place, conformance, create, on, token, world};

use tokentab::service::store::backend::RevokeOutcome;

conformance!(store_device_epoch_concurrent_reads_get_their_own_device_and_the_epoch,);

async fn store_device_epoch_concurrent_reads_get_their_own_device_and_the_epoch(place: Place) {
    let db = place.open().await;
    db.apply(world()).await.unwrap();
    create(&db, token("t-dev", "alice", 100, None, "")).await;
    let e0 = db.revocation_epoch().await.unwrap();
    // Devices d-00..d-11 exist in project demo only; every fourth read asks for one that does
    // not exist, every fourth for an existing id in the wrong project.
    let asks: Vec<(String, String)> = (0..64)
        .map(|i| match i % 4 {
            0 => ("demo".to_owned(), format!("missing-{i}")),
            1 => ("lab".to_owned(), format!("d-{:02}", i % 12)),
            _ => ("demo".to_owned(), format!("d-{:02}", i % 12)),
        })
        .collect();
    let answers = futures_util::future::join_all(
        asks.iter()
            .map(|(p, u)| db.device_with_epoch(p.clone(), u.clone())),
    )
    .await;
    for ((project, uuid), answer) in asks.iter().zip(answers) {
        let (epoch, device) = answer.unwrap();
        assert_eq!(epoch, e0, "{project}/{uuid}");
        let exists = project == "demo" && uuid.starts_with("d-");
        match device {
            Some(d) => {
                assert!(exists, "{project}/{uuid} answered with {d:?}");
                assert_eq!((&d.project, &d.device_uuid), (project, uuid));
            }
            None => assert!(!exists, "{project}/{uuid} not found"),
        }
    }

    // A revoke committed through another open of the database (another replica): the next
    // read here returns its epoch.
    let other = place.open().await;
    assert_eq!(
        other
            .revoke_if("t-dev".into(), 200, None, |_| true)
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    let e1 = other.revocation_epoch().await.unwrap();
    assert!(e1 > e0, "the revoke bumped the epoch: {e0} -> {e1}");
    let (epoch, device) = db
        .device_with_epoch("demo".into(), "d-05".into())
        .await
        .unwrap();
    assert_eq!(epoch, e1, "a read after the revoke's commit sees its epoch");
    assert_eq!(device.expect("d-05").device_uuid, "d-05");
}
