//! `D` (issue 20, item 3): revoke every row the filter shows after typing their count. On the
//! model (keys in, effects and state out) and on the real binary in tmux against a service.

use crate::common;
use crate::common::service::harness;

use common::fixtures::*;
use common::tab::*;
use common::tmux::TmuxSession;
use crossterm::event::KeyCode;
use serde_json::json;
use tokentab::api::RevokeOutcome;
use tokentab::api::bulk_revoke::BulkAnswer;
use tokentab::model::bulk_revoke::{BulkRevokeReply, BulkToken};
use tokentab::tui::app::Overlay;
use tokentab::tui::app::revoke_shown::{NO_FILTER, NO_ROWS, ONE_BY_ONE};
use tokentab::tui::msg::{Answer, Effect, Owner, Request};

fn status(app: &tokentab::tui::app::App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn d_is_refused_without_a_filter_or_with_no_row_shown() {
    let mut app = loaded(120, 40);
    let fx = key(&mut app, KeyCode::Char('D'));
    assert!(fx.is_empty() && matches!(app.overlay, Overlay::None));
    assert_eq!(status(&app), NO_FILTER);
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "no such token anywhere");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('D'));
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(status(&app), NO_ROWS);
}

#[test]
fn d_revokes_every_row_shown_once_the_count_is_typed() {
    let mut app = loaded(120, 40);
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    let shown = app.table.rows.visible_len();
    assert_eq!(shown, 2);
    key(&mut app, KeyCode::Char('D'));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {}", status(&app));
    };
    assert_eq!((c.targets.len(), c.required.as_deref()), (2, Some("2")));
    let text = render_text(&mut app, 120, 40);
    assert!(
        text.contains("type how many (2) to revoke them all"),
        "{text}"
    );
    // The wrong count unlocks nothing.
    typing(&mut app, "3");
    key(&mut app, KeyCode::Tab);
    let fx = key(&mut app, KeyCode::Enter);
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Call { .. })),
        "{fx:?}"
    );
    assert!(status(&app).contains("type the number of tokens shown"));
    key(&mut app, KeyCode::Backspace);
    typing(&mut app, "2");
    let fx = key(&mut app, KeyCode::Enter);
    // One request for every row shown: the service revokes them in one transaction.
    let (bulk, ids) = bulk_call(&fx);
    assert_eq!(ids.len(), 2, "{fx:?}");
    let status_line = render_text(&mut app, 120, 40);
    assert!(status_line.contains("revoking 0/2"), "{status_line}");
    let done = BulkRevokeReply {
        dry_run: false,
        matched: 2,
        revoked: 2,
        tokens: ids.iter().map(|i| bulk_token(i)).collect(),
        kept: vec![],
    };
    app.update(reply(
        Owner::Confirm,
        bulk,
        Answer::BulkRevoked(Ok(BulkAnswer::Done(done))),
    ));
    assert_eq!(status(&app), "revoked 2 of 2 tokens the filter showed");
    assert_eq!(app.table.rows.visible_len(), 0, "the rows went");
    for t in ids {
        assert!(app.table.rows.find(&t).is_none(), "{t}");
    }
}

fn bulk_token(id: &str) -> BulkToken {
    BulkToken {
        token_id: id.into(),
        description: String::new(),
        username: String::new(),
        scope: String::new(),
        kept_because: None,
    }
}

fn bulk_call(fx: &[Effect]) -> (tokentab::tui::msg::ReqId, Vec<String>) {
    fx.iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: Owner::Confirm,
                id,
                request: Request::BulkRevoke(ids),
            } => Some((*id, ids.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no bulk revoke: {fx:?}"))
}

/// Against a server without the bulk endpoint (a JFrog Platform): one revoke per row, said.
#[test]
fn d_without_a_bulk_endpoint_revokes_one_by_one_and_says_so() {
    let mut app = loaded(120, 40);
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('D'));
    typing(&mut app, "2");
    key(&mut app, KeyCode::Tab);
    let fx = key(&mut app, KeyCode::Enter);
    let (bulk, _) = bulk_call(&fx);
    let fx = app.update(reply(
        Owner::Confirm,
        bulk,
        Answer::BulkRevoked(Ok(BulkAnswer::NoEndpoint)),
    ));
    assert_eq!(status(&app), ONE_BY_ONE);
    let calls: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Call {
                owner: Owner::Confirm,
                id,
                request: Request::RevokeToken(_),
            } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 2, "{fx:?}");
    for id in calls {
        app.update(reply(
            Owner::Confirm,
            id,
            Answer::Revoked(Ok(RevokeOutcome::Revoked)),
        ));
    }
    assert_eq!(status(&app), "revoked 2 of 2 tokens the filter showed");
    assert_eq!(app.table.rows.visible_len(), 0);
}

#[test]
fn d_on_the_real_binary_revokes_what_the_filter_shows() {
    let s = harness().start_blocking();
    for i in 0..3 {
        s.mint(json!({"username": "admin", "description": format!("zq fleet {i}")}));
    }
    s.mint(json!({"username": "admin", "description": "zq other"}));
    let home = Home::new();
    let token_file = s.admin_token_file().display().to_string();
    let t: TmuxSession = start_with_env(
        &home,
        100,
        30,
        CONSOLE,
        &[
            "--url",
            &s.url(),
            "--token-file",
            &token_file,
            "--clipboard",
            "off",
        ],
    );
    t.wait_for("the token table", WAIT, table_loaded);
    t.type_text("D");
    t.wait_text("set a filter first", WAIT);
    t.type_text("/");
    t.type_text("zq fleet");
    t.keys(&["Enter"]);
    t.wait_text("(3 of ", WAIT);
    t.type_text("D");
    t.wait_text("type how many (3)", WAIT);
    t.type_text("3");
    t.keys(&["Tab"]);
    t.wait_text("[ Revoke ]", WAIT);
    t.keys(&["Enter"]);
    let done = t.wait_text("revoked 3 of 3 tokens the filter showed", WAIT);
    assert!(
        done.contains("No token matches /zq fleet"),
        "the rows went: {done}"
    );
    t.keys(&["Escape"]);
    t.keys(&["Escape"]);
    let after = t.wait_text("zq other", WAIT);
    assert!(!after.contains("zq fleet"), "{after}");
    t.keys(&["q"]);
    t.wait_for("the program exited", WAIT, |_| t.pane_dead());
    let left = s.rt.block_on(s.svc.all_token_ids(s.admin()));
    assert_eq!(
        left.len(),
        2,
        "the admin's own token and zq other stay: {left:?}"
    );
}
