//! The real `tokentab admin …` binary against a scripted JFrog Platform: users, projects and
//! members speak the same API (the requests checked); device writes meet no endpoint there and
//! say plainly that JFrog Connect registers devices through its agent. And `tokens create
//! --user … --scope …` (the request names both).

use crate::cli_admin::{AdminCli, fails, ok, text};
use crate::common::fault_server::{FaultServer, Reply};

use serde_json::{Value, json};

const AGENT: &str = "JFrog Connect registers devices through its agent; \"tokentab admin devices add|remove|import\" manage the devices of a tokentab serve";

/// A JFrog Platform: users and projects speak the same API; device writes meet no endpoint and
/// say so plainly.
#[tokio::test(flavor = "multi_thread")]
async fn against_a_jfrog_platform() {
    let f = FaultServer::start().await;
    let user = json!({"username":"alice","email":"a@example.com","admin":false,"status":"enabled","realm":"internal"});
    f.on(
        "POST",
        "/access/api/v2/users",
        vec![Reply::json_value(201, &user)],
    );
    f.on(
        "POST",
        "/api/v2/demo/devices",
        vec![Reply::json(
            404,
            r#"{"errors":[{"status":404,"message":"Not Found"}]}"#,
        )],
    );
    f.on(
        "DELETE",
        "/api/v2/demo/devices/d-1",
        vec![Reply::json(
            405,
            r#"{"errors":[{"status":405,"message":"Method Not Allowed"}]}"#,
        )],
    );
    // The import path is not scripted: the fault server's own 404.
    let cli = AdminCli::new(&f.url());
    let tf = cli.token_file("jfrog.token", "jfrog-test-token-Qx7");

    let out = cli
        .ok(&tf, &["users", "add", "alice", "--email", "a@example.com"])
        .await;
    assert_eq!(out, "added user alice\n");
    let sent = f.requests().pop().unwrap();
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body,
        json!({"username":"alice","email":"a@example.com","admin":false})
    );
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer jfrog-test-token-Qx7")
    );

    // Projects and members: JFrog Access v1.
    let project = json!({"project_key":"demo","display_name":"Demo","description":""});
    f.on(
        "POST",
        "/access/api/v1/projects",
        vec![Reply::json_value(201, &project)],
    );
    f.on(
        "PUT",
        "/access/api/v1/projects/demo/users/alice",
        vec![Reply::json_value(
            200,
            &json!({"name":"alice","roles":["Developer"]}),
        )],
    );
    f.on(
        "GET",
        "/access/api/v1/projects/demo/users",
        vec![Reply::json_value(
            200,
            &json!({"members":[{"name":"alice","roles":["Developer"]}]}),
        )],
    );
    let out = cli
        .ok(&tf, &["projects", "add", "demo", "--display-name", "Demo"])
        .await;
    assert_eq!(out, "added project demo\n");
    let body: Value = serde_json::from_slice(&f.requests().pop().unwrap().body).unwrap();
    assert_eq!(body, json!({"project_key":"demo","display_name":"Demo"}));
    let out = cli
        .ok(
            &tf,
            &["members", "add", "demo", "alice", "--role", "Developer"],
        )
        .await;
    assert_eq!(
        out,
        "alice is a member of project demo (roles: Developer)\n"
    );
    let body: Value = serde_json::from_slice(&f.requests().pop().unwrap().body).unwrap();
    assert_eq!(body, json!({"name":"alice","roles":["Developer"]}));
    let v = cli.json(&tf, &["members", "list", "demo", "--json"]).await;
    assert_eq!(v, json!([{"name":"alice","roles":["Developer"]}]));

    for args in [
        vec![
            "devices",
            "add",
            "--project",
            "demo",
            "--name",
            "n",
            "--fleet",
            "f",
        ],
        vec!["devices", "remove", "--project", "demo", "d-1"],
        vec![
            "devices",
            "import",
            "--project",
            "demo",
            cli.file("x.csv", "device_name,fleet\na,b\n")
                .to_str()
                .unwrap(),
        ],
    ] {
        let err = cli.fails(&tf, &args, 1).await;
        assert_eq!(err, format!("tokentab: {AGENT}\n"), "{args:?}");
    }
    let imports: Vec<_> = f
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v2/demo/devices/import")
        .collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].header("content-type"), Some("text/csv"));
    assert!(!text(&imports[0].body).is_empty());
}

/// `tokens create --user alice --scope connect:…`: a Custom token for alice (the request names
/// both); `--user` with an admin scope is a usage error (exit 2, nothing sent).
#[tokio::test(flavor = "multi_thread")]
async fn tokens_create_for_a_user_with_a_custom_scope() {
    let f = FaultServer::start().await;
    let secret = "SECRET-for-alice-0123456789abcdef";
    f.on(
        "POST",
        "/access/api/v1/tokens",
        vec![Reply::json_value(
            200,
            &json!({"token_id":"t-1","access_token":secret,"expires_in":3600,
                    "scope":"connect:fleet:lab/rpi:r","token_type":"Bearer"}),
        )],
    );
    let cli = AdminCli::new(&f.url());
    let tf = cli.token_file("t", "admin-test-token-Zx1");
    let create = |extra: &'static [&'static str]| {
        let args = [&["create", "-d", "alice rpi", "--user", "alice"][..], extra].concat();
        let (cli, tf) = (&cli, &tf);
        async move { cli.tokens(tf, &args).await }
    };
    let o = create(&["--scope", "connect:fleet:lab/rpi:r"]).await;
    assert_eq!(ok(&o), format!("{secret}\n"));
    let body: Value = serde_json::from_slice(&f.requests()[0].body).unwrap();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["scope"], "connect:fleet:lab/rpi:r");
    assert_eq!(body["audience"], "jfcon@*");

    let o = create(&["--scope", "applied-permissions/admin"]).await;
    assert!(fails(&o, 2).contains("--user"));
    assert_eq!(f.count("POST", "/access/api/v1/tokens"), 1);
}

/// Whatever a server sends is made safe before it reaches the terminal: tables and lines
/// sanitised, JSON with the unsafe characters escaped (the same data).
#[tokio::test(flavor = "multi_thread")]
async fn hostile_server_strings_are_made_safe() {
    let f = FaultServer::start().await;
    let evil = "pi\u{1b}[2J\u{202e}gnp.exe";
    f.on(
        "GET",
        "/api/v2/demo/devices",
        vec![Reply::json_value(
            200,
            &json!({"devices":[{"device_uuid":"d-1","device_name":evil,"group":"rpi",
                    "description":evil,"tags":[evil]}]}),
        )],
    );
    f.on(
        "POST",
        "/access/api/v2/users",
        vec![Reply::json(
            409,
            "{\"errors\":[{\"code\":\"CONFLICT\",\"message\":\"user \\u001b]52;c;eA==\\u0007x exists\"}]}",
        )],
    );
    let cli = AdminCli::new(&f.url());
    let tf = cli.token_file("t", "hostile-test-token-Pq2");
    let out = cli.ok(&tf, &["devices", "list", "--project", "demo"]).await;
    assert!(out.contains("d-1") && out.contains("gnp.exe"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    let raw = cli
        .ok(&tf, &["devices", "list", "--project", "demo", "--json"])
        .await;
    assert!(
        !raw.contains('\u{1b}') && !raw.contains('\u{202e}'),
        "{raw:?}"
    );
    assert!(raw.contains("\\u202e"), "{raw}");
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v[0]["device_name"], evil, "the same data");
    let err = cli.fails(&tf, &["users", "add", "x"], 1).await;
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("exists") && err.contains("409"), "{err}");
}
