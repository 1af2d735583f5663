//! The real `tokentab serve` binary as a child process: its start-up lines, stderr, signals.
//! Started on the run's backend by `harness()….spawn_binary(…)` (see the module above); the
//! lower-level `start` / `start_on` / `refused` are for tests about serve's own flags and files.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};
use tokio::process::{Child, ChildStderr, Command};

/// Generous: a loaded CI machine may take long to start a debug binary.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct ServeChild {
    pub child: Child,
    /// As printed: `http://ADDR` or `https://ADDR`.
    pub url: String,
    /// The second start-up line (where the admin token is).
    pub token_line: String,
    pub stderr: Lines<BufReader<ChildStderr>>,
}

/// `tokentab serve ARGS`, run through `sh -c 'umask U; exec …'` when `umask` is given.
pub fn command(args: &[&str], umask: Option<&str>) -> Command {
    let bin = env!("CARGO_BIN_EXE_tokentab");
    let mut cmd = match umask {
        Some(u) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("umask {u}; exec \"$0\" \"$@\""))
                .arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.arg("serve")
        .args(args)
        .env_remove("TOKENTAB_LOG")
        // Stop at the first signal, as before the drain existed; the drain's own tests pass
        // --drain-seconds, which wins over this.
        .env("TOKENTAB_DRAIN_SECONDS", "0")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

async fn line<R: AsyncRead + Unpin>(lines: &mut Lines<BufReader<R>>, what: &str) -> String {
    tokio::time::timeout(START_TIMEOUT, lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("no {what} within {START_TIMEOUT:?}"))
        .expect("read the child's output")
        .unwrap_or_else(|| panic!("the child closed its output before the {what}"))
}

/// The `--db` for a `serve` a test restarts on the same database: none on a SQLite run (serve's
/// default file in its data dir), a fresh schema of the run's database on a PostgreSQL run.
pub fn same_db_args() -> Vec<String> {
    match super::on_postgres() {
        true => vec!["--db".into(), crate::common::pg::fresh_schema_url()],
        false => Vec::new(),
    }
}

/// Starts `serve` and waits for its two start-up lines. On a PostgreSQL run
/// (`TOKENTAB_TEST_BACKEND=postgres`) ARGS without a `--db` get a fresh schema of the run's
/// database, so the tests about serve's flags, signals and files run on both backends.
pub async fn start(args: &[&str], umask: Option<&str>) -> ServeChild {
    let schema =
        (super::on_postgres() && !args.contains(&"--db")).then(crate::common::pg::fresh_schema_url);
    let mut args = args.to_vec();
    if let Some(url) = &schema {
        args.extend(["--db", url.as_str()]);
    }
    let mut child = command(&args, umask)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tokentab serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = line(&mut out, "listening line").await;
    let url = first
        .strip_prefix("tokentab serve: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let token_line = line(&mut out, "admin token line").await;
    ServeChild {
        child,
        url,
        token_line,
        stderr,
    }
}

/// `serve --listen 127.0.0.1:0 --db DB --data-dir DATA EXTRA…` with its stderr discarded (for
/// long runs that log a lot); the child (killed on drop) and its URL.
pub async fn start_on(db: &Path, data: &Path, extra: &[&str]) -> (Child, String) {
    let (db, data) = (db.to_string_lossy(), data.to_string_lossy());
    let mut args = vec!["--listen", "127.0.0.1:0", "--db", &db, "--data-dir", &data];
    args.extend_from_slice(extra);
    let mut child = command(&args, None)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tokentab serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = line(&mut out, "listening line").await;
    let url = first
        .strip_prefix("tokentab serve: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let second = line(&mut out, "admin token line").await;
    assert!(second.contains("admin.token"), "{second}");
    (child, url)
}

/// Eight writers create tokens through `url` until at least 150 were acknowledged; then the child
/// is SIGKILLed while they are still sending. The ids of every create answered 200.
pub async fn kill_during_creates(
    child: &mut Child,
    http: &reqwest::Client,
    url: &str,
    admin: &str,
) -> Vec<String> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (http, url, admin) = (http.clone(), url.to_owned(), admin.to_owned());
        let (acked, stop) = (Arc::clone(&acked), Arc::clone(&stop));
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let Ok(resp) = http
                    .post(format!("{url}/access/api/v1/tokens"))
                    .bearer_auth(&admin)
                    .json(&serde_json::json!({"description": format!("writer {w} #{i}")}))
                    .send()
                    .await
                else {
                    break;
                };
                if resp.status() != reqwest::StatusCode::OK {
                    break;
                }
                let Ok(v) = resp.json::<serde_json::Value>().await else {
                    break;
                };
                acked
                    .lock()
                    .unwrap()
                    .push(v["token_id"].as_str().unwrap().to_owned());
            }
        }));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < 150 {
        assert!(std::time::Instant::now() < deadline, "creates too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL while the writers are still sending.
    child.start_kill().unwrap();
    assert!(!child.wait().await.unwrap().success());
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 150);
    acked
}

/// Runs `serve ARGS` expecting it to stop by itself (a refusal); its output.
pub async fn refused(args: &[&str]) -> Output {
    let child = command(args, None)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tokentab serve");
    tokio::time::timeout(START_TIMEOUT, child.wait_with_output())
        .await
        .expect("serve should have stopped by itself")
        .expect("wait for tokentab serve")
}

impl ServeChild {
    /// The port, for URLs on 127.0.0.1 when it listens on every interface.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.url))
    }

    /// Waits for a stderr line containing `text`; returns it.
    pub async fn stderr_line_with(&mut self, text: &str) -> String {
        let wait = async {
            while let Some(l) = self.stderr.next_line().await.expect("read stderr") {
                if l.contains(text) {
                    return l;
                }
            }
            panic!("stderr closed without a line containing {text:?}");
        };
        tokio::time::timeout(START_TIMEOUT, wait)
            .await
            .unwrap_or_else(|_| panic!("no stderr line with {text:?} within {START_TIMEOUT:?}"))
    }

    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("still running").to_string();
        let ok = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{name} {pid}");
    }

    /// SIGTERM, then waits for a clean exit.
    pub async fn stop(mut self) {
        self.signal("TERM");
        let status = tokio::time::timeout(START_TIMEOUT, self.child.wait())
            .await
            .expect("serve stops within the timeout after SIGTERM")
            .expect("wait");
        assert!(status.success(), "serve exited with {status}");
    }
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A `serve` process on the run's backend, from [`super::Harness::spawn_binary`]: its temp dir
/// (data dir, SQLite file), admin token and a client.
pub struct Served {
    pub serve: ServeChild,
    pub admin: String,
    pub http: reqwest::Client,
    /// The PostgreSQL URL (a schema of its own) when the run is on PostgreSQL.
    pub postgres: Option<String>,
    pub dir: tempfile::TempDir,
    pub(super) args: Vec<String>,
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.serve.url)
    }

    /// Sends a request; the status and the body as JSON (Null when empty or not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        super::call_url(&self.http, method, token, &self.url(path), body).await
    }

    /// The SQLite file, or None on PostgreSQL: the lines that read it run on SQLite only.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.postgres
            .is_none()
            .then(|| self.dir.path().join("db").join("tokentab.db"))
    }

    /// A second `serve` process on the same database (its own data dir and port): a change
    /// answered by one must be honoured by the next request on the other.
    pub async fn sibling(&self) -> ServeChild {
        let data = self.dir.path().join("data-sibling").display().to_string();
        let mut args = self.args.clone();
        let at = args
            .iter()
            .position(|a| a == "--data-dir")
            .expect("--data-dir")
            + 1;
        args[at] = data;
        let at = args.iter().position(|a| a == "--listen").expect("--listen") + 1;
        args[at] = "127.0.0.1:0".into();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        start(&refs, None).await
    }

    /// Starts `serve` again with the same flags on the same data dir and database (after the
    /// test stopped or killed the previous one).
    pub async fn respawn(self) -> Served {
        let Served {
            serve,
            http,
            postgres,
            dir,
            args,
            ..
        } = self;
        drop(serve);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let serve = start(&refs, None).await;
        let admin = super::read_admin(dir.path());
        Served {
            serve,
            admin,
            http,
            postgres,
            dir,
            args,
        }
    }
}
