//! The audit view (`A`): a whole journey against the embedded service (the revoke row is
//! there), a server without the endpoint said plainly, and snapshots at 80×24 and 160×48.

use crate::common;
use crate::common::service::harness;

use crossterm::event::KeyCode;
use serde_json::json;

use common::fault_server::{FaultServer, Reply};
use common::fixtures::*;
use common::journey::{self as harness};
use tokentab::api::ApiError;
use tokentab::model::wire::AuditEntry;
use tokentab::tui::app::{App, AppConfig, Overlay};
use tokentab::tui::keymap::Mode;
use tokentab::tui::msg::{Answer, Effect, Msg, Owner, Request};

fn app_for(url: &str) -> App {
    let cfg = AppConfig {
        server_label: url.to_owned(),
        ..AppConfig::default()
    };
    App::new(cfg, chrono::Utc::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_opens_the_tokens_trail_tab_shows_everyones_with_the_revoke_row() {
    let svc = harness().seeded().start().await;
    let (_, target) = svc.mint(None, json!({"description": "audit target"})).await;
    let (_, doomed) = svc
        .mint(None, json!({"description": "doomed deploy"}))
        .await;
    let (st, _) = svc
        .delete(&svc.admin, &format!("/access/api/v1/tokens/{doomed}"))
        .await;
    assert!(st.is_success());
    let url = svc.handle.url();
    let (app, last) = harness::play(
        app_for(&url),
        harness::patient_deps(&url, &svc.admin),
        160,
        48,
        |mut p| {
            let (target, doomed) = (target.clone(), doomed.clone());
            async move {
                p.wait("the table", |f| f.contains(" tokens ·")).await;
                p.key(KeyCode::Char('/'));
                p.text("audit target");
                p.wait_text("(1 of").await;
                p.key(KeyCode::Enter);
                p.key(KeyCode::Char('A'));
                let f = p.wait_text("Audit trail").await;
                let f = if f.contains(&target) {
                    f
                } else {
                    p.wait_text(&target).await
                };
                assert!(f.contains("audit target ("), "titled with the token:\n{f}");
                assert!(f.contains("create"), "{f}");
                assert!(!f.contains(&doomed), "only this token's rows:\n{f}");
                p.key(KeyCode::Tab);
                let f = p.wait_text(&doomed).await;
                let line = f
                    .lines()
                    .find(|l| l.contains(&doomed) && l.contains("revoke"))
                    .unwrap_or_else(|| panic!("no revoke row for the revoked token:\n{f}"));
                assert!(
                    line.contains("admin") && line.contains("doomed deploy") && line.contains("ok")
                );
                assert!(line.contains("127.0.0.1:"), "{line}");
                p.key(KeyCode::Char('/'));
                p.text("doomed");
                let f = p
                    .wait("only doomed rows", |f| !f.contains("audit target  "))
                    .await;
                assert!(f.contains("revoke"), "{f}");
                p.key(KeyCode::Esc); // clears the filter
                p.key(KeyCode::Esc); // closes the view
                p.wait("the table again", |f| !f.contains("Audit trail"))
                    .await;
                p.key(KeyCode::Char('q'));
            }
        },
    )
    .await;
    assert!(app.quitting);
    assert!(matches!(app.overlay, Overlay::None), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_server_without_the_endpoint_the_view_says_so() {
    let s = FaultServer::start().await;
    let now = chrono::Utc::now().timestamp();
    s.on(
        "GET",
        "/access/api/v1/tokens/me",
        vec![Reply::json_value(
            200,
            &json!({"token_id": "t-me", "subject": "jfac@x/users/admin", "issued_at": now}),
        )],
    );
    s.on(
        "GET",
        "/access/api/v1/tokens",
        vec![Reply::json_value(
            200,
            &json!({"tokens": [{"token_id": "t-me", "subject": "jfac@x/users/admin",
                "issued_at": now, "description": "jfrog token"}]}),
        )],
    );
    let url = s.url();
    let (app, _) = harness::play(
        app_for(&url),
        harness::patient_deps(&url, "tok"),
        80,
        24,
        |mut p| async move {
            p.wait("the table", |f| f.contains("jfrog token")).await;
            p.key(KeyCode::Char('A'));
            let f = p.wait_text("no audit trail").await;
            assert!(f.contains("tokentab serve only"), "{f}");
            p.key(KeyCode::Esc);
            p.wait("closed", |f| !f.contains("no audit trail")).await;
            p.key(KeyCode::Char('q'));
        },
    )
    .await;
    assert!(app.quitting);
    assert_eq!(s.count("GET", "/tokentab/api/v1/audit"), 1);
}

fn rows(token: &str) -> Vec<AuditEntry> {
    let t0 = now().timestamp();
    let e = |id: i64,
             actor: &str,
             action: &str,
             token: Option<&str>,
             desc: Option<&str>,
             device: Option<&str>,
             result: &str| AuditEntry {
        id,
        time: t0 - 3600 * (10 - id),
        actor: actor.into(),
        actor_token_id: "0b1c07aa-0000-4000-8000-000000000001".into(),
        action: action.into(),
        token_id: token.map(str::to_owned),
        description: desc.map(str::to_owned),
        device: device.map(str::to_owned),
        source: Some("127.0.0.1:51234".into()),
        result: result.into(),
        count: 1,
    };
    let mut rows = vec![
        e(
            9,
            "alice",
            "revoke",
            Some(token),
            Some("ci deploy"),
            None,
            "ok",
        ),
        e(
            8,
            "alice",
            "revoke_by_value",
            None,
            None,
            None,
            "404 NOT_FOUND",
        ),
        e(
            7,
            "admin",
            "device_update",
            None,
            None,
            Some("demo/d-feaf-d9aa"),
            "ok",
        ),
        e(
            6,
            "admin",
            "refresh",
            Some("9b1c07aa-1111-4222-8333-444455556666"),
            Some("edge \u{1b}[31mreader\u{202e}"),
            None,
            "ok",
        ),
        e(
            5,
            "admin",
            "create",
            Some(token),
            Some("ci deploy"),
            None,
            "ok",
        ),
    ];
    // Refusals are aggregated: this one happened 37 times in its minute.
    rows[1].count = 37;
    rows
}

fn with_audit(w: u16, h: u16, everyone: bool) -> App {
    let mut app = loaded(w, h);
    let fx = app.update(Msg::Action(tokentab::tui::keymap::Action::Audit));
    let Some(Effect::Call {
        owner: Owner::Audit,
        id,
        request: Request::ListAudit(_),
    }) = fx.into_iter().next()
    else {
        panic!("A asks for the audit list");
    };
    let mut id = id;
    if everyone {
        let fx = app.update(Msg::Action(tokentab::tui::keymap::Action::NextField));
        id = fx
            .iter()
            .find_map(|e| match e {
                Effect::Call {
                    owner: Owner::Audit,
                    id,
                    request: Request::ListAudit(q),
                } => {
                    assert_eq!(q.token_id, None);
                    Some(*id)
                }
                _ => None,
            })
            .expect("Tab reloads everyone's rows");
    }
    let selected = app
        .table
        .rows
        .selected_row()
        .expect("a row")
        .token
        .token_id
        .clone();
    let mut all = rows(&selected);
    if !everyone {
        // What the server answers for token_id=<selected>.
        all.retain(|e| e.token_id.as_deref() == Some(selected.as_str()));
    }
    app.update(reply(Owner::Audit, id, Answer::Audit(Ok(all))));
    assert_eq!(app.mode(), Mode::Audit);
    app
}

#[test]
fn snapshots_of_the_audit_view() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = with_audit(w, h, false);
        let text = render_text(&mut app, w, h);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        insta::assert_snapshot!(format!("audit_token_{w}x{h}"), text);

        let mut app = with_audit(w, h, true);
        key(&mut app, KeyCode::Char('/'));
        typing(&mut app, "alice");
        let text = render_text(&mut app, w, h);
        insta::assert_snapshot!(format!("audit_everyone_filtered_{w}x{h}"), text);

        let mut app = loaded(w, h);
        let fx = app.update(Msg::Action(tokentab::tui::keymap::Action::Audit));
        let Some(Effect::Call {
            owner: Owner::Audit,
            id,
            request: Request::ListAudit(_),
        }) = fx.into_iter().next()
        else {
            panic!()
        };
        let e = ApiError::NotFound {
            message: "no such endpoint".into(),
        };
        app.update(reply(Owner::Audit, id, Answer::Audit(Err(e.into()))));
        let text = render_text(&mut app, w, h);
        assert!(
            text.contains("this server has no audit trail (tokentab serve only)"),
            "{text}"
        );
        insta::assert_snapshot!(format!("audit_missing_{w}x{h}"), text);
    }
}
