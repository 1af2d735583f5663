//! Issue 18, item 9: every shell example in the README runs, against the real `tokentab serve`
//! with the demo data, with the real binary first on PATH, a private home, and `TOKENTAB_URL` /
//! `TOKENTAB_TOKEN` (the admin) in its environment; each in a session of its own (`setsid`: no
//! controlling terminal, as in CI), with `set -o pipefail`.
//!
//! The examples are read from README.md, not copied: every fenced block is one of the languages
//! in [`NOT_SHELL`] or a shell block; a shell block is run unless [`SKIPPED`] says why not (a new
//! example is run as a whole and must exit 0). The "Scripting" block is run line by line, in
//! order, in one working directory, each line checked where the README says what it prints; its
//! placeholder ids (`3f2a9c1e-…`) are replaced by the test with real ones. The inline
//! `tokentab …` commands of that section run too. The backups: `sqlite3 … ".backup …"` on the
//! SQLite pass (the service's own file), the inline `pg_dump …` on the PostgreSQL pass (the
//! test's schema); each says when it is not run and why. "Day one with a team" has its own test
//! (`readme_day_one`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::service::harness;
use crate::common::tab::Home;
use crate::common::tmux::TmuxSession;

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));

/// Fenced blocks that are not shell, and what they are.
const NOT_SHELL: &[(&str, &str)] = &[
    ("text", "screens, the scope grammar, HAProxy configuration"),
    ("toml", "config file"),
    ("nginx", "nginx configuration"),
    (
        "python",
        "the webhook signature check: service_webhooks runs it on a real delivery",
    ),
];

/// Shell blocks not run here: a text the block contains, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cargo run --release",
        "builds a release binary (minutes on 2 cores) and opens the interactive tab; the tab on \
         its embedded service is e2e_tab's subject",
    ),
    (
        "bash tests/run.sh",
        "the CI entry point itself, which runs this test",
    ),
    (
        "https://acme.jfrog.io",
        "a JFrog Platform URL (the tab against a platform is tui_jfrog's, via a fake)",
    ),
    (
        "kill -HUP",
        "`--tls-cert /etc/tokentab/…` paths and a network address; TLS serving and SIGHUP reload \
         are serve_network's, with generated certificates",
    ),
    (
        "--cacert /etc/tokentab/ca.pem",
        "`/etc/tokentab/ca.pem` and the host tokens.internal; --cacert is api_tls's",
    ),
    (
        "postgres://tokentab@db.internal",
        "`/etc/tokentab/…` certificates and the host db.internal; serve on PostgreSQL is the \
         PostgreSQL pass of the serve_* tests",
    ),
    (
        "tokentab serve --no-seed --listen 127.0.0.1:8082 --data-dir ./team",
        "\"Day one with a team\": readme_day_one",
    ),
    (
        "--webhook-secret-file /etc/tokentab/webhook.key",
        "`/etc/tokentab/…` and the receiver hooks.example.com; serve with these flags against a \
         real receiver is service_webhooks's",
    ),
    (
        "tokentab admin webhooks list --state dead",
        "a placeholder event id; listing and retrying dead letters is service_webhooks's",
    ),
    (
        "tokentab admin users add alice",
        "\"Day one with a team\": readme_day_one",
    ),
    (
        "build-deb.sh",
        "builds the Debian package and installs it as root: tests/package/run.sh, run by \
         tests/run.sh",
    ),
    (
        "--target x86_64-unknown-linux-musl",
        "a release build of the static binary, run by tests/package/run.sh",
    ),
    (
        "systemctl restart tokentab",
        "the installed package's unit; systemd is not PID 1 in CI: tests/package/run.sh checks \
         the unit (systemd-analyze) and runs its ExecStart as its user",
    ),
];

/// The README's placeholder ids; the test puts real ones in their place.
const ROTATE_PLACEHOLDER: &str = "3f2a9c1e-…";
const AUDIT_PLACEHOLDER: &str = "3f2a9c11-…";

const PROMPT: &str = "Type the first 4 characters of its id";

struct Block {
    lang: String,
    line: usize,
    body: String,
}

fn fenced_blocks() -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (n, l) in README.lines().enumerate() {
        match (&mut open, l.strip_prefix("```")) {
            (None, Some(lang)) => {
                open = Some(Block {
                    lang: lang.trim().to_owned(),
                    line: n + 1,
                    body: String::new(),
                })
            }
            (Some(_), Some("")) => blocks.push(open.take().unwrap()),
            (Some(b), _) => {
                b.body.push_str(l);
                b.body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed code block in README.md");
    blocks
}

fn is_shell(lang: &str) -> bool {
    matches!(lang, "sh" | "bash" | "shell" | "console")
}

/// The README's section that starts with `heading`, up to the next `## `.
fn section(heading: &str) -> &'static str {
    let start = README.find(heading).expect(heading);
    let s = &README[start..];
    &s[..s[3..].find("\n## ").map_or(s.len(), |i| i + 3)]
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Where examples run: the service, a private home, a working directory.
struct Env {
    vars: Vec<(String, String)>,
    cwd: tempfile::TempDir,
    _home: Home,
}

impl Env {
    fn new(url: &str, token: &str) -> Env {
        let home = Home::new();
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_tokentab"))
            .parent()
            .expect("the binary's dir")
            .display()
            .to_string();
        let mut vars = home.env();
        vars.push(("TOKENTAB_URL".into(), url.into()));
        vars.push(("TOKENTAB_TOKEN".into(), token.into()));
        vars.push((
            "PATH".into(),
            format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default()),
        ));
        Env {
            vars,
            cwd: tempfile::tempdir().unwrap(),
            _home: home,
        }
    }

    fn cwd(&self) -> &Path {
        self.cwd.path()
    }

    /// `script` by bash with pipefail, without a controlling terminal, stdin closed.
    fn run(&self, script: &str, extra: &[(&str, &str)]) -> Output {
        let mut c = Command::new("setsid");
        c.args(["-w", "bash", "-c", &format!("set -o pipefail\n{script}")])
            .current_dir(self.cwd())
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().expect("run bash")
    }

    /// `script` must exit 0; its stdout.
    fn ok(&self, script: &str, extra: &[(&str, &str)]) -> (String, String) {
        let o = self.run(script, extra);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(
            o.status.success(),
            "README example failed ({:?}):\n{script}\nstdout:\n{out}\nstderr:\n{err}",
            o.status
        );
        (out, err)
    }

    fn tokens(&self) -> Vec<Value> {
        let (out, _) = self.ok("tokentab tokens list --json", &[]);
        serde_json::from_str::<Value>(&out)
            .expect("list --json")
            .as_array()
            .expect("an array")
            .clone()
    }
}

fn id_of<'a>(tokens: &'a [Value], description: &str) -> &'a str {
    tokens
        .iter()
        .find(|t| t["description"] == description)
        .and_then(|t| t["token_id"].as_str())
        .unwrap_or_else(|| panic!("a token {description:?}"))
}

fn ids_where(tokens: &[Value], pred: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = tokens
        .iter()
        .filter(|t| pred(t))
        .map(|t| t["token_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The lines of a shell block, continuation lines joined.
fn commands(block: &str) -> Vec<String> {
    let mut cmds = Vec::new();
    let mut cur = String::new();
    for l in block.lines() {
        match l.strip_suffix('\\') {
            Some(head) => {
                cur.push_str(head);
                cur.push(' ');
            }
            None => {
                cur.push_str(l);
                if !cur.trim().is_empty() {
                    cmds.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    cmds
}

fn json(out: &str, what: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{out}"))
}

fn header_has(table: &str, columns: &[&str]) {
    let header = table.lines().next().unwrap_or_default();
    for c in columns {
        assert!(header.contains(c), "header has {c:?}:\n{table}");
    }
}

#[tokio::test]
async fn readme_every_shell_example_runs_against_a_seeded_service() {
    let blocks = fenced_blocks();
    let scripting = section("## Scripting");
    let served = harness().seeded().spawn_binary(&[]).await;
    let env = Env::new(&served.serve.url, &served.admin);
    let mut ran_scripting = false;
    for b in &blocks {
        if !is_shell(&b.lang) {
            assert!(
                NOT_SHELL.iter().any(|(l, _)| *l == b.lang),
                "README.md line {}: a ```{} block: say here whether it is shell",
                b.line,
                b.lang
            );
            continue;
        }
        if let Some((_, why)) = SKIPPED.iter().find(|(t, _)| b.body.contains(t)) {
            eprintln!("README.md line {}: not run: {why}", b.line);
            continue;
        }
        if scripting.contains(&b.body) {
            scripting_block(&env, &b.body);
            ran_scripting = true;
        } else if b.body.trim_start().starts_with("sqlite3 ") {
            sqlite_backup(&env, &b.body, served.sqlite_file());
        } else {
            // A new example: it runs as written and must succeed.
            env.ok(&b.body, &[]);
        }
    }
    assert!(ran_scripting, "the Scripting block was found and run");
    inline_commands(&env, scripting);
    pg_dump(&env, served.postgres.as_deref());
    served.serve.stop().await;
}

/// `sqlite3 DB ".backup FILE"`, with the service's own database and a backup dir of the test's.
fn sqlite_backup(env: &Env, block: &str, db: Option<PathBuf>) {
    let Some(db) = db else {
        eprintln!("sqlite3 backup: not run on the PostgreSQL pass (no SQLite file)");
        return;
    };
    let have = Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        eprintln!("sqlite3 backup: not run: sqlite3 is not installed (Debian: sqlite3)");
        return;
    }
    let backups = env.cwd().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    assert!(block.contains("/var/lib/tokentab/tokentab.db") && block.contains("/backups/"));
    let script = block
        .replace("/var/lib/tokentab/tokentab.db", &db.display().to_string())
        .replace("/backups/", &format!("{}/", backups.display()));
    env.ok(&script, &[]);
    let copies: Vec<_> = std::fs::read_dir(&backups).unwrap().collect();
    assert_eq!(copies.len(), 1, "one backup file");
    let copy = copies[0].as_ref().unwrap().path();
    let (check, _) = env.ok(
        &format!("sqlite3 '{}' 'PRAGMA integrity_check'", copy.display()),
        &[],
    );
    assert_eq!(check.trim(), "ok");
    eprintln!("sqlite3 backup: ran, the copy passes integrity_check");
}

/// "A shared service"'s inline `pg_dump -Fc -d tokentab -f …`, on the PostgreSQL pass, with the
/// test's database and schema in place of `-d tokentab`; the dump lists the service's tables.
fn pg_dump(env: &Env, db: Option<&str>) {
    let line = section("## A shared service")
        .split('`')
        .skip(1)
        .step_by(2)
        .find(|s| s.starts_with("pg_dump "))
        .expect("the pg_dump line")
        .replace('\n', " ");
    let Some(db) = db else {
        eprintln!("pg_dump: not run on the SQLite pass (no PostgreSQL database)");
        return;
    };
    if Command::new("pg_dump").arg("--version").output().is_err() {
        eprintln!("pg_dump: not run: pg_dump is not installed (Debian: postgresql-client)");
        return;
    }
    let t = crate::common::pg::target(db);
    let schema = t.schema.clone().expect("a schema of the test's own");
    assert!(line.contains("-d tokentab"), "{line}");
    let script = line.replace(
        "-d tokentab",
        &format!(
            "-h {} -p {} -U {} -d {} -n {schema}",
            t.host, t.port, t.user, t.dbname
        ),
    );
    env.ok(&script, &[]);
    let (toc, _) = env.ok("pg_restore -l tokentab-*.dump", &[]);
    assert!(toc.contains(&format!("TABLE {schema} ")), "{toc}");
    eprintln!("pg_dump: ran, pg_restore lists the schema's tables");
}

/// The Scripting section's inline `tokentab …` commands (`completions bash|zsh|fish`, `man`).
fn inline_commands(env: &Env, section: &str) {
    let mut ran = 0;
    for span in section.split('`').skip(1).step_by(2) {
        let Some(rest) = span.strip_prefix("tokentab ") else {
            continue;
        };
        let (head, last) = rest.rsplit_once(' ').unwrap_or(("", rest));
        for alt in last.split('|') {
            let cmd = format!("tokentab {head} {alt}").replace("  ", " ");
            let (out, _) = env.ok(&cmd, &[]);
            assert!(!out.trim().is_empty(), "{cmd} prints something");
            ran += 1;
        }
    }
    assert!(ran >= 4, "completions ×3 and man: {ran}");
}

fn scripting_block(env: &Env, block: &str) {
    let seeded = env.tokens();
    let expired = ids_where(&seeded, |t| t["status"] == "expired");
    let expired_users = ids_where(&seeded, |t| {
        t["status"] == "expired" && t["scope"] != "applied-permissions/admin"
    });
    assert!(expired.len() > expired_users.len() && !expired_users.is_empty());
    // The rotate example gets a real active User token; the audit one the token it replaced.
    let rotated = id_of(&seeded, "alice: jf CLI on workstation").to_owned();
    let mut secrets: Vec<String> = Vec::new();

    for cmd in commands(block) {
        let cmd = cmd
            .replace(ROTATE_PLACEHOLDER, &rotated)
            .replace(AUDIT_PLACEHOLDER, &rotated);
        let code = cmd.split(" #").next().unwrap().trim().to_owned();
        if code == "tokentab tokens list" {
            let (out, _) = env.ok(&cmd, &[]);
            header_has(
                &out,
                &[
                    "Description",
                    "Subject",
                    "Token ID",
                    "Issued",
                    "Expiry",
                    "Scope",
                ],
            );
            assert_eq!(out.lines().count(), seeded.len() + 1, "{out}");
        } else if code.contains("--expiring 7d") {
            let (out, _) = env.ok(&cmd, &[]);
            let v = json(&out, &cmd);
            let v = v.as_array().expect("an array");
            assert!(!v.is_empty(), "the demo data has tokens expiring this week");
            assert!(v.iter().all(|t| t["status"] == "expiring"), "{out}");
        } else if code.contains("--description") {
            let (out, _) = env.ok(&cmd, &[]);
            let v = json(&out, &cmd);
            let v = v.as_array().expect("an array");
            assert!(!v.is_empty(), "{cmd} selects some of the demo data");
            for t in v {
                assert!(t["subject"].as_str().unwrap().ends_with("/users/ci-bot"));
                let d = t["description"].as_str().unwrap().to_lowercase();
                assert!(d.starts_with("git"), "{d}");
            }
        } else if let Some(var) = code
            .split_once("=$(")
            .map(|(v, _)| v.to_owned())
            .filter(|v| !v.contains(' '))
        {
            // `VAR=$(tokentab …)`: the variable holds the secret alone.
            let (out, err) = env.ok(&format!("{cmd}\nprintf '%s' \"${var}\""), &[]);
            assert!(
                out.len() >= 32 && !out.contains(char::is_whitespace),
                "{var}: {out:?}\n{err}"
            );
            secrets.push(out);
            let after = env.tokens();
            if code.contains("tokens rotate") {
                assert!(
                    after.iter().all(|t| t["token_id"] != rotated.as_str()),
                    "the old token is revoked"
                );
                // Its replacement carries its description.
                id_of(&after, "alice: jf CLI on workstation");
            } else if let Some((_, rest)) = code.split_once("-d \"") {
                id_of(&after, rest.split('"').next().unwrap());
            }
        } else if code.contains("--copy") {
            // A clipboard to copy to: a tmux buffer on a private server, cleared after 1 s.
            let tmux = TmuxSession::idle();
            let tmux_env = format!("{},0,0", tmux.socket().display());
            let (out, err) = env.ok(
                &cmd,
                &[("TMUX", &tmux_env), ("TOKENTAB_CLIPBOARD_CLEAR", "1")],
            );
            assert_eq!(out, "", "prints nothing secret");
            assert!(err.contains("copied to a tmux buffer"), "{err}");
            assert!(err.contains("clipboard cleared"), "{err}");
            assert!(tmux.buffer_names().is_empty(), "{:?}", tmux.buffer_names());
        } else if code.contains("| jq ") {
            jq_example(env, &cmd, &expired, &expired_users);
        } else if code.contains("--status expiring,expired --scope custom") {
            let (out, _) = env.ok(&cmd, &[]);
            header_has(&out, &["Description", "Expiry", "Scope"]);
            let rows: Vec<&str> = out.lines().skip(1).collect();
            assert!(!rows.is_empty(), "{out}");
            assert!(rows.iter().all(|r| r.contains("Custom")), "{out}");
        } else if code.contains("| head -1") {
            let (out, err) = env.ok(&cmd, &[]);
            assert!(out.starts_with("token_id,description,"), "{out}");
            assert_eq!(out.lines().count(), 1, "{out}");
            assert_eq!(err, "", "quietly");
        } else if let Some((_, file)) = code.split_once(" > ") {
            let (out, _) = env.ok(&cmd, &[]);
            assert_eq!(out, "");
            let csv = std::fs::read_to_string(env.cwd().join(file.trim())).unwrap();
            let mut rows = csv::Reader::from_reader(csv.as_bytes());
            let header = rows.headers().expect("a CSV header").clone();
            let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
            assert!(!rows.is_empty(), "{file}: {csv}");
            if code.contains("--action revoke") {
                let action = header.iter().position(|h| h == "action").expect("action");
                assert!(rows.iter().all(|r| &r[action] == "revoke"), "{csv}");
            } else {
                assert!(header.iter().any(|h| h == "last_used"), "{csv}");
            }
            for s in &secrets {
                assert!(!csv.contains(s.as_str()), "{file} holds no secret");
            }
        } else if code.contains("audit --json --token") {
            let (out, _) = env.ok(&cmd, &[]);
            let v = json(&out, &cmd);
            let v = v.as_array().expect("an array");
            assert!(!v.is_empty(), "the rotated token has a history");
            assert!(v.iter().all(|e| e["token_id"] == rotated.as_str()), "{out}");
            assert!(v.iter().any(|e| e["action"] == "revoke"), "{out}");
        } else if code.contains("tokens audit") {
            let (out, _) = env.ok(&cmd, &[]);
            header_has(&out, &["Time", "Actor", "Action", "Result"]);
        } else if code.contains("--json") {
            let (out, _) = env.ok(&cmd, &[]);
            let v = json(&out, &cmd);
            let scope = v["scope"].as_str().expect("a scope");
            assert!(code.contains(scope), "the scope asked for: {scope}");
            secrets.push(v["access_token"].as_str().expect("the secret").to_owned());
        } else {
            // Any other line (and a new one): it runs and succeeds.
            let (out, _) = env.ok(&cmd, &[]);
            if code.contains("tokens create") {
                assert_eq!(out.lines().count(), 1, "the secret alone: {out}");
                secrets.push(out.trim().to_owned());
            }
        }
    }
}

/// The jq example revokes exactly the expired tokens that are not admin tokens, or asks: without
/// a terminal the expired admin token stops it (nothing revoked); on a terminal it asks, and
/// answered "no" exactly the others go.
fn jq_example(env: &Env, cmd: &str, expired: &[String], expired_users: &[String]) {
    let before = env.tokens().len();
    let o = env.run(cmd, &[]);
    let err = text(&o.stderr);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("an admin token") && err.contains("nothing was revoked"),
        "{err}"
    );
    assert_eq!(env.tokens().len(), before, "nothing revoked: {err}");

    let mut vars: Vec<(&str, &str)> = env
        .vars
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    vars.push(("NO_COLOR", "1"));
    // tmux's `-e` does not reach PATH through every server setup: the script sets it.
    let path = &env.vars.iter().find(|(k, _)| k == "PATH").unwrap().1;
    let script = format!(
        "export PATH='{path}'; cd '{}'; set -o pipefail; {cmd}; echo \"exit=$?\"",
        env.cwd().display()
    );
    let t = TmuxSession::start(&["bash", "-c", &script], 120, 30, &vars);
    t.wait_text(PROMPT, Duration::from_secs(60));
    t.type_text("no");
    t.keys(&["Enter"]);
    let screen = t.wait_text("exit=", Duration::from_secs(60));
    // One id was not revoked (the admin token): `tokens revoke` exits 1, xargs 123.
    assert!(screen.contains("exit=123"), "{screen}");
    let after = env.tokens();
    let gone: Vec<String> = expired
        .iter()
        .filter(|id| after.iter().all(|t| t["token_id"] != id.as_str()))
        .cloned()
        .collect();
    assert_eq!(gone, expired_users, "{screen}");
    assert_eq!(after.len(), before - expired_users.len(), "{screen}");
}
