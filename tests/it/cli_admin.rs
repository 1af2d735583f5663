//! The real `tokentab admin users|projects|members …` binary against a real service (the token
//! from a file, never in argv): each command's table and `--json`, its refusals and exit codes,
//! and a non-admin token refused (403, exit 1) by every admin command.
//! Fleets, devices and import: `cli_admin_devices`.

use crate::common::service::{TestService, harness};

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// Runs the binary with a token file of its own, against one server.
pub(crate) struct AdminCli {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl AdminCli {
    pub fn new(url: &str) -> AdminCli {
        AdminCli {
            dir: tempfile::tempdir().expect("temp dir"),
            url: url.to_owned(),
        }
    }

    /// Writes `token` to a 0600 file named `name` and returns its path.
    pub fn token_file(&self, name: &str, token: &str) -> PathBuf {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.dir.path().join(name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .expect("token file");
        writeln!(f, "{token}").expect("write token");
        path
    }

    /// A file of this content in the temp dir.
    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write file");
        path
    }

    /// `tokentab admin <args> --url … --token-file <tf>`.
    pub async fn run(&self, tf: &Path, args: &[&str]) -> Output {
        self.run_with_stdin(tf, args, None).await
    }

    /// [`run`](Self::run), asserting it succeeded ([`ok`]): its stdout.
    pub async fn ok(&self, tf: &Path, args: &[&str]) -> String {
        ok(&self.run(tf, args).await)
    }

    /// [`run`](Self::run), asserting it exited `code` with nothing on stdout ([`fails`]): its
    /// stderr.
    pub async fn fails(&self, tf: &Path, args: &[&str], code: i32) -> String {
        fails(&self.run(tf, args).await, code)
    }

    /// [`run`](Self::run), asserting it succeeded with JSON on stdout ([`json`]).
    pub async fn json(&self, tf: &Path, args: &[&str]) -> Value {
        json(&self.run(tf, args).await)
    }

    pub async fn run_with_stdin(&self, tf: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
        self.spawn("admin", tf, args, stdin).await
    }

    /// `tokentab tokens <args> --url … --token-file <tf>`.
    pub async fn tokens(&self, tf: &Path, args: &[&str]) -> Output {
        self.spawn("tokens", tf, args, None).await
    }

    /// `tokentab <command> <args> --url … --token-file <tf>`, with `stdin` when given.
    pub(crate) async fn spawn(
        &self,
        command: &str,
        tf: &Path,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentab"));
        cmd.env_remove("TOKENTAB_URL")
            .env_remove("TOKENTAB_TOKEN")
            .env_remove("TOKENTAB_PROFILE")
            .env_remove("JFROG_CLI_SERVER_ID")
            .env("NO_COLOR", "1")
            .arg(command)
            .args(args)
            .arg("--url")
            .arg(&self.url)
            .arg("--token-file")
            .arg(tf)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run tokentab");
        if let Some(bytes) = stdin {
            let mut w = child.stdin.take().expect("stdin");
            w.write_all(bytes).await.expect("write stdin");
            drop(w);
        }
        child.wait_with_output().await.expect("tokentab output")
    }
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts exit 0 and nothing on stderr but `tokentab:` lines; returns stdout.
pub(crate) fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}; stderr: {}; stdout: {}",
        o.status.code(),
        text(&o.stderr),
        text(&o.stdout)
    );
    text(&o.stdout)
}

/// Asserts exit `code` and an empty stdout; returns stderr.
pub(crate) fn fails(o: &Output, code: i32) -> String {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stderr: {}; stdout: {}",
        text(&o.stderr),
        text(&o.stdout)
    );
    assert!(o.stdout.is_empty(), "stdout: {}", text(&o.stdout));
    let err = text(&o.stderr);
    // clap's own usage errors start with `error:`; ours with `tokentab:`.
    assert!(
        err.starts_with("tokentab: ") || (code == 2 && err.starts_with("error: ")),
        "{err}"
    );
    err
}

pub(crate) fn json(o: &Output) -> Value {
    serde_json::from_str(&ok(o)).expect("JSON on stdout")
}

/// The first line is a header naming `headers`; returns the lines.
pub(crate) fn table<'a>(out: &'a str, headers: &[&str]) -> Vec<&'a str> {
    let lines: Vec<&str> = out.lines().collect();
    for h in headers {
        assert!(lines[0].contains(h), "header {h:?} in {out}");
    }
    lines
}

/// A service and the admin's token file.
pub(crate) async fn admin_setup() -> (TestService, AdminCli, PathBuf) {
    let s = harness().start().await;
    let cli = AdminCli::new(&s.handle.url());
    let tf = cli.token_file("admin.token", &s.admin);
    (s, cli, tf)
}

#[tokio::test(flavor = "multi_thread")]
async fn users_add_list_disable_enable_remove() {
    let (s, cli, tf) = admin_setup().await;

    let out = cli.ok(&tf, &["users", "list"]).await;
    let lines = table(&out, &["Username", "Email", "Admin", "Status", "Realm"]);
    assert!(
        lines[1].starts_with("admin ") && lines[1].contains("yes"),
        "{out}"
    );

    let out = cli
        .ok(
            &tf,
            &["users", "add", "alice", "--email", "alice@example.com"],
        )
        .await;
    assert_eq!(out, "added user alice\n");
    let v = cli
        .json(&tf, &["users", "add", "bob", "--admin", "--json"])
        .await;
    assert_eq!(v["username"], "bob");
    assert_eq!(v["admin"], true);
    assert_eq!(v["status"], "enabled");

    // Duplicate: 409 with the server's words, exit 1.
    let err = cli.fails(&tf, &["users", "add", "alice"], 1).await;
    assert!(
        err.contains("user \"alice\" already exists") && err.contains("409"),
        "{err}"
    );
    // A bad name: 400 naming the field.
    let err = cli.fails(&tf, &["users", "add", "Al ice"], 1).await;
    assert!(err.contains("username") && err.contains("400"), "{err}");
    // A bad email.
    let err = cli
        .fails(
            &tf,
            &["users", "add", "carol", "--email", "not-an-address"],
            1,
        )
        .await;
    assert!(err.contains("email"), "{err}");

    let out = cli.ok(&tf, &["users", "list"]).await;
    let alice = out.lines().find(|l| l.starts_with("alice ")).expect(&out);
    assert!(
        alice.contains("alice@example.com") && alice.contains("enabled"),
        "{out}"
    );

    // Disable: the list filter sees it; her token is refused; enable brings it back.
    let alice_token = s.user_token("alice").await;
    let out = cli.ok(&tf, &["users", "disable", "alice"]).await;
    assert!(out.starts_with("disabled user alice"), "{out}");
    let v = cli
        .json(&tf, &["users", "list", "--status", "disabled", "--json"])
        .await;
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice"]);
    let (st, _) = s.get(&alice_token, "/access/api/v1/tokens/me").await;
    assert_eq!(st.as_u16(), 401, "a disabled user's token is refused");
    let v = cli.json(&tf, &["users", "enable", "alice", "--json"]).await;
    assert_eq!(v["status"], "enabled");
    let (st, _) = s.get(&alice_token, "/access/api/v1/tokens/me").await;
    assert_eq!(st.as_u16(), 200, "enabled again");
    let v = cli
        .json(&tf, &["users", "list", "--status", "disabled", "--json"])
        .await;
    assert_eq!(v, serde_json::json!([]));

    // The last enabled admin: bob is an admin too, so remove him first.
    let v = cli.json(&tf, &["users", "remove", "bob", "--json"]).await;
    assert_eq!(
        v,
        serde_json::json!({"username": "bob", "tokens_revoked": 0})
    );
    let err = cli.fails(&tf, &["users", "disable", "admin"], 1).await;
    assert!(
        err.contains("last enabled admin") && err.contains("409"),
        "{err}"
    );
    let err = cli.fails(&tf, &["users", "remove", "admin"], 1).await;
    assert!(err.contains("last enabled admin"), "{err}");
    // With another admin, disabling or removing the user of the token in use would lock that
    // token out: refused before anything is sent (exit 2); the other admin's token may.
    cli.ok(&tf, &["users", "add", "root", "--admin"]).await;
    let root_tf = cli.token_file("root.token", &s.user_token("root").await);
    for verb in ["disable", "remove"] {
        let err = cli.fails(&root_tf, &["users", verb, "root"], 2).await;
        assert!(
            err.contains("root is the user of the token in use"),
            "{err}"
        );
    }
    let out = cli.ok(&root_tf, &["users", "disable", "admin"]).await;
    assert!(out.starts_with("disabled user admin"), "{out}");
    cli.ok(&root_tf, &["users", "enable", "admin"]).await;
    cli.ok(&tf, &["users", "remove", "root"]).await;

    // Remove: her tokens are revoked, and the line says how many.
    let out = cli.ok(&tf, &["users", "remove", "alice"]).await;
    assert_eq!(out, "removed user alice; revoked 1 token\n");
    let (st, _) = s.get(&alice_token, "/access/api/v1/tokens/me").await;
    assert_eq!(st.as_u16(), 401);
    let err = cli.fails(&tf, &["users", "remove", "alice"], 1).await;
    assert!(err.contains("404"), "{err}");

    // Usage: exit 2, nothing sent.
    cli.fails(&tf, &["users", "list", "--status", "gone"], 2)
        .await;
    cli.fails(&tf, &["users", "remove", ".."], 2).await;
    cli.fails(&tf, &["users", "add"], 2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn projects_and_members() {
    let (_s, cli, tf) = admin_setup().await;
    cli.ok(&tf, &["users", "add", "alice"]).await;

    let out = cli
        .ok(
            &tf,
            &[
                "projects",
                "add",
                "demo",
                "--display-name",
                "Demo fleet",
                "--description",
                "the lab",
            ],
        )
        .await;
    assert_eq!(out, "added project demo\n");
    let v = cli.json(&tf, &["projects", "add", "lab", "--json"]).await;
    assert_eq!(v["project_key"], "lab");
    assert_eq!(
        v["display_name"], "lab",
        "the display name defaults to the key"
    );

    let out = cli.ok(&tf, &["projects", "list"]).await;
    let lines = table(&out, &["Key", "Display name", "Description"]);
    let demo = lines.iter().find(|l| l.starts_with("demo ")).expect(&out);
    assert!(
        demo.contains("Demo fleet") && demo.contains("the lab"),
        "{out}"
    );
    let v = cli.json(&tf, &["projects", "list", "--json"]).await;
    assert_eq!(v.as_array().unwrap().len(), 2);

    let err = cli.fails(&tf, &["projects", "add", "demo"], 1).await;
    assert!(err.contains("demo") && err.contains("409"), "{err}");
    let err = cli.fails(&tf, &["projects", "add", "9lives"], 1).await;
    assert!(err.contains("400"), "{err}");
    let err = cli
        .fails(
            &tf,
            &["projects", "add", "evil", "--description", "a\u{202e}b"],
            1,
        )
        .await;
    assert!(
        err.contains("description") && !err.contains('\u{202e}'),
        "{err}"
    );

    // Members.
    let out = cli
        .ok(
            &tf,
            &[
                "members",
                "add",
                "demo",
                "alice",
                "--role",
                "developer",
                "--role",
                "viewer",
            ],
        )
        .await;
    assert_eq!(
        out,
        "alice is a member of project demo (roles: developer, viewer)\n"
    );
    let out = cli.ok(&tf, &["members", "list", "demo"]).await;
    let lines = table(&out, &["Member", "Roles"]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("alice ") && l.contains("developer, viewer")),
        "{out}"
    );
    let v = cli.json(&tf, &["members", "list", "demo", "--json"]).await;
    assert!(
        v.as_array()
            .unwrap()
            .contains(&serde_json::json!({"name": "alice", "roles": ["developer", "viewer"]})),
        "{v}"
    );
    let v = cli
        .json(&tf, &["members", "add", "lab", "alice", "--json"])
        .await;
    assert_eq!(v["name"], "alice");

    // Unknown project or user: 404 with the server's words.
    let err = cli
        .fails(&tf, &["members", "add", "nope", "alice"], 1)
        .await;
    assert!(err.contains("nope") && err.contains("404"), "{err}");
    let err = cli.fails(&tf, &["members", "add", "demo", "zed"], 1).await;
    assert!(err.contains("zed") && err.contains("404"), "{err}");

    let out = cli.ok(&tf, &["members", "remove", "demo", "alice"]).await;
    assert!(out.starts_with("removed alice from project demo"), "{out}");
    let err = cli
        .fails(&tf, &["members", "remove", "demo", "alice"], 1)
        .await;
    assert!(err.contains("not a member"), "{err}");
    let v = cli
        .json(&tf, &["members", "remove", "lab", "alice", "--json"])
        .await;
    assert_eq!(v["removed"], true);

    // Remove: an unused project goes at once.
    let out = cli.ok(&tf, &["projects", "remove", "lab"]).await;
    assert_eq!(out, "removed project lab\n");
    let err = cli.fails(&tf, &["projects", "remove", "lab"], 1).await;
    assert!(err.contains("404"), "{err}");
    let v = cli
        .json(&tf, &["projects", "remove", "demo", "--json"])
        .await;
    assert_eq!(v["project_key"], "demo");
}

/// A non-admin token: every admin command exits 1 with a 403 and prints nothing on stdout.
#[tokio::test(flavor = "multi_thread")]
async fn a_non_admin_token_is_refused_by_every_admin_command() {
    let (s, cli, tf) = admin_setup().await;
    cli.ok(&tf, &["users", "add", "alice"]).await;
    cli.ok(&tf, &["projects", "add", "demo"]).await;
    cli.ok(&tf, &["members", "add", "demo", "alice"]).await;
    cli.ok(&tf, &["fleets", "add", "--project", "demo", "rpi"])
        .await;
    let v = cli
        .json(
            &tf,
            &[
                "devices",
                "add",
                "--project",
                "demo",
                "--name",
                "pi",
                "--fleet",
                "rpi",
                "--json",
            ],
        )
        .await;
    let dev = v["device_uuid"].as_str().unwrap().to_owned();
    let alice = s.user_token("alice").await;
    let alice_tf = cli.token_file("alice.token", &alice);
    let csv = cli.file("d.csv", "device_name,fleet\npi2,rpi\n");
    let csv = csv.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["users", "list"],
        vec!["users", "add", "mallory"],
        vec!["users", "disable", "alice"],
        vec!["users", "enable", "alice"],
        vec!["users", "remove", "admin"],
        vec!["projects", "list"],
        vec!["projects", "add", "mine"],
        vec!["projects", "remove", "demo", "--force"],
        vec!["members", "list", "demo"],
        vec!["members", "add", "demo", "alice", "--role", "owner"],
        vec!["members", "remove", "demo", "alice"],
        vec!["fleets", "list", "--project", "demo"],
        vec!["fleets", "add", "--project", "demo", "x"],
        vec!["fleets", "remove", "--project", "demo", "rpi", "--force"],
        vec!["devices", "list", "--project", "demo"],
        vec![
            "devices",
            "add",
            "--project",
            "demo",
            "--name",
            "n",
            "--fleet",
            "rpi",
        ],
        vec!["devices", "remove", "--project", "demo", &dev],
        vec!["devices", "import", "--project", "demo", csv],
        vec!["devices", "import", "--project", "demo", csv, "--dry-run"],
    ];
    for args in &commands {
        for json_flag in [false, true] {
            let mut a = args.clone();
            if json_flag {
                a.push("--json");
            }
            let err = cli.fails(&alice_tf, &a, 1).await;
            assert!(err.contains("403") && err.contains("admin"), "{a:?}: {err}");
            assert!(!err.contains(&alice), "the token never shows");
        }
    }
    // Nothing changed.
    let v = cli.json(&tf, &["users", "list", "--json"]).await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    let v = cli
        .json(&tf, &["devices", "list", "--project", "demo", "--json"])
        .await;
    assert_eq!(v.as_array().unwrap().len(), 1);
}
