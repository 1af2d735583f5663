//! TLS to PostgreSQL with rustls, against the test server's own certificate (Debian's cluster
//! serves `ssl-cert-snakeoil`, issued to `localhost`): `sslmode=require` encrypts,
//! `verify-full` checks the chain and the host name and refuses a mismatch.

use crate::common::own_process::own_process;
use crate::common::pg;

use tokentab::service::StoreError;
use tokentab::service::store::backend::Db;
use tokentab::service::store::target::{DbTarget, SslMode};

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

fn target(host: &str, mode: SslMode, root: Option<&str>) -> DbTarget {
    let mut t = pg::target(&pg::fresh_schema_url());
    t.host = host.into();
    t.sslmode = mode;
    t.sslrootcert = root.map(Into::into);
    DbTarget::Postgres(t)
}

/// The local ports of this process's TCP sockets (from /proc: socket inodes of our fds, looked
/// up in the namespace's TCP tables).
fn own_tcp_ports() -> Vec<i32> {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() > 9 && inodes.contains(cols[9]) {
                let port = cols[1].rsplit(':').next().unwrap();
                ports.push(i32::from_str_radix(port, 16).unwrap());
            }
        }
    }
    ports
}

/// Whether every connection this process opened as the service (application name `tokentab`)
/// is encrypted. Runs in a process of its own, so the other tests' connections (same role) are
/// not counted.
async fn all_encrypted() -> (i64, bool) {
    let t = pg::target(&pg::url());
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&t.host)
        .port(t.port)
        .user(&t.user)
        .dbname(&t.dbname)
        .application_name("tls-check");
    if let Ok(p) = std::env::var("PGPASSWORD") {
        cfg.password(p);
    }
    let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let row = client
        .query_one(
            "SELECT count(*), coalesce(bool_and(s.ssl), false) FROM pg_stat_activity a \
             JOIN pg_stat_ssl s USING (pid) \
             WHERE a.application_name = 'tokentab' AND a.usename = current_user \
             AND a.client_port = ANY($1)",
            &[&own_tcp_ports()],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// The open failed in the TLS handshake, for `why` (not for a refused connection, a wrong
/// password or a missing database, which would also be errors).
fn assert_tls_refusal(err: Option<StoreError>, why: &str) {
    match err {
        Some(StoreError::Unavailable(m))
            if m.contains("error performing TLS handshake") && m.contains(why) => {}
        other => panic!("expected a TLS handshake refusal ({why}), got {other:?}"),
    }
}

#[test]
fn require_encrypts_and_verify_full_checks_the_name() {
    own_process(
        module_path!(),
        "require_encrypts_and_verify_full_checks_the_name",
        || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(require_encrypts_and_verify_full_checks_the_name_here())
        },
    );
}

async fn require_encrypts_and_verify_full_checks_the_name_here() {
    assert!(
        std::path::Path::new(SNAKEOIL).exists(),
        "{SNAKEOIL} is missing: apt-get install ssl-cert postgresql"
    );
    let db = Db::open(&target("127.0.0.1", SslMode::Require, None))
        .await
        .unwrap_or_else(|e| panic!("{e}. {}", pg::FIX));
    db.ping().await.unwrap();
    let (connections, encrypted) = all_encrypted().await;
    assert!(
        connections >= 1 && encrypted,
        "{connections} connections, encrypted={encrypted}"
    );

    let verified = Db::open(&target("localhost", SslMode::VerifyFull, Some(SNAKEOIL))).await;
    verified
        .expect("verify-full against the server's own CA")
        .ping()
        .await
        .unwrap();

    // The certificate names localhost, not 127.0.0.1.
    let mismatch = Db::open(&target("127.0.0.1", SslMode::VerifyFull, Some(SNAKEOIL))).await;
    assert_tls_refusal(
        mismatch.err(),
        "certificate not valid for name \"127.0.0.1\"",
    );
    // Signed by a CA other than the one given. (Not the system store: Debian links the
    // snakeoil certificate into /etc/ssl/certs, so this machine trusts it.)
    let other_ca = "/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt";
    let untrusted = Db::open(&target("localhost", SslMode::VerifyFull, Some(other_ca))).await;
    assert_tls_refusal(untrusted.err(), "invalid peer certificate: UnknownIssuer");
}
