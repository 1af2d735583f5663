//! At rest: the data dir is the owner's (created 0700; a group- or world-writable one refused
//! with the fix), and so is a `--db` elsewhere (its directory writable by others, sticky or not,
//! a database or -wal owned by another user, a symbolic link: each refused with exit 2 and the
//! fix, nothing changed); the database and its -wal and -shm are 0600 whatever the umask (real
//! `serve` children started under umask 000 and 022), and the WAL stays bounded under sustained
//! creates and is given back once they stop.

mod disk;
mod pg_unwritable;

use crate::common::service as svc;
use crate::common::service::child as serve_child;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use serve_child::mode;

async fn create(http: &reqwest::Client, base: &str, admin: &str, description: &str) {
    let resp = http
        .post(format!("{base}/access/api/v1/tokens"))
        .bearer_auth(admin)
        .json(&json!({"description": description, "expires_in": 3600}))
        .send()
        .await
        .expect("create");
    assert!(resp.status().is_success(), "{}", resp.status());
}

#[tokio::test]
async fn files_are_private_under_umask_000_and_022() {
    for umask in ["000", "022"] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let db = dir.path().join("db").join("tokentab.db");
        let s = serve_child::start(
            &[
                "--listen",
                "127.0.0.1:0",
                "--no-seed",
                "--data-dir",
                data.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
            ],
            Some(umask),
        )
        .await;
        let admin = std::fs::read_to_string(data.join("admin.token")).unwrap();
        // A write, so that SQLite has made its -wal and -shm files.
        create(&svc::client(), &s.url, admin.trim(), "at rest").await;
        let wal = dir.path().join("db").join("tokentab.db-wal");
        let shm = dir.path().join("db").join("tokentab.db-shm");
        assert!(
            wal.exists() && shm.exists(),
            "umask {umask}: WAL files made"
        );
        assert_eq!(mode(&data), 0o700, "umask {umask}: data dir");
        assert_eq!(mode(db.parent().unwrap()), 0o700, "umask {umask}: db dir");
        for f in [data.join("admin.token"), db.clone(), wal, shm] {
            assert_eq!(mode(&f), 0o600, "umask {umask}: {}", f.display());
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn files_left_open_by_an_older_version_are_narrowed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("tokentab.db");
    // Its subject is the SQLite file, so it names it (on a PostgreSQL run too).
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--no-seed",
        "--data-dir",
        data.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ];
    let s = serve_child::start(&args, None).await;
    s.stop().await;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let s = serve_child::start(&args, Some("022")).await;
    assert_eq!(mode(&db), 0o600);
    s.stop().await;
}

#[tokio::test]
async fn a_data_dir_others_can_write_is_refused_with_the_fix() {
    for m in [0o770, 0o707, 0o777] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(m)).unwrap();
        let out = serve_child::refused(&[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{m:o}: {err}");
        assert!(
            err.contains(&format!("chmod 700 {}", data.display())),
            "{m:o}: {err}"
        );
        assert!(!data.join("admin.token").exists(), "{m:o}: nothing written");
        assert!(
            !data.join("tokentab.db").exists(),
            "{m:o}: no database made"
        );
    }
}

/// `serve --db DB`: refused with exit 2 and an error that names `names` and says `fix`.
async fn db_refused(data: &Path, db: &Path, names: &Path, fix: &str) {
    let out = serve_child::refused(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ])
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: {err}", db.display());
    assert!(
        err.contains(&names.display().to_string()) && err.contains(fix),
        "{}: {err}",
        db.display()
    );
    assert!(out.stdout.is_empty(), "{}: it did not listen", db.display());
}

#[tokio::test]
async fn a_db_another_user_could_replace_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let nobody = 65534;

    // A directory others can write, plain or sticky like /tmp.
    for m in [0o777, 0o1777, 0o770] {
        let shared = dir.path().join(format!("shared-{m:o}"));
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(m)).unwrap();
        let db = shared.join("tokentab.db");
        let fix = if m & 0o1000 != 0 {
            "a directory only this user can write".to_owned()
        } else {
            format!("chmod 700 {}", shared.display())
        };
        db_refused(&data, &db, &shared, &fix).await;
        assert!(!db.exists(), "{m:o}: no database made");
    }

    // A database (or its -wal) that another user owns: that user could change it.
    let private = dir.path().join("private");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let theirs = private.join("theirs.db");
    std::fs::write(&theirs, b"").unwrap();
    std::os::unix::fs::chown(&theirs, Some(nobody), None).unwrap();
    db_refused(&data, &theirs, &theirs, "chown").await;
    let wal_theirs = private.join("mine.db-wal");
    std::fs::write(private.join("mine.db"), b"").unwrap();
    std::fs::write(&wal_theirs, b"").unwrap();
    std::os::unix::fs::chown(&wal_theirs, Some(nobody), None).unwrap();
    db_refused(&data, &private.join("mine.db"), &wal_theirs, "chown").await;
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&theirs).unwrap().uid(), nobody);
    assert!(!private.join("theirs.db-wal").exists(), "never opened");

    // A symbolic link at the path, or at its -shm: refused, and the target left as it was.
    let target = private.join("target");
    std::fs::write(&target, b"not a database").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = private.join("link.db");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    db_refused(&data, &link, &link, "symbolic link").await;
    let shm_link = private.join("other.db-shm");
    std::os::unix::fs::symlink(&target, &shm_link).unwrap();
    db_refused(&data, &private.join("other.db"), &shm_link, "symbolic link").await;
    assert_eq!(mode(&target), 0o644, "the link's target was not chmod-ed");
    assert_eq!(std::fs::read(&target).unwrap(), b"not a database");

    // The fix works: the 0777 directory narrowed to 0700 serves.
    let fixed = dir.path().join("shared-777");
    std::fs::set_permissions(&fixed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = fixed.join("tokentab.db");
    let s = serve_child::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--no-seed",
            "--data-dir",
            data.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(mode(&db), 0o600);
    s.stop().await;
}

/// A shorter run than the bench's 60 s, with the bench's bound, issue 19's goal (the writer
/// starts the WAL over past 48 MiB and stops committing past 56 MiB until it has).
/// The run lasts until the database has grown by [`DB_GROWTH`] (without the size-triggered
/// checkpoint the WAL grows about 20 times as fast as the database, measured: 1.3 GB of WAL
/// for 67 MB of database, so that much writing would take it far past the bound) and SQLite
/// has started the WAL over at least [`RESTARTS`] times (the checkpoint sequence number in
/// the WAL file's header counts them): the file is reused, not grown, from cycle to cycle.
const DB_GROWTH: u64 = 12 * 1024 * 1024;
const RESTARTS: u32 = 3;
const WAL_BOUND: u64 = 64 * 1024 * 1024;
/// Only a guard against a hang.
const RUN_CAP: Duration = Duration::from_secs(300);
const CLIENTS: usize = 16;
/// What a WAL file keeps once writes have paused for 5 s (`store/sqlite/wal.rs`).
const WAL_IDLE: u64 = 4 * 1024 * 1024;
/// Only a guard against a hang: the truncation comes ~5 s after the last write.
const IDLE_CAP: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wal_stays_bounded_during_sustained_creates() {
    let s = svc::harness().start().await;
    let wal = s.db_path().with_extension("db-wal");
    let first = wal_restarts(&wal);
    let db_start = file_size(&s.db_path());
    let stop = Arc::new(AtomicBool::new(false));
    let max = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (stop, max, wal, db) = (stop.clone(), max.clone(), wal.clone(), s.db_path());
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut restarts = 0;
            while (restarts < RESTARTS || file_size(&db) < db_start + DB_GROWTH)
                && started.elapsed() < RUN_CAP
            {
                max.fetch_max(file_size(&wal), Ordering::AcqRel);
                restarts = wal_restarts(&wal).wrapping_sub(first);
                std::thread::sleep(Duration::from_millis(5));
            }
            stop.store(true, Ordering::Release);
            restarts
        })
    };
    let created = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, admin, created, stop) = (
            s.http.clone(),
            s.handle.url(),
            s.admin.clone(),
            created.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Acquire) {
                create(
                    &http,
                    &base,
                    &admin,
                    &format!("wal {c}/{i} {}", "x".repeat(600)),
                )
                .await;
                created.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let restarts = watcher.join().unwrap();
    let grown = file_size(&s.db_path()) - db_start;
    let max = max.load(Ordering::Acquire);
    let created = created.load(Ordering::Relaxed);
    eprintln!(
        "{created} creates in {:?}; database grew {grown} bytes; the WAL started over \
         {restarts} times; largest WAL {max} bytes",
        started.elapsed()
    );
    assert!(
        grown >= DB_GROWTH,
        "the database grew only {grown} bytes in {RUN_CAP:?}: too little writing to prove anything"
    );
    assert!(
        restarts >= RESTARTS,
        "the WAL started over only {restarts} times in {RUN_CAP:?}: too little writing to prove anything"
    );
    assert!(
        max <= WAL_BOUND,
        "WAL reached {max} bytes (bound {WAL_BOUND})"
    );
    // The WAL file is kept between cycles while writes go on, and given back once they pause.
    let paused = Instant::now();
    while file_size(&wal) > WAL_IDLE && paused.elapsed() < IDLE_CAP {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left = file_size(&wal);
    assert!(
        left <= WAL_IDLE,
        "the WAL file still had {left} bytes {IDLE_CAP:?} after the writes stopped"
    );
    eprintln!(
        "WAL file down to {left} bytes {:?} after the writes stopped",
        paused.elapsed()
    );
}

/// The checkpoint sequence number in a WAL file's header (bytes 12..16, big-endian): SQLite
/// adds one each time it starts the WAL over. 0 while there is no header.
fn wal_restarts(wal: &Path) -> u32 {
    let mut header = [0u8; 16];
    match std::fs::File::open(wal).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
    {
        Ok(()) => u32::from_be_bytes([header[12], header[13], header[14], header[15]]),
        Err(_) => 0,
    }
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}
