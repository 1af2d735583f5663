//! `App::update` without a terminal or tokio: every Msg in every mode, and the flows.

use crate::common;

use chrono::Duration;
use common::fixtures::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokentab::api::RevokeOutcome;
use tokentab::model::sanitize::is_unsafe_char;
use tokentab::secret::clipboard::{ClearOutcome, CopyOutcome, NativeKind};
use tokentab::tui::app::form::Field;
use tokentab::tui::app::tokens::Column;
use tokentab::tui::app::{App, Load, Overlay};
use tokentab::tui::keymap::{Action, Mode};
use tokentab::tui::msg::{
    Answer, Effect, ExportError, Msg, Owner, PickItem, PickPage, ReqId, Request, TokenPage,
};

const ALL_OWNERS: [Owner; 10] = [
    Owner::Table,
    Owner::Form,
    Owner::Picker,
    Owner::Details,
    Owner::Confirm,
    Owner::Rotate,
    Owner::Rotation,
    Owner::Audit,
    Owner::Switch,
    Owner::Export,
];

/// The secret's copy into a named tmux buffer.
fn tmux_copy() -> CopyOutcome {
    CopyOutcome::TmuxBuffer {
        buffer: "tokentab-0123".into(),
    }
}

/// A model in each mode.
fn in_mode(mode: Mode) -> App {
    let mut app = loaded(100, 30);
    match mode {
        Mode::Table => {}
        Mode::Filter => {
            key(&mut app, KeyCode::Char('/'));
        }
        Mode::Menu => {
            key(&mut app, KeyCode::Enter);
        }
        Mode::Confirm => {
            key(&mut app, KeyCode::Char('d'));
        }
        Mode::ConfirmText => {
            key(&mut app, KeyCode::Char('G'));
            key(&mut app, KeyCode::Char('d'));
        }
        Mode::Form => {
            key(&mut app, KeyCode::Char('n'));
            focus(&mut app, Field::ScopeKind);
        }
        Mode::FormText => {
            key(&mut app, KeyCode::Char('n'));
        }
        Mode::Picker => {
            key(&mut app, KeyCode::Char('n'));
            focus(&mut app, Field::User);
            key(&mut app, KeyCode::Enter);
        }
        Mode::Details => {
            key(&mut app, KeyCode::Char('i'));
        }
        Mode::Help => {
            key(&mut app, KeyCode::Char('?'));
        }
        Mode::Secret => {
            open_secret(&mut app);
        }
        Mode::Audit => {
            key(&mut app, KeyCode::Char('A'));
        }
        Mode::AuditFilter => {
            key(&mut app, KeyCode::Char('A'));
            key(&mut app, KeyCode::Char('/'));
        }
    }
    assert_eq!(app.mode(), mode, "setup for {mode:?}");
    app
}

fn text_value(app: &App) -> String {
    match app.mode() {
        Mode::Filter => app.table.filter.value().to_owned(),
        Mode::FormText => app.form.as_ref().unwrap().description.value().to_owned(),
        Mode::Picker => app
            .form
            .as_ref()
            .unwrap()
            .picker
            .as_ref()
            .unwrap()
            .search
            .value()
            .to_owned(),
        Mode::ConfirmText => match &app.overlay {
            Overlay::Confirm(c) => c.typed.value().to_owned(),
            _ => unreachable!(),
        },
        Mode::AuditFilter => match &app.overlay {
            Overlay::Audit(v) => v.filter.value().to_owned(),
            _ => unreachable!(),
        },
        _ => String::new(),
    }
}

const STALE: ReqId = ReqId(999_999);

#[test]
fn every_msg_in_every_mode() {
    for mode in Mode::ALL {
        // Stale API results change nothing.
        // Every answer, addressed to every owner (none of them waits for this id).
        let answers: Vec<Box<dyn Fn() -> Answer>> = vec![
            Box::new(|| Answer::Token(Err("x".into()))),
            Box::new(|| Answer::Page(Ok(TokenPage::default()))),
            Box::new(|| Answer::Page(Err("x".into()))),
            Box::new(|| Answer::Created(Ok(created()))),
            Box::new(|| Answer::Created(Err("x".into()))),
            Box::new(|| Answer::Revoked(Ok(RevokeOutcome::Revoked))),
            Box::new(|| Answer::Picked(Ok(PickPage::default()))),
            Box::new(|| Answer::Audit(Ok(vec![]))),
            Box::new(|| Answer::Connected(Err("x".into()))),
            Box::new(|| Answer::Exported(Err(ExportError::Exists))),
        ];
        let mut stale: Vec<Box<dyn Fn() -> Msg + '_>> = Vec::new();
        for owner in ALL_OWNERS {
            for answer in &answers {
                stale.push(Box::new(move || reply(owner, STALE, answer())));
            }
        }
        stale.push(Box::new(|| Msg::DebounceDue(STALE)));
        for make in &stale {
            let mut app = in_mode(mode);
            let rows = app.table.rows.len();
            let had_secret = app.secret().is_some();
            let msg = make();
            let label = format!("{msg:?}");
            let fx = app.update(msg);
            assert!(fx.is_empty(), "{mode:?} {label}: {fx:?}");
            assert_eq!(app.mode(), mode, "{mode:?} {label}");
            assert_eq!(app.table.rows.len(), rows, "{mode:?} {label}");
            assert_eq!(app.secret().is_some(), had_secret, "{mode:?} {label}");
        }

        // Clock, size, mouse, clipboard news: the mode stays.
        let mut app = in_mode(mode);
        let fx = app.update(Msg::Tick(now() + Duration::seconds(1)));
        assert!(fx.is_empty());
        assert_eq!(app.now, now() + Duration::seconds(1));
        app.update(Msg::Resize(120, 40));
        assert_eq!(app.size, (120, 40));
        app.update(Msg::Scroll(1));
        app.update(Msg::Scroll(-1));
        app.update(Msg::Click { x: 10, y: 5 });
        app.update(Msg::SecretCopied(tmux_copy()));
        let fx = app.update(Msg::TextCopied("t-1".into(), tmux_copy()));
        assert!(fx.is_empty(), "{mode:?}: {fx:?}");
        app.update(Msg::ClipboardCleared(ClearOutcome::Cleared));
        assert_eq!(app.mode(), mode);

        // Paste and raw keys reach a text field only, and never as control characters.
        let mut app = in_mode(mode);
        let before = text_value(&app);
        app.update(Msg::Paste("ab\u{1b}[2J\u{7}\r\u{202e}c".into()));
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('z'),
            KeyModifiers::NONE,
        )));
        let after = text_value(&app);
        if mode.takes_text() {
            assert!(after.ends_with("ab[2Jcz"), "{mode:?}: {after:?}");
            assert!(!after.chars().any(is_unsafe_char));
        } else {
            assert_eq!(after, before, "{mode:?}");
        }
        assert!(app.mode() == mode || mode.takes_text());

        // The quiet refresh asks the server unless a call is in flight (the fixture's server
        // has no changes: the rows on screen).
        let mut app = in_mode(mode);
        let fx = app.update(Msg::RefreshDue);
        let busy = app.table.refreshing.is_some() && mode == Mode::Secret;
        assert!(
            busy || fx.iter().any(|e| matches!(
                e,
                Effect::Call {
                    owner: Owner::Table,
                    request: Request::TokensById(_),
                    ..
                }
            )),
            "{mode:?}: {fx:?}"
        );
        assert_eq!(app.mode(), mode);

        // Every action: no panic; Quit always quits.
        for a in ALL_ACTIONS {
            let mut app = in_mode(mode);
            let fx = app.update(Msg::Action(a));
            if a == Action::Quit {
                assert_eq!(fx, vec![Effect::Quit]);
                assert!(app.quitting);
            }
        }
    }
}

#[test]
fn keys_resolve_per_mode_and_hints_come_from_the_keymap() {
    let app = loaded(80, 24);
    let km = &app.keymap;
    let k = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(km.resolve(Mode::Table, &k('n')), Some(Action::New));
    assert_eq!(km.resolve(Mode::FormText, &k('n')), None);
    assert_eq!(
        km.resolve(
            Mode::Table,
            &KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT)
        ),
        Some(Action::SortReverse)
    );
    for mode in Mode::ALL {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.resolve(mode, &ctrl_c), Some(Action::Quit), "{mode:?}");
        for part in km.hints(mode).split(" · ") {
            let (keylabel, desc) = part.split_once(' ').unwrap();
            assert!(
                km.help(mode)
                    .iter()
                    .any(|(keys, d)| d.starts_with(desc) && keys.contains(keylabel)),
                "{mode:?}: hint {part} not in the keymap"
            );
        }
    }
    assert!(km.hints(Mode::Table).contains("n new · ⏎ actions"));
}

#[test]
fn filter_is_live_with_a_count_and_esc_clears() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "ADMIN");
    // "break-glass admin" (description), admin's rows (subject), the admin scope.
    assert_eq!(app.table.rows.visible_len(), 2);
    typing(&mut app, "x");
    assert_eq!(app.table.rows.visible_len(), 0);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.table.rows.visible_len(), 2);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Table);
    assert_eq!(app.table.rows.filter(), "admin");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.table.rows.visible_len(), 5);
}

#[test]
fn sort_cycles_reverses_and_keeps_the_selection() {
    let mut app = loaded(100, 30);
    let first = app
        .table
        .rows
        .selected_row()
        .unwrap()
        .token
        .token_id
        .clone();
    assert_eq!(
        (app.table.rows.sort, app.table.rows.descending),
        (Column::Issued, true)
    );
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(app.table.rows.sort, Column::Expiry);
    assert_eq!(app.table.rows.selected_row().unwrap().token.token_id, first);
    key(&mut app, KeyCode::Char('S'));
    assert!(!app.table.rows.descending);
    let order: Vec<String> = (0..5)
        .map(|i| app.table.rows.at(i).unwrap().token.description.clone())
        .collect();
    assert_eq!(
        order,
        [
            "edge reader",
            "nightly backup",
            "ci deploy",
            "grafana scraper",
            "break-glass admin"
        ]
    );
}

fn revoke_id(fx: &[Effect]) -> Vec<(ReqId, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Call {
                owner: Owner::Confirm,
                id,
                request: Request::RevokeToken(t),
            } => Some((*id, t.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn revoke_is_focused_on_cancel_then_removes_the_row() {
    let mut app = loaded(100, 30);
    let target = app
        .table
        .rows
        .selected_row()
        .unwrap()
        .token
        .token_id
        .clone();
    key(&mut app, KeyCode::Char('d'));
    let fx = key(&mut app, KeyCode::Enter);
    assert!(revoke_id(&fx).is_empty(), "Enter on Cancel revokes nothing");
    assert_eq!(app.mode(), Mode::Table);
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    let calls = revoke_id(&fx);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].1, target);
    assert!(app.spinner_visible());
    app.update(reply(
        Owner::Confirm,
        calls[0].0,
        Answer::Revoked(Ok(RevokeOutcome::Revoked)),
    ));
    assert_eq!(app.table.rows.len(), 4);
    assert!(app.table.rows.find(&target).is_none());
    assert_eq!(app.mode(), Mode::Table);
    assert!(app.status.as_ref().unwrap().text.contains("revoked"));
}

#[test]
fn failed_revoke_keeps_the_row_and_says_why() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Tab);
    let fx = key(&mut app, KeyCode::Enter);
    let (id, _) = revoke_id(&fx)[0].clone();
    app.update(reply(
        Owner::Confirm,
        id,
        Answer::Revoked(Err("403: the token lacks admin rights".into())),
    ));
    assert_eq!(app.table.rows.len(), 5);
    let s = app.status.as_ref().unwrap();
    assert!(s.error && s.text.contains("lacks admin rights"));
}

#[test]
fn admin_token_asks_for_the_id_prefix() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('G'));
    assert!(
        app.table
            .rows
            .selected_row()
            .unwrap()
            .token
            .is_admin_scoped()
    );
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.mode(), Mode::ConfirmText);
    key(&mut app, KeyCode::Tab);
    let fx = key(&mut app, KeyCode::Enter);
    assert!(revoke_id(&fx).is_empty());
    typing(&mut app, "d00x");
    assert!(revoke_id(&key(&mut app, KeyCode::Enter)).is_empty());
    key(&mut app, KeyCode::Backspace);
    typing(&mut app, "d");
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(revoke_id(&fx).len(), 1);
}

#[test]
fn bulk_revoke_asks_once_and_reports_each_row() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.table.rows.marked.len(), 2);
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    let calls = revoke_id(&fx);
    assert_eq!(calls.len(), 2);
    app.update(reply(
        Owner::Confirm,
        calls[0].0,
        Answer::Revoked(Ok(RevokeOutcome::Revoked)),
    ));
    app.update(reply(
        Owner::Confirm,
        calls[1].0,
        Answer::Revoked(Err("server error".into())),
    ));
    assert_eq!(app.table.rows.len(), 4);
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("the dialog shows the results");
    };
    assert!(c.finished());
    let text = render_text(&mut app, 100, 30);
    assert!(
        text.contains("✓ revoked") && text.contains("✕ server error"),
        "{text}"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Table);
}

#[test]
fn esc_cancels_a_slow_call() {
    let mut app = App::new(cfg(), now());
    let fx = app.init();
    let list = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    assert!(app.tick_interval().is_some(), "the spinner animates");
    let fx = key(&mut app, KeyCode::Esc);
    assert_eq!(fx, vec![Effect::Cancel(list)]);
    assert!(matches!(app.table.list, Load::Failed(_)));
    // The late answer is ignored; r retries.
    app.update(listed(list, Ok(sample())));
    assert!(app.table.rows.is_empty());
    let fx = key(&mut app, KeyCode::Char('r'));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Call {
            owner: Owner::Table,
            request: Request::ListTokens,
            ..
        }
    )));
}

#[test]
fn quiet_refresh_keeps_selection_filter_and_sort() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "e");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    let sel = app
        .table
        .rows
        .selected_row()
        .unwrap()
        .token
        .token_id
        .clone();
    app.dirty = false;
    let (id, ids) = visible_refresh(&mut app);
    assert!(!app.dirty, "starting a quiet refresh draws nothing");
    // The fixture's server has no changes: the rows on screen are asked for; one of them (not
    // the selected one) was revoked elsewhere (404).
    let gone = ids.iter().find(|i| **i != sel).unwrap().clone();
    let answer = ids
        .iter()
        .map(|i| {
            let t = sample().into_iter().find(|t| t.token_id == *i);
            (i.clone(), t.filter(|_| *i != gone))
        })
        .collect();
    app.update(reply(Owner::Table, id, Answer::TokensById(Ok(answer))));
    assert_eq!(app.table.rows.selected_row().unwrap().token.token_id, sel);
    assert_eq!(app.table.rows.filter(), "e");
    assert_eq!(app.table.rows.sort, Column::Expiry);
    assert_eq!(app.table.rows.len(), 4);
    assert!(app.table.rows.find(&gone).is_none());
}

/// A quiet refresh on a server without changes: its call and the ids it asks for.
fn visible_refresh(app: &mut App) -> (ReqId, Vec<String>) {
    app.update(Msg::RefreshDue)
        .into_iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: Owner::Table,
                id,
                request: Request::TokensById(ids),
            } => Some((id, ids)),
            _ => None,
        })
        .expect("the rows on screen asked for")
}

#[test]
fn idle_ticks_do_not_dirty_the_model() {
    let mut app = loaded(100, 30);
    assert_eq!(app.tick_interval(), None, "nothing animates while idle");
    app.dirty = false;
    for s in 1..100 {
        app.update(Msg::Tick(now() + Duration::seconds(s)));
    }
    assert!(!app.dirty);
}

#[test]
fn messages_expire() {
    let mut app = loaded_with(
        tokentab::tui::app::AppConfig {
            readonly: true,
            ..cfg()
        },
        sample(),
        100,
        30,
    );
    key(&mut app, KeyCode::Char('n'));
    assert!(app.form.is_none());
    assert!(app.status.as_ref().unwrap().text.contains("read-only"));
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.mode(), Mode::Table);
    key(&mut app, KeyCode::Enter);
    assert!(
        !app.menu_items()
            .contains(&tokentab::tui::app::MenuItem::Revoke)
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.tick_interval().is_some());
    app.update(Msg::Tick(now() + Duration::seconds(10)));
    assert!(app.status.is_none());
}

#[test]
fn paste_outside_a_text_field_is_ignored() {
    let mut app = loaded(100, 30);
    let fx = app.update(Msg::Paste("nqd/".into()));
    assert!(fx.is_empty());
    assert_eq!(app.mode(), Mode::Table);
    assert!(app.form.is_none() && !app.quitting);
}

#[test]
fn form_validates_with_messages_beside_the_fields() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('n'));
    let f = app.form.as_ref().unwrap();
    assert_eq!(
        f.user.as_deref(),
        Some("admin"),
        "preset to the signed-in user"
    );
    assert_eq!(f.expiry_preview(now()).unwrap(), "→ 2027-02-21 (in 90 d)");
    key(&mut app, KeyCode::Tab);
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typing(&mut app, "+0d");
    let fx = ctrl(&mut app, 's');
    assert!(fx.is_empty());
    let f = app.form.as_ref().unwrap();
    assert!(f.error(Field::Description).unwrap().contains("required"));
    assert!(f.error(Field::Expiration).is_some());
    assert_eq!(f.focus, Field::Description);
    typing(&mut app, &"x".repeat(1025));
    ctrl(&mut app, 's');
    assert!(
        app.form
            .as_ref()
            .unwrap()
            .error(Field::Description)
            .unwrap()
            .contains("1024")
    );
    // Custom without rows.
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('n'));
    typing(&mut app, "c");
    focus(&mut app, Field::ScopeKind);
    key(&mut app, KeyCode::Char(' '));
    focus(&mut app, Field::Add);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.form.as_ref().unwrap().error(Field::Project),
        Some("choose a project")
    );
    ctrl(&mut app, 's');
    assert!(app.form.as_ref().unwrap().error(Field::Rows).is_some());
}

#[test]
fn custom_rows_merge_and_remove() {
    let mut app = loaded(100, 30);
    custom_three_rows(&mut app);
    let f = app.form.as_mut().unwrap();
    let scope = f.scope.to_string();
    assert_eq!(
        scope,
        "connect:project:demo:r connect:fleet:demo/edge-eu:rw connect:device:demo/d-feaf-d9aa:rwd"
    );
    // The same device again with Read only merges into its row.
    focus(&mut app, Field::Add);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.form.as_ref().unwrap().scope.grants().count(), 3);
    focus(&mut app, Field::Rows);
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.form.as_ref().unwrap().scope.grants().count(), 2);
    let fx = ctrl(&mut app, 's');
    let req = create_request(&fx, Owner::Form);
    assert_eq!(req.audience.as_deref(), Some("jfcon@*"));
    assert_eq!(req.description.as_deref(), Some("edge fleet operator"));
    assert_eq!(req.expires_in, Some(90 * 86_400));
    assert!(req.scope.unwrap().contains("connect:fleet:demo/edge-eu:rw"));
}

#[test]
fn picker_debounces_ignores_stale_pages_and_loads_more() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('n'));
    focus(&mut app, Field::User);
    let fx = key(&mut app, KeyCode::Enter);
    let first = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Picker,
            id,
            request: Request::Pick(_),
        } => Some(*id),
        _ => None,
    });
    let fx1 = typing(&mut app, "a");
    let d1 = id_of(&fx1, |e| match e {
        Effect::Debounce(id, _) => Some(*id),
        _ => None,
    });
    assert!(fx1.contains(&Effect::Cancel(first)));
    let fx2 = typing(&mut app, "l");
    let d2 = id_of(&fx2, |e| match e {
        Effect::Debounce(id, _) => Some(*id),
        _ => None,
    });
    assert!(
        app.update(Msg::DebounceDue(d1)).is_empty(),
        "superseded timer"
    );
    let fx = app.update(Msg::DebounceDue(d2));
    let (search_id, q) = fx
        .iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: Owner::Picker,
                id,
                request: Request::Pick(q),
            } => Some((*id, q.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(q.search, "al");
    app.update(reply(
        Owner::Picker,
        first,
        Answer::Picked(Ok(PickPage {
            items: vec![PickItem {
                id: "old".into(),
                label: "old".into(),
                name: "old".into(),
            }],
            next: None,
        })),
    ));
    let page = |n: usize, from: usize| PickPage {
        items: (from..from + n)
            .map(|i| PickItem {
                id: format!("al{i}"),
                label: format!("al{i}"),
                name: format!("al{i}"),
            })
            .collect(),
        next: Some(format!("c{}", from + n)),
    };
    app.update(reply(
        Owner::Picker,
        search_id,
        Answer::Picked(Ok(page(20, 0))),
    ));
    let p = app.form.as_ref().unwrap().picker.as_ref().unwrap();
    assert_eq!(p.items.len(), 20);
    assert_eq!(p.items[0].id, "al0");
    // Scrolling near the end asks for the next page with the cursor.
    let mut more = None;
    for _ in 0..15 {
        let fx = key(&mut app, KeyCode::Down);
        if let Some((id, q)) = fx.iter().find_map(|e| match e {
            Effect::Call {
                owner: Owner::Picker,
                id,
                request: Request::Pick(q),
            } => Some((*id, q.clone())),
            _ => None,
        }) {
            more = Some((id, q));
            break;
        }
    }
    let (more_id, q) = more.expect("load more");
    assert_eq!(q.cursor.as_deref(), Some("c20"));
    app.update(reply(
        Owner::Picker,
        more_id,
        Answer::Picked(Ok(page(20, 20))),
    ));
    assert_eq!(
        app.form
            .as_ref()
            .unwrap()
            .picker
            .as_ref()
            .unwrap()
            .items
            .len(),
        40
    );
    key(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert!(f.picker.is_none());
    assert!(f.user.as_deref().unwrap().starts_with("al"));
}

#[test]
fn generate_locks_the_form_and_esc_cancels() {
    let mut app = loaded(100, 30);
    let id = generate(&mut app, "bot");
    assert_eq!(
        app.mode(),
        Mode::Form,
        "no text field takes keys while locked"
    );
    typing(&mut app, "zzz");
    key(&mut app, KeyCode::Tab);
    assert!(ctrl(&mut app, 's').is_empty());
    assert_eq!(app.form.as_ref().unwrap().description.value(), "bot");
    let fx = key(&mut app, KeyCode::Esc);
    assert_eq!(fx, vec![Effect::Cancel(id)]);
    assert!(app.form.as_ref().unwrap().submitting.is_none());
    // A late answer to the cancelled call opens nothing.
    app.update(reply(Owner::Form, id, Answer::Created(Ok(created()))));
    assert!(app.secret().is_none());
    // A failed create unlocks with the reason beside the button.
    let id = create_call(&ctrl(&mut app, 's'));
    app.update(reply(
        Owner::Form,
        id,
        Answer::Created(Err("401: the token is expired".into())),
    ));
    let f = app.form.as_ref().unwrap();
    assert!(f.error(Field::Generate).unwrap().contains("expired"));
}

#[test]
fn secret_view_copies_counts_down_and_never_reopens() {
    let mut app = loaded(100, 30);
    open_secret(&mut app);
    assert_eq!(app.secret().unwrap().expose(), SECRET);
    app.update(Msg::SecretCopied(CopyOutcome::SystemClipboard(
        NativeKind::X11,
    )));
    assert_eq!(app.countdown(), Some(30));
    app.update(Msg::Tick(now() + Duration::seconds(12)));
    assert_eq!(app.countdown(), Some(18));
    let text = render_text(&mut app, 100, 30);
    assert!(text.contains(SECRET) && text.contains("shown once — it will not be stored"));
    assert!(text.contains("copied to the system clipboard") && text.contains("18 s"));
    let fx = key(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::ClearScreen));
    assert!(app.secret().is_none());
    assert!(!render_text(&mut app, 100, 30).contains(SECRET));
    // Every action and a spread of keys afterwards: nothing brings it back.
    for a in ALL_ACTIONS.iter().filter(|a| **a != Action::Quit) {
        app.update(Msg::Action(*a));
        assert!(app.secret().is_none() && app.mode() != Mode::Secret);
        app.update(Msg::Action(Action::Back));
    }
    let mut keys: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
    keys.extend([
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Delete,
        KeyCode::Backspace,
        KeyCode::F(1),
    ]);
    for k in keys {
        for mods in [KeyModifiers::NONE, KeyModifiers::CONTROL, KeyModifiers::ALT] {
            if k == KeyCode::Char('c') && mods == KeyModifiers::CONTROL {
                continue;
            }
            let fx = key_mod(&mut app, k, mods);
            assert!(!fx.contains(&Effect::CopySecret));
            assert!(app.secret().is_none() && app.mode() != Mode::Secret);
        }
    }
    // The clipboard clear still lands after the view closed.
    app.update(Msg::ClipboardCleared(ClearOutcome::Cleared));
    assert_eq!(app.countdown(), None);
}

#[test]
fn masked_secret_shows_dots_until_revealed() {
    let mut app = loaded_with(
        tokentab::tui::app::AppConfig {
            mask_secret: true,
            ..cfg()
        },
        sample(),
        100,
        30,
    );
    open_secret(&mut app);
    let text = render_text(&mut app, 100, 30);
    assert!(!text.contains(SECRET) && text.contains("••••••••"));
    key(&mut app, KeyCode::Char('v'));
    assert!(render_text(&mut app, 100, 30).contains(SECRET));
    // Too narrow: never cut, asks for a wider terminal.
    let text = render_text(&mut app, 60, 20);
    assert!(
        !text.contains("tkn_9f2c") && text.contains("too narrow"),
        "{text}"
    );
}

#[test]
fn details_fetch_the_scope_when_the_list_had_none() {
    let mut app = loaded(100, 30);
    // grafana scraper (no scope) is the newest, selected first.
    let fx = key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty());
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let fx = key(&mut app, KeyCode::Enter);
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Details,
            id,
            request: Request::GetToken(t),
        } if t.starts_with("e1e2") => Some(*id),
        _ => None,
    });
    let mut full = sample().pop().unwrap();
    full.scope = Some("connect:project:demo:r".into());
    app.update(reply(Owner::Details, id, Answer::Token(Ok(full))));
    let text = render_text(&mut app, 100, 30);
    assert!(
        text.contains("• Project · demo · Read")
            && text.contains("connect:project:demo:r")
            && text.contains("Refreshable"),
        "{text}"
    );
    assert_eq!(
        app.table
            .rows
            .find("e1e2e3e4-3333-4444-8555-ee05")
            .unwrap()
            .scope_summary,
        "Custom: project demo r"
    );
}

#[test]
fn copy_id_asks_for_a_plain_copy() {
    let mut app = loaded(100, 30);
    let fx = key(&mut app, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::CopyText("e1e2e3e4-3333-4444-8555-ee05".into())]
    );
}

#[test]
fn copy_id_says_how_it_went_and_never_claims_a_copy_that_failed() {
    let mut app = loaded(100, 30);
    app.update(Msg::TextCopied("e1e2e3e4".into(), tmux_copy()));
    let s = app.status.as_ref().expect("a message");
    assert!(
        !s.error && s.text.contains("e1e2e3e4") && s.text.contains("tmux buffer"),
        "{}",
        s.text
    );
    app.update(Msg::TextCopied(
        "e1e2e3e4".into(),
        CopyOutcome::NotCopied {
            reason: "TERM=linux".into(),
        },
    ));
    let s = app.status.as_ref().expect("a message");
    assert!(s.error && s.text.contains("not copied"), "{}", s.text);
}

#[test]
fn mouse_click_selects_and_header_click_sorts() {
    let mut app = loaded(160, 48);
    // Rows start at y=3 (header line, border, column titles).
    app.update(Msg::Click { x: 10, y: 5 });
    assert_eq!(app.table.rows.selected, 2);
    app.update(Msg::Click { x: 5, y: 2 });
    assert_eq!(
        (app.table.rows.sort, app.table.rows.descending),
        (Column::Description, false)
    );
    app.update(Msg::Click { x: 5, y: 2 });
    assert!(app.table.rows.descending);
    app.update(Msg::Scroll(1));
    assert_eq!(app.table.rows.selected, 3);
}

#[test]
fn unauthorized_list_says_so_in_the_banner() {
    let mut app = App::new(cfg(), now());
    let fx = app.init();
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    app.update(listed(
        id,
        Err("401 unauthorized: the token is missing or expired".into()),
    ));
    let text = render_text(&mut app, 120, 30);
    assert!(
        text.contains("cannot load tokens: 401 unauthorized") && text.contains("press r to retry"),
        "{text}"
    );
}

#[test]
fn the_countdown_ticks_only_while_the_view_shows_it() {
    let mut app = loaded(100, 30);
    open_secret(&mut app);
    // A tmux buffer (OSC 52 has no countdown: it cannot be cleared reliably).
    app.update(Msg::SecretCopied(tmux_copy()));
    // A list refresh is in flight after create; its answer stops the spinner.
    let id = app.table.refreshing.expect("refresh after create");
    app.update(listed(id, Ok(sample())));
    assert_eq!(app.tick_interval(), Some(std::time::Duration::from_secs(1)));
    key(&mut app, KeyCode::Enter);
    app.status = None;
    app.dirty = false;
    assert_eq!(app.tick_interval(), None);
    app.update(Msg::Tick(now() + Duration::seconds(3)));
    assert!(!app.dirty);
    assert_eq!(app.countdown(), Some(27), "the clear is still scheduled");
}

#[test]
fn every_printable_key_types_into_text_fields() {
    // Letters that are bound elsewhere (j, k, q, n, d, s…) are text in a text field.
    let letters: String = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    for mode in [
        Mode::Filter,
        Mode::FormText,
        Mode::Picker,
        Mode::ConfirmText,
    ] {
        let mut app = in_mode(mode);
        let before = text_value(&app);
        typing(&mut app, &letters);
        assert_eq!(app.mode(), mode, "{mode:?}");
        assert_eq!(text_value(&app), format!("{before}{letters}"), "{mode:?}");
    }
}

#[test]
fn live_results_land_in_every_mode_without_changing_it() {
    for mode in Mode::ALL {
        let mut app = in_mode(mode);
        // The list refresh after a create, or the quiet refresh (the fixture's server has no
        // changes: the rows on screen, one GET each).
        match app.table.refreshing {
            Some(id) => {
                let mut more = sample();
                more.push(info("0000aaaa-9", "fresh", "erin", 0, Some(10), None));
                app.update(listed(id, Ok(more)));
                assert_eq!(app.table.rows.len(), 6, "{mode:?}");
            }
            None => {
                let (id, ids) = visible_refresh(&mut app);
                let answer = ids
                    .iter()
                    .map(|i| {
                        let mut t = sample().into_iter().find(|t| &t.token_id == i);
                        if Some(i) == ids.first() {
                            t.as_mut().unwrap().description = Some("fresh".into());
                        }
                        (i.clone(), t)
                    })
                    .collect();
                app.update(reply(Owner::Table, id, Answer::TokensById(Ok(answer))));
                let first = app.table.rows.find(&ids[0]).unwrap();
                assert_eq!(first.token.description, "fresh", "{mode:?}");
            }
        }
        let n = app.table.rows.len();
        assert_eq!(app.mode(), mode, "{mode:?}");
        // A failed refresh keeps the rows and says so.
        let (id, _) = visible_refresh(&mut app);
        let failed = Answer::TokensById(Err("503 service unavailable".into()));
        app.update(reply(Owner::Table, id, failed));
        assert_eq!(app.table.rows.len(), n, "{mode:?}");
        assert!(matches!(app.table.list, Load::Failed(_)));
        assert_eq!(app.mode(), mode, "{mode:?}");
        // Clipboard news.
        app.update(Msg::SecretCopied(CopyOutcome::NotCopied {
            reason: "no display".into(),
        }));
        app.update(Msg::ClipboardCleared(ClearOutcome::BlindClear));
        assert_eq!(app.mode(), mode, "{mode:?}");
    }
}

#[test]
fn sort_matches_a_plain_sort_on_every_column() {
    // Long shared prefixes, short strings, wide characters, equal values, never-expiring rows.
    let descs = [
        "token 1 for the edge pipeline",
        "token 1 for the edge pipeline!",
        "token 10",
        "token 1",
        "漢字のトークン",
        "",
        "Zed",
        "token 1 for the edge pipelinf",
    ];
    let tokens: Vec<_> = (0..64)
        .map(|i| {
            info(
                &format!("{:x}-{}", (i * 7919) % 97, i),
                descs[i % descs.len()],
                [
                    "al",
                    "alice",
                    "al",
                    "bob-the-very-long-username-x",
                    "bob-the-very-long-username-y",
                ][i % 5],
                (i % 6) as i64,
                if i % 5 == 0 {
                    None
                } else {
                    Some((i % 13) as i64 - 4)
                },
                [
                    Some("applied-permissions/user"),
                    None,
                    Some("connect:project:demo:r"),
                ][i % 3],
            )
        })
        .collect();
    let mut app = loaded_with(cfg(), tokens, 100, 30);
    for col in Column::ALL {
        for desc in [false, true] {
            app.table.rows.set_sort(col, desc);
            let got: Vec<usize> = (0..app.table.rows.visible_len()).collect();
            let key = |pos: usize| {
                let r = app.table.rows.at(pos).unwrap();
                let t = &r.token;
                match col {
                    Column::Description => (t.description.clone(), 0i64),
                    Column::Subject => (r.username.clone(), 0),
                    Column::TokenId => (t.token_id.clone(), 0),
                    Column::Scope => (r.scope_summary.clone(), 0),
                    Column::Issued => (String::new(), t.issued_at.timestamp()),
                    Column::Expiry => (String::new(), t.expiry.map_or(i64::MAX, |e| e.timestamp())),
                    Column::LastUsed => (
                        String::new(),
                        t.last_used.map_or(i64::MIN, |e| e.timestamp()),
                    ),
                }
            };
            for w in got.windows(2) {
                let (a, b) = (key(w[0]), key(w[1]));
                if desc {
                    assert!(a >= b, "{col:?} desc: {a:?} before {b:?}");
                } else {
                    assert!(a <= b, "{col:?} asc: {a:?} before {b:?}");
                }
            }
        }
    }
}

#[test]
fn every_mode_renders_at_every_small_size_without_panicking() {
    for mode in Mode::ALL {
        for (w, h) in [
            (1, 1),
            (59, 15),
            (60, 16),
            (61, 17),
            (75, 20),
            (300, 16),
            (60, 120),
        ] {
            let mut app = in_mode(mode);
            let text = render_text(&mut app, w, h);
            if w >= 60 && h >= 16 && mode == Mode::Secret && w >= 75 {
                assert!(text.contains(SECRET), "{mode:?} {w}x{h}\n{text}");
            }
        }
    }
}

#[test]
fn hints_show_each_key_once_and_esc_only_with_a_filter() {
    let mut app = loaded(160, 48);
    let hints = |app: &App| tokentab::tui::ui::status_bar::hints(app);
    for mode in Mode::ALL {
        let h = app.keymap.hints(mode);
        let labels: Vec<&str> = h
            .split(" · ")
            .filter_map(|p| p.split_once(' ').map(|(k, _)| k))
            .collect();
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(labels.len(), unique.len(), "{mode:?}: {h}");
    }
    let table = hints(&app);
    assert!(
        !table.contains("choose") && !table.contains("Esc"),
        "{table}"
    );
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "edge");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Table);
    let filtered = hints(&app);
    assert!(
        filtered.starts_with("Esc clear filter · n new"),
        "{filtered}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.table.rows.filter(), "");
    assert_eq!(hints(&app), table);
}

#[test]
fn keys_from_the_config_drive_the_app_and_its_hints() {
    let overrides: std::collections::BTreeMap<String, String> =
        [("new", "ctrl-n"), ("revoke", "f8"), ("help", "f1")]
            .into_iter()
            .map(|(a, k)| (a.to_string(), k.to_string()))
            .collect();
    let c = tokentab::tui::customisation(&overrides, &Default::default(), None).unwrap();
    let mut app = loaded(160, 48);
    app.keymap = c.keymap;
    // The old keys do nothing now.
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.form.is_none());
    key(&mut app, KeyCode::F(8));
    assert_eq!(app.mode(), Mode::Confirm);
    key(&mut app, KeyCode::Esc);
    ctrl(&mut app, 'n');
    assert!(app.form.is_some());
    key(&mut app, KeyCode::Esc);
    let text = render_text(&mut app, 160, 48);
    assert!(
        text.contains("Ctrl-N new") && text.contains("F8 revoke"),
        "{text}"
    );
    // The header names the help key that works.
    assert!(
        text.lines().next().unwrap_or("").ends_with("F1 help"),
        "{text}"
    );
    key(&mut app, KeyCode::F(1));
    assert_eq!(app.mode(), Mode::Help);
    let help = render_text(&mut app, 160, 48);
    assert!(help.contains("Ctrl-N") && !help.contains("d/Del"), "{help}");

    let bad: std::collections::BTreeMap<String, String> = [("new", "j")]
        .into_iter()
        .map(|(a, k)| (a.into(), k.into()))
        .collect();
    let e = tokentab::tui::customisation(&bad, &Default::default(), None).unwrap_err();
    assert!(e.starts_with("config [keys]: new = \"j\""), "{e}");
    let theme: std::collections::BTreeMap<String, String> = [("accent", "#12")]
        .into_iter()
        .map(|(a, k)| (a.into(), k.into()))
        .collect();
    let e = tokentab::tui::customisation(&Default::default(), &theme, None).unwrap_err();
    assert!(e.starts_with("config [theme]: accent"), "{e}");
    let e = tokentab::tui::customisation(&Default::default(), &Default::default(), Some("blood"))
        .unwrap_err();
    assert!(e.starts_with("config banner_color"), "{e}");
}

#[test]
fn incremental_filter_matches_a_plain_scan_through_typing_backspace_sort_and_revoke() {
    let descs = [
        "Edge deploy",
        "edge reader",
        "nightly backup",
        "漢字 edge",
        "CI",
    ];
    let tokens: Vec<_> = (0..300)
        .map(|i| {
            info(
                &format!("{:04x}-{i}", (i * 7919) % 4099),
                descs[i % descs.len()],
                ["alice", "bob", "edgar"][i % 3],
                (i % 7) as i64,
                Some((i % 11) as i64 - 3),
                [
                    Some("applied-permissions/user"),
                    Some("connect:fleet:demo/edge-eu:r"),
                    None,
                ][i % 3],
            )
        })
        .collect();
    let mut app = loaded_with(cfg(), tokens, 120, 40);
    // What the view must be: every row (in table order) whose fields contain the query.
    let plain = |app: &App| -> Vec<String> {
        let q = app.table.rows.filter().to_lowercase();
        let mut unfiltered = app.table.rows.clone();
        unfiltered.set_filter("");
        let mut all: Vec<_> = (0..unfiltered.visible_len())
            .map(|p| unfiltered.at(p).unwrap().clone())
            .collect();
        all.retain(|r| {
            [
                r.token.description.as_str(),
                r.username.as_str(),
                r.token.token_id.as_str(),
                r.token.scope.as_deref().unwrap_or(""),
                r.scope_summary.as_str(),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&q))
        });
        all.into_iter().map(|r| r.token.token_id.clone()).collect()
    };
    let shown = |app: &App| -> Vec<String> {
        (0..app.table.rows.visible_len())
            .map(|p| app.table.rows.at(p).unwrap().token.token_id.clone())
            .collect()
    };
    key(&mut app, KeyCode::Char('/'));
    let steps: &[&str] = &[
        "e", "d", "g", "⌫", "⌫", "x", "⌫", "⌫", "E", "D", "g", "e", "⌫", "⌫", "⌫", "⌫", "漢",
    ];
    for s in steps {
        match *s {
            "⌫" => {
                key(&mut app, KeyCode::Backspace);
            }
            c => {
                typing(&mut app, c);
            }
        }
        assert_eq!(
            shown(&app),
            plain(&app),
            "after {s:?}: filter {:?}",
            app.table.rows.filter()
        );
    }
    key(&mut app, KeyCode::Backspace);
    typing(&mut app, "edge");
    // A sort and a revoke in the middle of typing.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(shown(&app), plain(&app));
    let gone = app
        .table
        .rows
        .selected_row()
        .unwrap()
        .token
        .token_id
        .clone();
    app.table.rows.remove(&gone, now());
    assert_eq!(shown(&app), plain(&app));
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.table.rows.filter(), "edg");
    assert_eq!(shown(&app), plain(&app));
    assert!(!shown(&app).contains(&gone));
    typing(&mut app, "ar");
    assert_eq!(shown(&app), plain(&app));
    assert!(!shown(&app).is_empty(), "edgar matches");
}
