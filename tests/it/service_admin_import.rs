//! Device import over HTTP (issue 17): CSV and JSON Lines, all rows or none, every bad row
//! named by its file line (shape, an id twice, an unknown fleet), dry runs that write nothing,
//! upserts, and the route's own 16 MiB body limit (every other route keeps 64 KiB).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::service::{TestService, harness, message};
use crate::service_admin_util::{audited, import, project_with_fleet, send_raw};

const CSV: &str = "text/csv";

/// `n` rows `d-NNNNN,pi N,rpi,arm64;lab,…` (lines 2..=n+1), row `i` (line) changed by `edit`.
fn csv_rows(n: usize, edit: impl Fn(u64, String) -> String) -> String {
    let mut out = String::from("device_uuid,device_name,fleet,tags,description\n");
    for i in 0..n {
        let line = i as u64 + 2;
        let row = format!("d-{i:05},pi {i},rpi,arm64;lab,row {i}");
        out.push_str(&edit(line, row));
        out.push('\n');
    }
    out
}

async fn device_count(s: &TestService) -> usize {
    let mut n = 0;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v2/lab/devices?limit=1000&after={a}"),
            None => "/api/v2/lab/devices?limit=1000".to_owned(),
        };
        let (st, v) = s.get(&s.admin, &path).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        n += v["devices"].as_array().unwrap().len();
        match v["after"].as_str() {
            Some(a) => after = Some(a.to_owned()),
            None => return n,
        }
    }
}

fn bad_lines(v: &Value) -> Vec<u64> {
    v["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows: {v}"))
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_rows_with_three_bad_ones_import_nothing_and_name_those_lines() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    let text = csv_rows(10_000, |line, row| match line {
        3 => "d-00001,pi \u{1b}[2J,rpi,,".to_owned(),
        17 => "d-00015,pi 15,nope,,".to_owned(),
        9_998 => "d-00000,again,rpi,,".to_owned(),
        _ => row,
    });
    let (st, v) = import(&s, "lab", "", CSV, text).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(message(&v), "3 bad rows; nothing was imported");
    assert_eq!(v["errors"][0]["code"], "BAD_REQUEST");
    assert_eq!(bad_lines(&v), [3, 17, 9_998], "{}", v["rows"]);
    let rows = &v["rows"];
    assert_eq!(rows[0]["field"], "device_name", "{rows}");
    assert_eq!(rows[1]["field"], "fleet", "{rows}");
    assert!(
        rows[1]["message"].as_str().unwrap().contains("nope"),
        "{rows}"
    );
    assert_eq!(rows[2]["field"], "device_uuid", "{rows}");
    assert!(
        rows[2]["message"].as_str().unwrap().contains("line 2"),
        "{rows}"
    );
    assert_eq!(device_count(&s).await, 0, "nothing was imported");

    // The same file without the bad rows: all of it, in one go.
    let (st, v) = import(&s, "lab", "", CSV, csv_rows(10_000, |_, r| r)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (
            &v["project"],
            &v["dry_run"],
            &v["rows"],
            &v["added"],
            &v["updated"]
        ),
        (
            &json!("lab"),
            &json!(false),
            &json!(10_000),
            &json!(10_000),
            &json!(0)
        )
    );
    assert_eq!(device_count(&s).await, 10_000);
    assert_eq!(audited(&s, "device_import", "").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_upsert_and_dry_runs_write_nothing() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    let first = "device_name,fleet,device_uuid\npi a,rpi,pi-a\npi b,rpi,pi-b\nno id,rpi,\n";
    let (st, v) = import(&s, "lab", "?dry_run=true", CSV, first).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["dry_run"], &v["added"]),
        (&json!(true), &json!(3)),
        "{v}"
    );
    assert_eq!(v["changes"].as_array().unwrap().len(), 3);
    assert_eq!(device_count(&s).await, 0, "a dry run writes nothing");
    assert!(audited(&s, "device_import", "").await.is_empty());

    let (st, v) = import(&s, "lab", "", CSV, first).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["added"], 3, "{v}");
    let generated = v["changes"][2]["device_uuid"].as_str().unwrap().to_owned();
    assert!(
        generated.starts_with("d-") && generated.len() == 11,
        "{generated}"
    );

    // JSON Lines (by its type, and by its first byte): pi-a renamed, pi-b as it was.
    let jsonl = "{\"device_uuid\":\"pi-a\",\"device_name\":\"pi A\",\"fleet\":\"rpi\"}\n\n\
                 {\"device_uuid\":\"pi-b\",\"device_name\":\"pi b\",\"fleet\":\"rpi\"}\n";
    for (ct, dry) in [
        ("application/x-ndjson", "?dry_run=true"),
        ("application/octet-stream", ""),
    ] {
        let (st, v) = import(&s, "lab", dry, ct, jsonl).await;
        assert_eq!(st, StatusCode::OK, "{ct}: {v}");
        assert_eq!(
            (&v["added"], &v["updated"], &v["unchanged"]),
            (&json!(0), &json!(1), &json!(1)),
            "{v}"
        );
        assert_eq!(v["changes"][0]["line"], 1);
        assert_eq!(v["changes"][0]["fields"], json!(["device_name"]));
    }
    let (_, d) = s.get(&s.admin, "/api/v2/lab/devices/pi-a").await;
    assert_eq!(d["device_name"], "pi A");
    assert_eq!(device_count(&s).await, 3);

    // JSON Lines bad rows: their lines, the blank one counted.
    let bad = "{\"device_name\":\"x\",\"fleet\":\"rpi\"}\n\n{\"device_name\":\"y\"}\nnot json\n";
    let (st, v) = import(&s, "lab", "", "application/jsonl", bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(bad_lines(&v), [3, 4], "{v}");
    assert_eq!(message(&v), "2 bad rows; nothing was imported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_takes_16_mib_and_every_other_route_keeps_64_kib() {
    let s = harness().start().await;
    project_with_fleet(&s, "lab", "rpi").await;
    // ~1.4 MiB of CSV: over the router's limit, under the import's.
    let text = csv_rows(1_500, |_, row| format!("{row} {}", "y".repeat(900)));
    assert!(text.len() > 1024 * 1024);
    let (st, v) = import(&s, "lab", "?dry_run=true", CSV, text).await;
    assert_eq!(st, StatusCode::OK, "{v}");

    let huge = vec![b'a'; 16 * 1024 * 1024 + 1];
    let (st, v) = import(&s, "lab", "", CSV, huge).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(message(&v).contains("16 MiB"), "{v}");

    let body = json!({"username": "x", "email": format!("{}@example.com", "e".repeat(70_000))});
    let (st, v) = send_raw(
        &s,
        &s.admin,
        Method::POST,
        "/access/api/v2/users",
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(message(&v).contains("64 KiB"), "{v}");

    let (st, v) = import(&s, "lab", "", "image/png", "device_name,fleet\n").await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    let (st, v) = import(&s, "lab", "", CSV, "device_name,fleet,colour\n").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(bad_lines(&v), [1]);
    let (st, v) = import(&s, "nope", "", CSV, "device_name,fleet\npi,rpi\n").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
}
