//! The real `tokentab admin fleets|devices …` binary against a real service (the token from a
//! file): tables and `--json`, import dry run vs real, the bad-rows report, a project in use
//! removed only with --force (with a Custom token made by `tokens create --user … --scope …`).
//! Against a JFrog Platform: `cli_admin_jfrog`.

use crate::cli_admin::{admin_setup, json, table};

use serde_json::{Value, json};

fn uuids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_uuid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fleets_and_devices() {
    let (s, cli, tf) = admin_setup().await;
    cli.ok(&tf, &["projects", "add", "demo"]).await;

    let out = cli
        .ok(&tf, &["fleets", "add", "--project", "demo", "rpi"])
        .await;
    assert_eq!(out, "added fleet demo/rpi\n");
    let v = cli
        .json(
            &tf,
            &["fleets", "add", "--project", "demo", "edge", "--json"],
        )
        .await;
    assert_eq!(v["name"], "edge");
    let err = cli
        .fails(&tf, &["fleets", "add", "--project", "demo", "rpi"], 1)
        .await;
    assert!(err.contains("409"), "{err}");
    let err = cli
        .fails(&tf, &["fleets", "add", "--project", "nope", "rpi"], 1)
        .await;
    assert!(err.contains("nope") && err.contains("404"), "{err}");
    assert!(
        !err.contains("JFrog Connect"),
        "a tokentab 404 is not JFrog's: {err}"
    );

    // Devices: a generated id, and one of our own.
    let out = cli
        .ok(
            &tf,
            &[
                "devices",
                "add",
                "--project",
                "demo",
                "--name",
                "pi one",
                "--fleet",
                "rpi",
                "--tag",
                "lab",
                "--tag",
                "arm",
                "--description",
                "bench",
            ],
        )
        .await;
    assert!(
        out.starts_with("added device d-") && out.contains("(pi one) to demo/rpi"),
        "{out}"
    );
    let v = cli
        .json(
            &tf,
            &[
                "devices",
                "add",
                "--project",
                "demo",
                "--name",
                "pi two",
                "--fleet",
                "edge",
                "--id",
                "d-0000-0002",
                "--json",
            ],
        )
        .await;
    assert_eq!(v["device_uuid"], "d-0000-0002");
    assert_eq!(v["group"], "edge");
    let err = cli
        .fails(
            &tf,
            &[
                "devices",
                "add",
                "--project",
                "demo",
                "--name",
                "x",
                "--fleet",
                "ghost",
            ],
            1,
        )
        .await;
    assert!(err.contains("fleet") && err.contains("ghost"), "{err}");
    assert!(!err.contains("JFrog Connect"), "{err}");

    let out = cli.ok(&tf, &["devices", "list", "--project", "demo"]).await;
    let lines = table(&out, &["Device ID", "Name", "Fleet", "Tags", "Description"]);
    assert_eq!(lines.len(), 3, "{out}");
    let one = lines.iter().find(|l| l.contains("pi one")).expect(&out);
    assert!(
        one.contains("rpi") && one.contains("lab, arm") && one.contains("bench"),
        "{out}"
    );
    let v = cli
        .json(
            &tf,
            &[
                "devices",
                "list",
                "--project",
                "demo",
                "--fleet",
                "edge",
                "--json",
            ],
        )
        .await;
    assert_eq!(uuids(&v), ["d-0000-0002"]);

    let out = cli.ok(&tf, &["fleets", "list", "--project", "demo"]).await;
    let lines = table(&out, &["Fleet", "Devices"]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("rpi ") && l.ends_with(" 1")),
        "{out}"
    );

    // A token naming the device: its removal says so.
    s.scoped("connect:device:demo/d-0000-0002:r").await;
    let out = cli
        .ok(
            &tf,
            &["devices", "remove", "--project", "demo", "d-0000-0002"],
        )
        .await;
    assert_eq!(
        out,
        "removed device demo/d-0000-0002; 1 live token named it (that grant is now useless)\n"
    );
    let err = cli
        .fails(
            &tf,
            &["devices", "remove", "--project", "demo", "d-0000-0002"],
            1,
        )
        .await;
    assert!(
        err.contains("404") && !err.contains("JFrog Connect"),
        "{err}"
    );

    // A fleet with devices: refused, then forced.
    let err = cli
        .fails(&tf, &["fleets", "remove", "--project", "demo", "rpi"], 1)
        .await;
    assert!(err.contains("409"), "{err}");
    let v = cli
        .json(
            &tf,
            &[
                "fleets",
                "remove",
                "--project",
                "demo",
                "rpi",
                "--force",
                "--json",
            ],
        )
        .await;
    assert_eq!(v["devices_deleted"], 1);
    let out = cli
        .ok(&tf, &["fleets", "remove", "--project", "demo", "edge"])
        .await;
    assert_eq!(out, "removed fleet demo/edge\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_dry_run_then_real_and_bad_rows() {
    let (_s, cli, tf) = admin_setup().await;
    cli.ok(&tf, &["projects", "add", "demo"]).await;
    cli.ok(&tf, &["fleets", "add", "--project", "demo", "rpi"])
        .await;
    cli.ok(
        &tf,
        &[
            "devices",
            "add",
            "--project",
            "demo",
            "--name",
            "old",
            "--fleet",
            "rpi",
            "--id",
            "d-0000-0001",
        ],
    )
    .await;
    let csv = cli.file(
        "devices.csv",
        "device_uuid,device_name,fleet,tags,description\n\
         d-0000-0001,renamed,rpi,lab;arm,\"bench, left\"\n\
         d-0000-0002,pi two,rpi,,\n\
         ,pi three,rpi,lab,\n",
    );
    let csv = csv.to_str().unwrap();

    // Dry run: a line per change and the summary; nothing written.
    let out = cli
        .ok(
            &tf,
            &["devices", "import", "--project", "demo", csv, "--dry-run"],
        )
        .await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("line 2: update d-0000-0001 (") && lines[0].contains("device_name"),
        "{out}"
    );
    assert_eq!(lines[1], "line 3: add d-0000-0002");
    assert_eq!(lines[2], "line 4: add \"pi three\" (a new id)");
    assert_eq!(lines[3], "would add 2, update 1 (dry run)");
    let v = cli
        .json(&tf, &["devices", "list", "--project", "demo", "--json"])
        .await;
    assert_eq!(uuids(&v), ["d-0000-0001"], "a dry run writes nothing");
    let v = cli
        .json(
            &tf,
            &[
                "devices",
                "import",
                "--project",
                "demo",
                csv,
                "--dry-run",
                "--json",
            ],
        )
        .await;
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["added"], 2);
    assert_eq!(v["changes"].as_array().unwrap().len(), 3);

    // Real.
    let out = cli
        .ok(&tf, &["devices", "import", "--project", "demo", csv])
        .await;
    assert_eq!(out, "added 2, updated 1\n");
    let v = cli
        .json(&tf, &["devices", "list", "--project", "demo", "--json"])
        .await;
    assert_eq!(v.as_array().unwrap().len(), 3);
    let renamed = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_uuid"] == "d-0000-0001")
        .unwrap();
    assert_eq!(renamed["device_name"], "renamed");
    assert_eq!(renamed["tags"], json!(["lab", "arm"]));
    assert_eq!(renamed["description"], "bench, left");

    // JSON Lines from stdin (sniffed), again: the known rows are unchanged.
    let jsonl = "{\"device_uuid\":\"d-0000-0002\",\"device_name\":\"pi two\",\"fleet\":\"rpi\"}\n\n\
                 {\"device_uuid\":\"d-0000-0009\",\"device_name\":\"nine\",\"fleet\":\"rpi\",\"tags\":[\"x\"]}\n";
    let o = cli
        .run_with_stdin(
            &tf,
            &["devices", "import", "--project", "demo", "-", "--json"],
            Some(jsonl.as_bytes()),
        )
        .await;
    let v = json(&o);
    assert_eq!(
        (v["added"].as_u64(), v["unchanged"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );

    // Bad rows: nothing imported, each on stderr with its line, exit 1.
    let bad = cli.file(
        "bad.csv",
        "device_name,fleet,device_uuid,tags\n\
         good,rpi,d-0000-0100,\n\
         ,rpi,d-0000-0101,\n\
         good2,rpi,d-0000-0102,\n\
         dup,rpi,d-0000-0100,\n\
         spaced,rpi,d-0000-0103,a b\n",
    );
    let err = cli
        .fails(
            &tf,
            &[
                "devices",
                "import",
                "--project",
                "demo",
                bad.to_str().unwrap(),
            ],
            1,
        )
        .await;
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0], "tokentab: 3 bad rows; nothing was imported",
        "{err}"
    );
    assert!(lines[1].starts_with("line 3: device_name: "), "{err}");
    assert!(lines[2].starts_with("line 5: device_uuid: "), "{err}");
    assert!(lines[3].starts_with("line 6: tags: "), "{err}");
    assert_eq!(lines.len(), 4, "{err}");
    let v = cli
        .json(&tf, &["devices", "list", "--project", "demo", "--json"])
        .await;
    assert!(
        !uuids(&v).contains(&"d-0000-0100".to_owned()),
        "all rows or none"
    );
    // An unknown fleet is a bad row too (found by the store).
    let ghost = cli.file("ghost.csv", "device_name,fleet\nok,rpi\nlost,ghost\n");
    let err = cli
        .fails(
            &tf,
            &[
                "devices",
                "import",
                "--project",
                "demo",
                ghost.to_str().unwrap(),
                "--dry-run",
            ],
            1,
        )
        .await;
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0], "tokentab: 1 bad row; nothing was imported",
        "{err}"
    );
    assert!(lines[1].starts_with("line 3: fleet: "), "{err}");
    assert!(
        !err.contains("fleet: fleet:"),
        "the field is named once: {err}"
    );
    assert_eq!(lines.len(), 2, "{err}");
    assert!(err.contains("ghost"), "{err}");

    // Usage: a missing file, an empty one: exit 2.
    cli.fails(
        &tf,
        &["devices", "import", "--project", "demo", "/nonexistent.csv"],
        2,
    )
    .await;
    let empty = cli.file("empty.csv", "\n");
    cli.fails(
        &tf,
        &[
            "devices",
            "import",
            "--project",
            "demo",
            empty.to_str().unwrap(),
        ],
        2,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_in_use_is_removed_only_with_force() {
    let (s, cli, tf) = admin_setup().await;
    cli.ok(&tf, &["users", "add", "alice"]).await;
    cli.ok(&tf, &["projects", "add", "demo"]).await;
    cli.ok(&tf, &["members", "add", "demo", "alice"]).await;
    cli.ok(&tf, &["fleets", "add", "--project", "demo", "rpi"])
        .await;
    let csv = cli.file("d.csv", "device_name,fleet\na,rpi\nb,rpi\n");
    cli.ok(
        &tf,
        &[
            "devices",
            "import",
            "--project",
            "demo",
            csv.to_str().unwrap(),
        ],
    )
    .await;

    // An admin makes alice a Custom token on the fleet (--user with --scope).
    let o = cli
        .tokens(
            &tf,
            &[
                "create",
                "-d",
                "alice rpi",
                "--user",
                "alice",
                "--scope",
                "connect:fleet:demo/rpi:r",
                "--json",
            ],
        )
        .await;
    let v = json(&o);
    let secret = v["access_token"].as_str().unwrap().to_owned();
    let (st, me) = s.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(st.as_u16(), 200, "{me}");
    assert!(me["subject"].as_str().unwrap().ends_with("alice"), "{me}");
    assert!(
        me["scope"]
            .as_str()
            .unwrap()
            .contains("connect:fleet:demo/rpi:r"),
        "{me}"
    );

    let err = cli.fails(&tf, &["projects", "remove", "demo"], 1).await;
    assert!(
        err.contains("in use") && err.contains("force") && err.contains("409"),
        "{err}"
    );
    let out = cli
        .ok(&tf, &["projects", "remove", "demo", "--force"])
        .await;
    assert!(
        out.starts_with("removed project demo; revoked 1 token; deleted 2 devices, 1 fleet"),
        "{out}"
    );
    let (st, _) = s.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(st.as_u16(), 401, "the forced delete revoked it");
}
