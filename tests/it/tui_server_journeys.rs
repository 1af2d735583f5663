//! Whole journeys through `runtime::run` on a TestBackend against the embedded service over real
//! HTTP: keys go in through a channel, every flushed frame comes out through a watch channel, and
//! the driver waits for what a person would wait for on the screen.

use crate::common;
use crate::common::service::harness;

use std::collections::BTreeSet;
use std::time::Duration;

use crossterm::event::KeyCode;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::fault_server as fault;
use common::journey::{self as harness, Person, WAIT};
use common::screen::{secret_on, token_id_on, username};
use common::service::{self as svc, TestService};
use tokentab::tui::app::{App, Overlay};
use tokentab::tui::keymap::Mode;
use tokentab::tui::runtime::Deps;

/// Where the tab connects and as whom.
#[derive(Clone)]
struct Target {
    url: String,
    admin: String,
}

impl Target {
    fn of(svc: &TestService) -> Target {
        Target {
            url: svc.handle.url(),
            admin: svc.admin.clone(),
        }
    }
}

/// Runs the loop on a `w`x`h` mirror terminal while `drive` plays the person; returns the final
/// model and the last frame. The whole journey is bounded so a frozen loop fails the test.
async fn journey<F, Fut>(t: Target, w: u16, h: u16, drive: F) -> (App, String)
where
    F: FnOnce(Person) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    journey_with(t, w, h, |_| {}, drive).await
}

/// As [`journey`], with the loop's dependencies adjusted first (e.g. a faster quiet refresh).
async fn journey_with<F, Fut>(
    t: Target,
    w: u16,
    h: u16,
    tweak: impl FnOnce(&mut Deps),
    drive: F,
) -> (App, String)
where
    F: FnOnce(Person) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut d = harness::patient_deps(&t.url, &t.admin);
    tweak(&mut d);
    harness::play(harness::embedded_app(&t.url), d, w, h, drive).await
}

/// Every token the admin sees, as JSON.
async fn all_tokens(svc: &TestService) -> Vec<Value> {
    let (status, v) = svc
        .get(&svc.admin, "/access/api/v1/tokens?limit=1000")
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["cursor"].is_null(), "one page holds the demo data");
    v["tokens"].as_array().expect("tokens").clone()
}

fn scope_items(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_filter_and_a_user_token_that_authenticates() {
    let svc = harness().seeded().start().await;
    let before = all_tokens(&svc).await;
    let total = before.len();
    let needle = "alice";
    let matching = before
        .iter()
        .filter(|t| {
            let hay = format!(
                "{} {} {} {}",
                t["description"].as_str().unwrap_or(""),
                username(t["subject"].as_str().unwrap_or("")),
                t["token_id"].as_str().unwrap_or(""),
                t["scope"].as_str().unwrap_or("")
            )
            .to_lowercase();
            hay.contains(needle)
        })
        .count();
    assert!(matching > 0 && matching < total, "a filter that narrows");

    let mut seen_secret = String::new();
    let (app, last) = journey(Target::of(&svc), 140, 40, |mut p| {
        let seen_secret = &mut seen_secret;
        async move {
            let table = p
                .wait("the demo tokens", |f| {
                    f.contains(&format!("{total} tokens")) && f.contains("· admin ·")
                })
                .await;
            assert!(table.contains("(embedded)"), "{table}");

            p.key(KeyCode::Char('/'));
            p.text(needle);
            let filtered = p
                .wait_text(&format!("/{needle}▏ ({matching} of {total})"))
                .await;
            assert!(
                filtered.contains("alice: jf CLI on workstation"),
                "{filtered}"
            );
            assert!(!filtered.contains("Platform break-glass"), "{filtered}");
            p.key(KeyCode::Esc);
            p.wait("the filter cleared", |f| {
                !f.contains(&format!("of {total})")) && f.contains("Platform break-glass")
            })
            .await;

            // A User token for the signed-in user, 30 days.
            p.key(KeyCode::Char('n'));
            p.wait_text("New token").await;
            p.text("journey user token");
            p.key(KeyCode::Tab);
            p.keys(&[KeyCode::Backspace; 4]);
            p.text("+30d");
            p.wait_text("(in 30 d)").await;
            p.ctrl('s');
            let view = p.wait_text("Your new access token").await;
            assert!(
                view.contains("shown once — it will not be stored"),
                "{view}"
            );
            assert!(view.contains("not copied"), "clipboard is off:\n{view}");
            *seen_secret = secret_on(&view);
            p.key(KeyCode::Enter);
            let after = p.wait_text("it cannot be shown again").await;
            assert!(!after.contains(seen_secret.as_str()), "{after}");
            // The list refresh asked for at creation brings the row (perhaps after the close).
            p.wait_text("journey user token").await;
            p.key(KeyCode::Char('q'));
        }
    })
    .await;

    assert!(app.quitting);
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.secret().is_none());
    assert!(!last.contains(&seen_secret), "{last}");
    let row = app
        .table
        .rows
        .selected_row()
        .expect("the new token is selected");
    assert_eq!(row.token.description, "journey user token");

    let (status, me) = svc.get(&seen_secret, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["token_id"].as_str(), Some(row.token.token_id.as_str()));
    assert_eq!(username(me["subject"].as_str().unwrap_or("")), "admin");
    assert_eq!(me["scope"].as_str(), Some("applied-permissions/user"));
    let life = me["expiry"].as_i64().unwrap_or(0) - me["issued_at"].as_i64().unwrap_or(0);
    assert!((life - 30 * 86_400).abs() <= 120, "30 days, got {life} s");
    assert_eq!(all_tokens(&svc).await.len(), total + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_token_does_exactly_what_its_rows_say_then_revoked_from_the_table() {
    let svc = harness().seeded().start().await;
    let edge_eu = svc.devices("demo", "edge-eu").await;
    let lab = svc.devices("demo", "lab").await;
    let edge_us = svc.devices("demo", "edge-us").await;
    let retail = svc.devices("retail", "kiosks-north").await;
    let chosen = lab[3].clone();
    let desc = "journey custom token";

    let mut secret = String::new();
    let mut token_id = String::new();
    let (app, last) = journey(Target::of(&svc), 140, 44, |mut p| {
        let (secret, token_id, chosen, svc) = (&mut secret, &mut token_id, chosen.clone(), &svc);
        let (edge_eu, edge_us, retail) = (&edge_eu, &edge_us, &retail);
        async move {
            p.wait("the table", |f| f.contains(" tokens ·")).await;
            // Row 1: Fleet demo/edge-eu, Read + Write (past User: the signed-in admin stays).
            p.open_demo_fleet_picker(desc).await;
            p.pick_only("edge-eu", "edge-eu (", "[ edge-eu ▾]").await;
            p.keys(&[KeyCode::Right, KeyCode::Char(' ')]);
            p.wait_text("[x] Read  [x] Write  [ ] Delete").await;
            p.keys(&[KeyCode::Tab, KeyCode::Enter]);
            p.wait_text("Permissions (1)").await;
            // Row 2: Device <chosen in lab>, Delete only.
            p.keys(&[KeyCode::BackTab; 4]);
            p.key(KeyCode::Right);
            p.wait_text("◂ Device").await;
            p.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Enter]);
            p.wait_text("Choose a device in demo").await;
            // Devices go by name, their id short beside it (issue 18 item 5).
            let short: String = chosen.chars().take(6).collect();
            p.pick_only(
                &chosen,
                &format!("({short}…) · fleet lab"),
                &format!("({short}…) ▾]"),
            )
            .await;
            // Perms are still Read + Write with the cursor on Write: keep Delete only.
            p.keys(&[
                KeyCode::Char(' '),
                KeyCode::Left,
                KeyCode::Char(' '),
                KeyCode::Right,
                KeyCode::Right,
                KeyCode::Char(' '),
            ]);
            p.wait_text("[ ] Read  [ ] Write  [x] Delete").await;
            p.keys(&[KeyCode::Tab, KeyCode::Enter]);
            let rows = p.wait_text("Permissions (2)").await;
            // Under their headings, by name, the boxes under Read Write Delete.
            assert!(rows.contains("Target entity"), "{rows}");
            // A row's boxes: on its own line when the panel is wide, on the next when narrow;
            // the table's rows beside the panel never hold a check box.
            let all: Vec<&str> = rows.lines().collect();
            let line = |needle: &str| {
                let i = all
                    .iter()
                    .position(|l| l.contains(needle) && l.contains("││ "))
                    .unwrap_or_else(|| panic!("{needle}: {rows}"));
                let has_box = |l: &str| l.contains("[x]") || l.contains("[ ]");
                if has_box(all[i]) || needle.contains("Read W") {
                    all[i].to_owned()
                } else {
                    all[i + 1].to_owned()
                }
            };
            // Columns counted in characters (the frame has borders and ellipses).
            let chars = |l: String| l.chars().collect::<Vec<char>>();
            let heading = chars(line("Read Write Delete"));
            let col = |word: &str| {
                let word: Vec<char> = word.chars().collect();
                heading.windows(word.len()).position(|w| w == word).unwrap()
            };
            let at = |row: &[char], c: usize| row[c..c + 3].iter().collect::<String>();
            let fleet = chars(line(" Fleet · edge-eu"));
            let device = chars(line(&format!("({short}…)")));
            let (r, w, d) = (col("Read"), col("Write"), col("Delete"));
            assert_eq!(
                [at(&fleet, r), at(&fleet, w), at(&fleet, d)],
                ["[x]", "[x]", "[ ]"],
                "{rows}"
            );
            assert_eq!(
                [at(&device, r), at(&device, w), at(&device, d)],
                ["[ ]", "[ ]", "[x]"],
                "{rows}"
            );
            p.ctrl('s');
            let view = p.wait_text("Your new access token").await;
            *secret = secret_on(&view);
            *token_id = token_id_on(&view);
            p.key(KeyCode::Esc);
            let closed = p.wait_text("it cannot be shown again").await;
            assert!(!closed.contains(secret.as_str()), "{closed}");
            // The new row is in the table (selected) once the list refreshes.
            p.wait(&format!("{desc} in the table"), |f| f.contains(desc))
                .await;

            // The token does exactly what its two rows say.
            let (status, info) = svc
                .get(&svc.admin, &format!("/access/api/v1/tokens/{token_id}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{info}");
            assert_eq!(
                scope_items(info["scope"].as_str().unwrap_or("")),
                scope_items(&format!(
                    "connect:fleet:demo/edge-eu:rw connect:device:demo/{chosen}:d"
                ))
            );
            check_custom_powers(svc, secret, edge_eu, &chosen, edge_us, retail).await;

            // Revoke, but Cancel (the dialog's focus): the row stays.
            p.key(KeyCode::Char('d'));
            let dialog = p.wait_text("Revoke token?").await;
            assert!(dialog.contains(&format!("\"{desc}\"")), "{dialog}");
            assert!(
                dialog.contains("[ Cancel ]"),
                "focused on Cancel:\n{dialog}"
            );
            p.key(KeyCode::Enter);
            let kept = p
                .wait("the dialog closed", |f| !f.contains("Revoke token?"))
                .await;
            assert!(kept.contains(desc), "{kept}");
            let (status, _) = svc.get(secret, "/access/api/v1/tokens/me").await;
            assert_eq!(status, StatusCode::OK, "Cancel revoked nothing");

            // Revoke for real.
            p.key(KeyCode::Char('d'));
            p.wait_text("Revoke token?").await;
            p.key(KeyCode::Right);
            p.wait_text("[ Revoke ]").await;
            p.key(KeyCode::Enter);
            let gone = p.wait_text(&format!("revoked \"{desc}\"")).await;
            assert_eq!(
                gone.matches(desc).count(),
                1,
                "only the message names it:\n{gone}"
            );
            p.key(KeyCode::Char('q'));
        }
    })
    .await;

    assert!(app.quitting);
    assert_eq!(app.mode(), Mode::Table);
    assert!(app.table.rows.find(&token_id).is_none(), "the row is gone");
    assert!(
        all_tokens(&svc)
            .await
            .iter()
            .all(|t| t["token_id"].as_str() != Some(token_id.as_str())),
        "the service no longer lists it"
    );
    let (status, v) = svc.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    let (status, _) = svc
        .get(&secret, &format!("/api/v2/demo/devices/{}", edge_eu[0]))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let _ = last;
}

/// Fleet demo/edge-eu Read + Write and Device demo/<chosen> Delete, nothing else.
async fn check_custom_powers(
    svc: &TestService,
    secret: &str,
    edge_eu: &[String],
    chosen: &str,
    edge_us: &[String],
    retail: &[String],
) {
    let dev = |p: &str, d: &str| format!("/api/v2/{p}/devices/{d}");
    let (status, me) = svc.get(secret, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::OK, "it authenticates: {me}");
    let (status, v) = svc.get(secret, &dev("demo", &edge_eu[0])).await;
    assert_eq!(status, StatusCode::OK, "read in the fleet: {v}");
    let (status, v) = svc
        .patch(
            secret,
            &dev("demo", &edge_eu[0]),
            json!({"description": "patched by the journey"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "write in the fleet: {v}");
    let (_, v) = svc.get(&svc.admin, &dev("demo", &edge_eu[0])).await;
    assert_eq!(v["description"].as_str(), Some("patched by the journey"));
    let (status, v) = svc.delete(secret, &dev("demo", &edge_eu[1])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no delete in the fleet: {v}");
    let (status, v) = svc.get(secret, &dev("demo", chosen)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "delete only on the device: {v}"
    );
    // No right at all: answered like a device that does not exist.
    let (status, v) = svc.get(secret, &dev("demo", &edge_us[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another fleet: {v}");
    let (status, v) = svc.get(secret, &dev("retail", &retail[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another project: {v}");
    let (status, v) = svc
        .post_token(secret, json!({"scope": "applied-permissions/admin"}))
        .await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED,
        "cannot mint an admin token: {status} {v}"
    );
    let (status, v) = svc.delete(secret, &dev("demo", chosen)).await;
    assert_eq!(status, StatusCode::OK, "delete the chosen device: {v}");
    let (status, _) = svc.get(&svc.admin, &dev("demo", chosen)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the device is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_stops_mid_journey_a_banner_shows_and_nothing_freezes() {
    let svc = harness().seeded().start().await;
    let target = Target::of(&svc);
    let total = all_tokens(&svc).await.len();
    let (app, last) = journey(target, 120, 32, |mut p| async move {
        // The table and who is signed in (the form's User field comes from that answer).
        p.wait("the table and the signed-in user", |f| {
            f.contains(&format!("{total} tokens")) && f.contains("· admin ·")
        })
        .await;
        let TestService {
            handle,
            dir,
            postgres,
            ..
        } = svc;
        let addr = handle.addr;
        handle.shutdown().await;

        // A refresh fails: the rows stay, a banner says why and offers a retry.
        p.key(KeyCode::Char('r'));
        let banner = p.wait_text("cannot load tokens").await;
        assert!(banner.contains("press r to retry"), "{banner}");
        assert!(banner.contains("Lab Pi #1"), "rows kept:\n{banner}");

        // Creating fails with a message beside the form; the form stays usable.
        p.key(KeyCode::Char('n'));
        p.wait_text("New token").await;
        p.text("made while the server is down");
        p.ctrl('s');
        let failed = p.wait_text("could not create the token").await;
        assert!(!failed.contains("creating token…"), "unlocked:\n{failed}");
        p.key(KeyCode::Esc);
        p.wait_text("Discard the new token?").await;
        p.key(KeyCode::Char('y'));
        p.wait("the form closed", |f| !f.contains("New token"))
            .await;

        // Revoking fails and says so; the row stays.
        p.key(KeyCode::Char('/'));
        p.text("grace");
        p.wait_text("/grace▏ (1 of").await;
        p.key(KeyCode::Enter);
        p.key(KeyCode::Char('d'));
        p.wait_text("Revoke token?").await;
        p.key(KeyCode::Right);
        p.wait_text("[ Revoke ]").await;
        p.key(KeyCode::Enter);
        let refused = p.wait_text("could not revoke").await;
        assert!(refused.contains("grace: onboarding"), "{refused}");
        p.key(KeyCode::Esc);
        p.wait("the filter cleared", |f| !f.contains("/grace"))
            .await;

        // The keyboard still answers.
        p.key(KeyCode::Char('?'));
        p.wait_text("Keys (Esc closes)").await;
        p.key(KeyCode::Esc);
        p.wait("help closed", |f| !f.contains("Keys (Esc closes)"))
            .await;

        // The service comes back on the same address: r retries and the banner goes.
        let mut cfg = svc::config(dir.path(), false, None);
        cfg.listen = addr;
        let handle = tokentab::service::spawn_with(cfg, svc::options(postgres.as_deref()))
            .await
            .expect("restart");
        p.key(KeyCode::Char('r'));
        let back = p
            .wait("the table back", |f| {
                !f.contains("cannot load tokens") && f.contains(&format!("{total} tokens"))
            })
            .await;
        assert!(back.contains("Lab Pi #1"), "{back}");
        p.key(KeyCode::Char('q'));
        handle.shutdown().await;
        drop(dir);
    })
    .await;
    assert!(app.quitting);
    assert_eq!(app.table.rows.len(), total);
    assert!(!last.contains("cannot load tokens"), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_sessions_own_token_then_every_call_says_the_token_was_rejected() {
    let svc = harness().seeded().start().await;
    let (status, me) = svc.get(&svc.admin, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let own = me["token_id"].as_str().expect("id").to_owned();
    let own_desc = me["description"].as_str().unwrap_or("").to_owned();
    assert!(!own_desc.is_empty());
    let (app, _) = journey(Target::of(&svc), 120, 32, |mut p| {
        let (own, own_desc) = (own.clone(), own_desc.clone());
        async move {
            p.wait("the table", |f| f.contains(" tokens ·")).await;
            p.key(KeyCode::Char('/'));
            p.text(&own);
            p.wait_text("(1 of").await;
            p.key(KeyCode::Enter);
            p.key(KeyCode::Char('d'));
            // An admin token: type the first 4 characters of its ID, then Revoke.
            p.wait_text("first 4 characters, any case").await;
            p.text(&own[..4]);
            p.wait_text(" ✓").await;
            p.key(KeyCode::Tab);
            p.wait_text("[ Revoke ]").await;
            p.key(KeyCode::Enter);
            p.wait_text(&format!("revoked \"{own_desc}\"")).await;
            // The session's token is gone: the tab says so at once and offers what works (issue
            // 18: not "press r to retry", which never can).
            let out = p
                .wait_text("signed out: this tab's token was revoked")
                .await;
            assert!(!out.contains("to retry"), "{out}");
            // `r` all the same: the server's 401 says so, in words a person can act on, and the
            // tab stays signed out.
            p.key(KeyCode::Char('r'));
            let banner = p
                .wait_text("signed out: the server rejected the token")
                .await;
            assert!(!banner.contains("to retry"), "{banner}");
            p.key(KeyCode::Char('q'));
        }
    })
    .await;
    assert!(app.quitting);
    let (status, _) = svc.get(&svc.admin, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_without_the_right_is_told_what_is_missing() {
    let svc = harness().seeded().start().await;
    let alice = svc.user_token("alice").await;
    let target = Target {
        url: svc.handle.url(),
        admin: alice,
    };
    let (app, _) = journey(target, 120, 32, |mut p| async move {
        let table = p
            .wait("alice's table", |f| {
                f.contains(" tokens ·") && f.contains("· alice ·")
            })
            .await;
        assert!(
            !table.contains("Platform break-glass"),
            "only her own tokens:\n{table}"
        );
        // She reads demo, but a Custom token is the admin's to grant.
        p.key(KeyCode::Char('n'));
        p.wait_text("New token").await;
        p.text("alice tries custom");
        p.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Char(' ')]);
        p.wait_text("(•) Custom").await;
        // User, Target entity, Project.
        p.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab, KeyCode::Enter]);
        p.wait_text("Choose a project").await;
        let picker = p
            .wait("her projects", |f| {
                f.contains("2 found") && f.contains("demo — Demo")
            })
            .await;
        assert!(!picker.contains("factory —"), "not hers:\n{picker}");
        p.pick_only("demo", "demo — Demo", "[ demo ▾]").await;
        p.keys(&[KeyCode::Tab, KeyCode::Enter]);
        p.wait_text("Permissions (1)").await;
        p.ctrl('s');
        let refused = p.wait_text("could not create the token").await;
        assert!(
            refused.contains("403") && refused.contains("only an admin can create"),
            "says what is missing, in the server's words:\n{refused}"
        );
        p.key(KeyCode::Esc);
        p.wait_text("Discard the new token?").await;
        p.key(KeyCode::Char('y'));
        p.wait("the panel closed", |f| !f.contains("New token"))
            .await;
        p.key(KeyCode::Char('q'));
    })
    .await;
    assert!(app.quitting);
}

/// The description of the selected row ("│▌  desc   …").
fn selected_desc(frame: &str) -> Option<String> {
    frame.lines().find_map(|l| {
        l.strip_prefix("│▌").map(|rest| {
            rest.trim_start()
                .split("  ")
                .next()
                .unwrap_or("")
                .to_owned()
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quiet_refresh_keeps_selection_filter_and_sort() {
    let svc = harness().seeded().start().await;
    let target = Target::of(&svc);
    let (app, _) = journey_with(
        target,
        140,
        36,
        |d| d.refresh_every = Duration::from_millis(700),
        |mut p| {
            let svc = &svc;
            async move {
                p.wait("the table", |f| f.contains(" tokens ·")).await;
                // Sort by the next column, reversed; filter on "e"; select the third match.
                p.key(KeyCode::Char('s'));
                p.key(KeyCode::Char('S'));
                p.key(KeyCode::Char('/'));
                p.text("e");
                p.key(KeyCode::Enter);
                p.keys(&[KeyCode::Char('j'), KeyCode::Char('j')]);
                let before = p
                    .wait("the third row selected", |f| {
                        f.lines()
                            .position(|l| l.starts_with("│▌"))
                            .is_some_and(|i| i == 5)
                    })
                    .await;
                let header = before.lines().nth(2).unwrap_or("").to_owned();
                assert!(header.contains('▼') || header.contains('▲'), "{header}");
                let chosen = selected_desc(&before).expect("a selected row");
                let count = |f: &str| {
                    f.split("/e (")
                        .nth(1)
                        .and_then(|r| r.split(' ').next())
                        .and_then(|n| n.parse::<usize>().ok())
                };
                let n_before = count(&before).expect("a match count");

                // Someone else creates a matching token; the quiet refresh brings it in.
                svc.mint(
                    None,
                    json!({"username": "bob", "description": "zz e refresh probe"}),
                )
                .await;
                let after = p
                    .wait("the refresh brought the new token", |f| {
                        count(f) == Some(n_before + 1)
                    })
                    .await;
                assert_eq!(after.lines().nth(2).unwrap_or(""), header, "sort kept");
                assert_eq!(
                    selected_desc(&after).as_deref(),
                    Some(chosen.as_str()),
                    "{after}"
                );
                assert!(after.contains("/e ("), "filter kept:\n{after}");
                p.key(KeyCode::Char('q'));
            }
        },
    )
    .await;
    assert!(app.quitting);
    assert_eq!(app.table.rows.filter(), "e");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_server_shows_a_spinner_that_esc_cancels_then_retry_loads() {
    use fault::{FaultServer, Reply};
    let server = FaultServer::start().await;
    let now = chrono::Utc::now().timestamp();
    let token = |id: &str, desc: &str| {
        json!({"token_id": id, "subject": "jfac@01hq/users/admin", "issued_at": now - 86_400,
               "expiry": now + 30 * 86_400, "issuer": "jfac@01hq", "description": desc,
               "scope": "applied-permissions/user"})
    };
    server.on(
        "GET",
        "/access/api/v1/tokens/me",
        vec![Reply::json_value(200, &token("me-1", "session"))],
    );
    // The list stalls far longer than the test waits.
    server.on(
        "GET",
        "/access/api/v1/tokens",
        vec![Reply::json_value(200, &json!({"tokens": []})).delay(Duration::from_secs(120))],
    );
    let target = Target {
        url: server.url(),
        admin: "x".repeat(43),
    };
    let (app, last) = journey(target, 100, 24, |mut p| {
        let server = &server;
        let token = &token;
        async move {
            p.wait_text("loading tokens…").await;
            // Cancel once the server holds the request (so it is counted exactly once).
            tokio::time::timeout(WAIT, async {
                while server.count("GET", "/access/api/v1/tokens") == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
            .await
            .expect("the list request reached the server");
            p.key(KeyCode::Esc);
            let cancelled = p.wait_text("cancelled — press r to retry").await;
            assert!(!cancelled.contains("loading tokens…"), "{cancelled}");
            // The keyboard answers while nothing loads.
            p.key(KeyCode::Char('?'));
            p.wait_text("Keys (Esc closes)").await;
            p.key(KeyCode::Esc);
            server.on(
                "GET",
                "/access/api/v1/tokens",
                vec![Reply::json_value(
                    200,
                    &json!({"tokens": [token("t-0001-aaaa", "arrived after retry")]}),
                )],
            );
            p.key(KeyCode::Char('r'));
            p.wait_text("arrived afte").await;
            p.key(KeyCode::Char('q'));
        }
    })
    .await;
    assert!(app.quitting);
    assert_eq!(app.table.rows.len(), 1);
    assert!(last.contains("arrived afte"), "{last}");
    assert_eq!(
        server.count("GET", "/access/api/v1/tokens"),
        2,
        "one cancelled, one retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_smallest_size_a_token_is_still_created_and_shown_whole() {
    let svc = harness().seeded().start().await;
    let mut secret = String::new();
    let (_, _) = journey(Target::of(&svc), 60, 16, |mut p| {
        let secret = &mut secret;
        async move {
            p.wait("the table", |f| f.contains("Access Tokens")).await;
            p.key(KeyCode::Char('n'));
            p.wait_text("New token").await;
            // The user field is filled once the service said who we are.
            p.wait_text("admin ▾").await;
            p.text("tiny screen token");
            p.ctrl('s');
            let view = p.wait_text("Your new access token").await;
            *secret = secret_on(&view);
            p.key(KeyCode::Esc);
            p.key(KeyCode::Char('q'));
        }
    })
    .await;
    let (status, _) = svc.get(&secret, "/access/api/v1/tokens/me").await;
    assert_eq!(status, StatusCode::OK);
}

/// Issue 19: a revoke made by another client shows in an idle tab within the refresh
/// interval (by change, not by reload), the selection and the filter kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoke_elsewhere_reaches_an_idle_tab_by_change() {
    let svc = harness().seeded().start().await;
    let (_, victim) = svc
        .mint(
            None,
            json!({"username": "bob", "description": "e victim of a revoke"}),
        )
        .await;
    let target = Target::of(&svc);
    let (app, _) = journey_with(
        target,
        140,
        36,
        |d| d.refresh_every = Duration::from_millis(500),
        |mut p| {
            let svc = &svc;
            let victim = victim.clone();
            async move {
                p.wait("the table", |f| f.contains(" tokens ·")).await;
                p.key(KeyCode::Char('/'));
                p.text("bob");
                p.key(KeyCode::Enter);
                // The newest (the victim) is first: select the last row.
                p.key(KeyCode::Char('G'));
                let before = p
                    .wait("the victim shown, another row selected", |f| {
                        f.contains("e victim of a revoke")
                            && selected_desc(f)
                                .is_some_and(|d| !d.is_empty() && d != "e victim of a revoke")
                    })
                    .await;
                let chosen = selected_desc(&before).expect("a selected row");
                let (status, _) = svc
                    .delete(&svc.admin, &format!("/access/api/v1/tokens/{victim}"))
                    .await;
                assert_eq!(status, StatusCode::OK);
                let after = p
                    .wait("the revoke shown", |f| !f.contains("e victim of a revoke"))
                    .await;
                assert_eq!(
                    selected_desc(&after).as_deref(),
                    Some(chosen.as_str()),
                    "{after}"
                );
                assert!(after.contains("/bob ("), "filter kept:\n{after}");
                p.key(KeyCode::Char('q'));
            }
        },
    )
    .await;
    assert!(app.quitting);
    assert!(app.table.changes.is_some(), "the tab refreshed by change");
    assert!(app.table.rows.find(&victim).is_none());
}
