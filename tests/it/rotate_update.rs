//! Rotate in the model alone (no runtime): a row whose list entry had no scope (real JFrog
//! lists omit it) is read first; Cancel has focus; the request copies the token; a failed
//! create changes nothing; read-only sessions refuse.

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::api::RevokeOutcome;
use tokentab::tui::app::Overlay;
use tokentab::tui::app::rotate::RotateStep;
use tokentab::tui::msg::{Answer, Effect, Owner, Request};

/// Selects grafana scraper (no scope in the list; newest, selected first).
fn at_grafana(w: u16, h: u16) -> tokentab::tui::app::App {
    loaded(w, h)
}

#[test]
fn a_row_without_scope_is_read_before_the_dialog_offers_rotate() {
    let mut app = at_grafana(100, 30);
    let fx = key(&mut app, KeyCode::Char('R'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Rotate,
            id,
            request: Request::GetToken(t),
        } if t.starts_with("e1e2") => Some(*id),
        _ => None,
    });
    // While reading, the focus cannot move to Rotate.
    key(&mut app, KeyCode::Right);
    let mut full = sample().pop().unwrap();
    full.scope = Some("connect:project:demo:r connect:fleet:demo/edge-eu:rw".into());
    app.update(reply(Owner::Rotate, id, Answer::Token(Ok(full))));
    let Overlay::Rotate(d) = &app.overlay else {
        panic!("the dialog stays open");
    };
    assert_eq!(d.step, RotateStep::Ready);
    assert!(!d.on_rotate, "Cancel still has focus");
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    let req = create_request(&fx, Owner::Rotate);
    assert_eq!(
        req.scope.as_deref(),
        Some("connect:project:demo:r connect:fleet:demo/edge-eu:rw")
    );
    assert_eq!(req.username.as_deref(), Some("carol"));
    assert_eq!(req.description.as_deref(), Some("grafana scraper"));
    assert_eq!(req.audience.as_deref(), Some("jfcon@*"));
    // 5 days ago + 365 days ahead: a 370-day lifetime.
    assert_eq!(req.expires_in, Some(370 * 86_400));
}

#[test]
fn cancel_has_focus_and_a_failed_create_changes_nothing() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Down); // nightly backup (scope known)
    assert!(key(&mut app, KeyCode::Char('R')).is_empty());
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "Cancel first");
    assert!(matches!(app.overlay, Overlay::None));
    key(&mut app, KeyCode::Char('R'));
    key(&mut app, KeyCode::Tab);
    let fx = key(&mut app, KeyCode::Enter);
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Rotate,
            id,
            request: Request::CreateToken(_),
        } => Some(*id),
        _ => None,
    });
    let fx = app.update(reply(
        Owner::Rotate,
        id,
        Answer::Created(Err("max expiry is 30 days".into())),
    ));
    assert!(
        !fx.iter().any(|e| matches!(
            e,
            Effect::Call {
                owner: Owner::Rotation,
                request: Request::RevokeToken(_),
                ..
            }
        )),
        "no revoke without a replacement"
    );
    let Overlay::Rotate(d) = &app.overlay else {
        panic!("the dialog says why");
    };
    let RotateStep::Failed(why) = &d.step else {
        panic!("failed: {:?}", d.step);
    };
    assert!(
        why.contains("max expiry is 30 days") && why.contains("nothing was changed"),
        "{why}"
    );
    let text = render_text(&mut app, 160, 48);
    assert!(text.contains("could not create the replacement"), "{text}");
    assert!(app.rotation.is_none());
}

#[test]
fn the_revoke_runs_after_the_create_and_both_ids_are_named() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('R'));
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Rotate,
            id,
            request: Request::CreateToken(_),
        } => Some(*id),
        _ => None,
    });
    let fx = app.update(reply(Owner::Rotate, id, Answer::Created(Ok(created()))));
    assert!(fx.contains(&Effect::CopySecret));
    let rid = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Rotation,
            id,
            request: Request::RevokeToken(t),
        } if t.starts_with("c4d5") => Some(*id),
        _ => None,
    });
    assert!(matches!(app.overlay, Overlay::Secret(_)));
    let fx = app.update(reply(
        Owner::Rotation,
        rid,
        Answer::Revoked(Ok(RevokeOutcome::Revoked)),
    ));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Call {
            owner: Owner::Table,
            request: Request::ListTokens,
            ..
        }
    )));
    assert!(
        app.table
            .rows
            .find("c4d5e6f7-1111-4222-8333-cc03")
            .is_none()
    );
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(
        said.contains("c4d5e6f7-1111-4222-8333-cc03")
            && said.contains("f00dfeed-4444-4555-8666-ff06"),
        "{said}"
    );
    // Closing the view keeps the outcome on the status line.
    key(&mut app, KeyCode::Enter);
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(
        said.contains("rotated") && said.contains("cannot be shown again"),
        "{said}"
    );
    assert!(app.rotation.is_none());
}

#[test]
fn read_only_sessions_do_not_rotate() {
    let mut c = cfg();
    c.readonly = true;
    let mut app = loaded_with(c, sample(), 100, 30);
    assert!(key(&mut app, KeyCode::Char('R')).is_empty());
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.status.as_ref().unwrap().text.contains("read-only"));
}

#[test]
fn no_scope_even_in_the_details_says_it_becomes_a_user_token() {
    let mut app = loaded(160, 48);
    let fx = key(&mut app, KeyCode::Char('R'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Rotate,
            id,
            request: Request::GetToken(_),
        } => Some(*id),
        _ => None,
    });
    // JFrog's record of the token: no scope either.
    app.update(reply(
        Owner::Rotate,
        id,
        Answer::Token(Ok(sample().pop().unwrap())),
    ));
    let text = render_text(&mut app, 160, 48);
    assert!(
        text.contains("a User token (acts with carol's rights)"),
        "{text}"
    );
    assert!(text.contains("[ Cancel ]"), "{text}");
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    let req = create_request(&fx, Owner::Rotate);
    assert_eq!(req.scope.as_deref(), Some("applied-permissions/user"));
    assert_eq!(req.username.as_deref(), Some("carol"));
    assert_eq!(req.audience, None);
}
