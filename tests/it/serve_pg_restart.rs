//! PostgreSQL stopped and started again under load: two `tokentab serve` replicas answer 503 with
//! Retry-After while it is down (never 500, never a hang, never an exit), `/readyz` fails
//! meanwhile, and both serve 200 again within 5 s of the server accepting connections.
//!
//! The server restarted is a private one this test makes (initdb in a temp dir, `pg_ctl` as the
//! `postgres` user, trust authentication on 127.0.0.1 only), not the shared cluster of
//! tests/pg-setup.sh: other test binaries, and other people's runs on this machine, keep
//! theirs. It uses Debian's PostgreSQL binaries that tests/pg-setup.sh installs, so like every
//! PostgreSQL test it needs TOKENTAB_TEST_PG set (and fails with the line that fixes it).

use crate::common::replicas;
use crate::common::timing::within_3x;

use crate::common::pg;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use replicas::{TOKENS, wait_for};

/// One answer seen by the steady request loop.
#[derive(Debug, Clone)]
struct Seen {
    node: usize,
    at: Instant,
    /// 0 when no HTTP answer came (connection error or client timeout).
    status: u16,
    retry_after: bool,
    took: Duration,
}

/// A PostgreSQL server of our own in a temp dir, run as the `postgres` user.
struct PrivatePg {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}. {}", pg::FIX));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn as_postgres(bin: &Path, tool: &str) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
    c
}

impl PrivatePg {
    fn create() -> PrivatePg {
        pg::url(); // the shared setup ran: Debian's PostgreSQL is installed
        let clusters = Command::new("pg_lsclusters")
            .arg("-h")
            .output()
            .unwrap_or_else(|e| panic!("pg_lsclusters: {e}. {}", pg::FIX));
        let version = String::from_utf8_lossy(&clusters.stdout)
            .split_whitespace()
            .next()
            .unwrap_or_else(|| panic!("no PostgreSQL cluster listed. {}", pg::FIX))
            .to_owned();
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        assert!(
            bin.join("pg_ctl").exists(),
            "{} missing. {}",
            bin.display(),
            pg::FIX
        );
        assert!(
            nix_is_root(),
            "this test runs its own PostgreSQL as the `postgres` user (runuser): run it as root"
        );
        let dir = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let data = dir.path().join("pgdata");
        std::fs::create_dir(&data).unwrap();
        run(
            Command::new("chown").args(["postgres:postgres", data.to_str().unwrap()]),
            "chown the private data dir",
        );
        run(
            as_postgres(&bin, "initdb")
                .args([
                    "-D",
                    data.to_str().unwrap(),
                    "--auth=trust",
                    "-U",
                    "postgres",
                ])
                .args(["--no-sync", "-E", "UTF8"]),
            "initdb",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = PrivatePg {
            bin,
            data,
            port,
            _dir: dir,
        };
        pg.start();
        pg
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.data.display()
        );
        run(
            as_postgres(&self.bin, "pg_ctl")
                .args([
                    "-D",
                    self.data.to_str().unwrap(),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    &opts,
                ])
                .args(["-l", self.data.join("log").to_str().unwrap(), "start"]),
            "pg_ctl start",
        );
    }

    /// `-m fast`: every session is told the server is shutting down and cut.
    fn stop(&self) {
        run(
            as_postgres(&self.bin, "pg_ctl").args([
                "-D",
                self.data.to_str().unwrap(),
                "-w",
                "-m",
                "fast",
                "stop",
            ]),
            "pg_ctl stop",
        );
    }

    fn url(&self, schema: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?schema={schema}",
            self.port
        )
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin, "pg_ctl")
            .args(["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Whether a plain query on `url` works now.
async fn accepts(url: &str) -> bool {
    let t = pg::target(url);
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&t.host)
        .port(t.port)
        .user(&t.user)
        .dbname(&t.dbname)
        .connect_timeout(Duration::from_secs(1));
    match cfg.connect(tokio_postgres::NoTls).await {
        Ok((client, conn)) => {
            tokio::spawn(conn);
            client.simple_query("SELECT 1").await.is_ok()
        }
        Err(_) => false,
    }
}

async fn status_of(http: &reqwest::Client, url: &str, token: &str) -> (u16, bool) {
    match http.get(url).bearer_auth(token).send().await {
        Ok(r) => (
            r.status().as_u16(),
            r.headers().contains_key(reqwest::header::RETRY_AFTER),
        ),
        Err(_) => (0, false),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_gets_503_with_retry_after_then_200_within_5s() {
    let server = PrivatePg::create();
    let url = server.url("restart");
    let mut r = replicas::start(&url, 2, &["--no-seed"]).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut loops = Vec::new();
    for (node, n) in r.nodes.iter().enumerate() {
        for _ in 0..2 {
            let (http, seen, stop) = (http.clone(), Arc::clone(&seen), Arc::clone(&stop));
            let (list, admin) = (n.url(&format!("{TOKENS}?limit=5")), r.admin.clone());
            loops.push(tokio::spawn(async move {
                for _ in 0..1_000_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let at = Instant::now();
                    let (status, retry_after) = status_of(&http, &list, &admin).await;
                    seen.lock().unwrap().push(Seen {
                        node,
                        at,
                        status,
                        retry_after,
                        took: at.elapsed(),
                    });
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
    }
    let count = |from: Instant, node: usize, status: u16| {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|s| s.at >= from && s.node == node && s.status == status)
            .count()
    };
    let t0 = Instant::now();
    wait_for(Duration::from_secs(30), "steady 200s", || async {
        (count(t0, 0, 200) >= 5 && count(t0, 1, 200) >= 5).then_some(())
    })
    .await;

    let down = Instant::now();
    server.stop();
    let stopped = Instant::now();
    // Down for a while, as a real restart is: both replicas answer 503 throughout 3 s.
    wait_for(
        Duration::from_secs(30),
        "3 s of 503s from both replicas",
        || async {
            let held = stopped.elapsed() >= Duration::from_secs(3);
            (held && count(down, 0, 503) >= 5 && count(down, 1, 503) >= 5).then_some(())
        },
    )
    .await;
    for node in 0..2 {
        let (st, _) = status_of(&http, &r.nodes[node].url("/readyz"), "").await;
        assert_eq!(st, 503, "replica {node}: /readyz while PostgreSQL is down");
        let (st, _) = status_of(&http, &r.nodes[node].url("/access/api/v1/system/ping"), "").await;
        assert_eq!(st, 200, "replica {node}: liveness while PostgreSQL is down");
        assert!(r.nodes[node].running(), "replica {node} exited");
    }

    server.start();
    let accepting = wait_for(Duration::from_secs(60), "PostgreSQL accepting", || async {
        accepts(&url).await.then(Instant::now)
    })
    .await;
    let mut recovered = Vec::new();
    for node in 0..2 {
        let n = &r.nodes[node];
        let (list, ready) = (n.url(&format!("{TOKENS}?limit=5")), n.url("/readyz"));
        let at = wait_for(
            Duration::from_secs(30),
            &format!("replica {node} serving again"),
            || async {
                let ok = status_of(&http, &list, &r.admin).await.0 == 200
                    && status_of(&http, &ready, "").await.0 == 200;
                ok.then(Instant::now)
            },
        )
        .await;
        recovered.push(at.saturating_duration_since(accepting));
    }
    // The steady loop sees 200s again too.
    let back = Instant::now();
    wait_for(Duration::from_secs(10), "the loop's 200s", || async {
        (count(back, 0, 200) >= 3 && count(back, 1, 200) >= 3).then_some(())
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        l.await.unwrap();
    }

    let seen = seen.lock().unwrap().clone();
    let bad: Vec<&Seen> = seen
        .iter()
        .filter(|s| !(s.status == 200 || (s.status == 503 && s.retry_after)))
        .collect();
    assert!(
        bad.is_empty(),
        "only 200, or 503 with Retry-After, expected: {:?}",
        &bad[..bad.len().min(10)]
    );
    let slowest = seen.iter().map(|s| s.took).max().unwrap();
    within_3x(
        "the slowest request across the PostgreSQL restart",
        slowest,
        Duration::from_secs(5),
    );
    for (node, n) in r.nodes.iter_mut().enumerate() {
        assert!(n.running(), "replica {node} exited");
    }
    let down_503 = seen.iter().filter(|s| s.status == 503).count();
    eprintln!(
        "PostgreSQL restart: {} requests, {down_503} answered 503 + Retry-After, slowest {slowest:?}; \
         serving again after it accepted connections: replica 0 {:?}, replica 1 {:?}",
        seen.len(),
        recovered[0],
        recovered[1]
    );
    for (node, d) in recovered.iter().enumerate() {
        within_3x(
            &format!("replica {node} serving again after PostgreSQL came back"),
            *d,
            Duration::from_secs(5),
        );
    }
}
