//! Replies go to their owner: a form and a rotate dialog both create tokens, and each hears
//! only its own answer, even when the other's answer carries the awaited id.

use chrono::{TimeZone, Utc};

use crate::api::CreatedToken;
use crate::model::wire::{CreatedTokenMeta, TokenInfo};
use crate::secret::OneTimeSecret;
use crate::tui::keymap::Action;
use crate::tui::msg::{Answer, Effect, Msg, Owner, ReqId, Request, TokenPage};

use super::form::Form;
use super::rotate::{RotateDialog, RotateStep};
use super::{App, AppConfig, Overlay};

fn created(id: &str) -> CreatedToken {
    CreatedToken {
        meta: CreatedTokenMeta {
            token_id: id.into(),
            expires_in: None,
            scope: "applied-permissions/user".into(),
            token_type: "access_token".into(),
        },
        secret: OneTimeSecret::new("s3cr3t-0123456789".into()).expect("secret"),
    }
}

/// A model with one listed token (scope known) and the signed-in user.
fn loaded() -> App {
    let mut app = App::new(
        AppConfig::default(),
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
    );
    let fx = app.init();
    let ids: Vec<ReqId> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Call { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let info = TokenInfo {
        token_id: "old-token-1".into(),
        subject: "jfac@x/users/alice".into(),
        expiry: Some(app.now.timestamp() + 86_400 * 30),
        issued_at: app.now.timestamp() - 86_400,
        issuer: "jfac@x".into(),
        description: Some("ci".into()),
        refreshable: Some(false),
        last_used: None,
        project: None,
        scope: Some("applied-permissions/user".into()),
        user_status: None,
        last_use: None,
    };
    let me = Answer::Token(Ok(info.clone()));
    app.update(reply(Owner::Table, ids[0], me));
    let page = TokenPage {
        tokens: vec![info],
        more: false,
        estimate: None,
        changes: None,
    };
    app.update(reply(Owner::Table, ids[1], Answer::Page(Ok(page))));
    app
}

fn reply(owner: Owner, id: ReqId, answer: Answer) -> Msg {
    Msg::Reply { owner, id, answer }
}

/// The id of the create call `owner` asked for.
fn create_id(fx: &[Effect], owner: Owner) -> ReqId {
    fx.iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: o,
                id,
                request: Request::CreateToken(_),
            } if *o == owner => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no create for {owner:?} in {fx:?}"))
}

#[test]
fn a_rotate_create_reply_never_touches_the_form() {
    let mut app = loaded();
    // A form waiting for its own create, and a rotate dialog waiting for the same id.
    let awaited = ReqId(4242);
    let mut form = Form::new(Some("alice".into()));
    form.submitting = Some(awaited);
    app.form = Some(form);
    let token = app.table.rows.selected_row().expect("a row").token;
    app.overlay = Overlay::Rotate(RotateDialog {
        token,
        scope_unknown: false,
        on_rotate: true,
        step: RotateStep::Creating(awaited),
    });

    let fx = app.update(reply(
        Owner::Rotate,
        awaited,
        Answer::Created(Ok(created("new-token-2"))),
    ));

    let form = app.form.as_ref().expect("the form stays open");
    assert_eq!(form.submitting, Some(awaited), "the form still waits");
    assert!(form.errors.is_empty());
    assert!(matches!(app.overlay, Overlay::Secret(_)));
    let rotation = app.rotation.as_ref().expect("the rotation started");
    assert_eq!(rotation.old_id, "old-token-1");
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Call {
            owner: Owner::Rotation,
            request: Request::RevokeToken(t),
            ..
        } if t == "old-token-1"
    )));
}

#[test]
fn a_form_create_reply_never_touches_rotate() {
    let mut app = loaded();
    app.update(Msg::Action(Action::New));
    let f = app.form.as_mut().expect("the form");
    f.description = tui_input::Input::new("bot".into());
    let fx = app.update(Msg::Action(Action::Generate));
    let form_id = create_id(&fx, Owner::Form);
    // A rotate dialog on top, waiting for a create with the very same id.
    let token = app.table.rows.selected_row().expect("a row").token;
    app.overlay = Overlay::Rotate(RotateDialog {
        token,
        scope_unknown: false,
        on_rotate: true,
        step: RotateStep::Creating(form_id),
    });

    // The form's answer (a refusal): only the form hears it.
    let fx = app.update(reply(
        Owner::Form,
        form_id,
        Answer::Created(Err("max expiry is 30 days".into())),
    ));
    assert!(fx.is_empty(), "{fx:?}");
    let Overlay::Rotate(d) = &app.overlay else {
        panic!("the dialog stays")
    };
    assert_eq!(d.step, RotateStep::Creating(form_id), "rotate still waits");
    assert!(app.rotation.is_none());
    let f = app.form.as_ref().expect("the form");
    assert!(f.submitting.is_none());
    assert!(f.errors.iter().any(|(_, m)| m.contains("max expiry")));
}

#[test]
fn a_reply_for_a_closed_owner_is_dropped() {
    let mut app = loaded();
    let rows = app.table.rows.len();
    // Nobody rotates and no form is open: a create answer with any owner changes nothing.
    for owner in [Owner::Form, Owner::Rotate, Owner::Confirm, Owner::Table] {
        let fx = app.update(reply(
            owner,
            ReqId(7),
            Answer::Created(Ok(created("stray"))),
        ));
        assert!(fx.is_empty(), "{owner:?}: {fx:?}");
        assert!(matches!(app.overlay, Overlay::None), "{owner:?}");
        assert_eq!(app.table.rows.len(), rows);
    }
}
