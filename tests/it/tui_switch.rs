//! Switching servers (`P`) in the model, without a terminal or tokio: the picker, the reconnect
//! effect, the fresh start on success, the old server kept on failure, the discard question.

use crate::common;

use std::sync::Arc;

use common::fixtures::*;
use crossterm::event::KeyCode;
use ratatui::style::Color;
use secrecy::SecretString;
use tokentab::api::{Client, ClientOptions};
use tokentab::tui::app::tokens::Rows;
use tokentab::tui::app::{App, Load, Overlay, Stage};
use tokentab::tui::keymap::Mode;
use tokentab::tui::msg::{Answer, Effect, Msg, Owner, ReqId, Request};
use tokentab::tui::switch::{ServerEntry, Session, SessionClient};

fn entry(key: &str, name: &str, kind: &str, url: &str, readonly: bool) -> ServerEntry {
    ServerEntry {
        key: key.into(),
        name: name.into(),
        kind: kind.into(),
        url: url.into(),
        readonly,
        problem: None,
    }
}

fn servers() -> Vec<ServerEntry> {
    let mut broken = entry("profile:broken", "broken", "profile", "", false);
    broken.problem = Some("config: profile 'broken': bad url".into());
    vec![
        entry(
            "profile:dev",
            "dev",
            "profile",
            "http://127.0.0.1:40123",
            false,
        ),
        entry(
            "profile:prod",
            "prod",
            "profile",
            "https://prod.example.com",
            true,
        ),
        broken,
        entry(
            "jfrog:corp",
            "corp",
            "JFrog CLI",
            "https://corp.jfrog.io",
            false,
        ),
        entry("embedded", "embedded", "embedded", "embedded", false),
    ]
}

/// The sample table on "dev", with the server list.
fn on_dev() -> App {
    let mut cfg = cfg();
    cfg.profile = Some("dev".into());
    cfg.embedded = false;
    let mut app = loaded_with(cfg, sample(), 100, 30);
    app.servers.entries = servers();
    app.servers.current = Some("profile:dev".into());
    app
}

fn session(url: &str) -> Session {
    let client =
        Client::new(url, SecretString::from("t"), ClientOptions::default()).expect("client");
    Session {
        client: SessionClient(Arc::new(client)),
        label: url.into(),
        profile: Some("prod".into()),
        embedded: false,
        readonly: true,
        banner: Some(Color::Red),
    }
}

/// Opens the picker, moves to the entry at `pos` and chooses it; the connect effect's id.
fn choose(app: &mut App, pos: usize) -> ReqId {
    key(app, KeyCode::Char('P'));
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
    let fx = key(app, KeyCode::Enter);
    let want = app.servers.entries[pos].key.clone();
    id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Switch,
            id,
            request: Request::Connect(k),
        } if *k == want => Some(*id),
        _ => None,
    })
}

#[test]
fn p_opens_the_picker_on_the_current_server_listing_every_entry() {
    let mut app = on_dev();
    let fx = key(&mut app, KeyCode::Char('P'));
    assert!(fx.is_empty(), "{fx:?}");
    match &app.overlay {
        Overlay::Switch(p) => {
            assert_eq!(p.stage, Stage::Choose);
            assert_eq!(p.selected, 0, "the current entry has the cursor");
        }
        other => panic!("not the picker: {other:?}"),
    }
    assert_eq!(app.mode(), Mode::Picker);
    let screen = render_text(&mut app, 100, 30);
    for s in [
        "Switch server",
        "dev",
        "http://127.0.0.1:40123",
        "prod",
        "https://prod.example.com",
        "read-only",
        "corp",
        "JFrog CLI",
        "embedded",
        "broken",
    ] {
        assert!(screen.contains(s), "{s} missing:\n{screen}");
    }
    assert!(
        screen.contains("(•) dev"),
        "the current one marked:\n{screen}"
    );
    // Esc closes it; nothing else changed.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn choosing_asks_the_runtime_to_connect_to_that_entry() {
    let mut app = on_dev();
    let id = choose(&mut app, 1);
    match &app.overlay {
        Overlay::Switch(p) => assert_eq!(
            p.stage,
            Stage::Connecting {
                id,
                key: "profile:prod".into()
            }
        ),
        other => panic!("{other:?}"),
    }
    assert!(app.spinner_visible(), "connecting shows progress");
    // Esc while connecting cancels that call and stays.
    let fx = key(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::Cancel(id)), "{fx:?}");
    assert_eq!(app.cfg.server_label, "http://127.0.0.1:40123");
    // A result for the cancelled call changes nothing.
    let fx = app.update(reply(
        Owner::Switch,
        id,
        Answer::Connected(Ok(session("https://prod.example.com"))),
    ));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.cfg.server_label, "http://127.0.0.1:40123");
}

#[test]
fn success_uses_the_new_client_and_starts_afresh() {
    let mut app = on_dev();
    // Filter, sort and a mark on the old server.
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "ci");
    key(&mut app, KeyCode::Enter);
    assert!(!app.table.rows.filter().is_empty());
    assert!(!app.table.rows.marked.is_empty());
    assert_ne!(app.table.rows.sort, Rows::default().sort);
    let id = choose(&mut app, 1);
    let s = session("https://prod.example.com");
    let client = s.client.clone();
    let fx = app.update(reply(Owner::Switch, id, Answer::Connected(Ok(s))));
    // The client switch comes before the first calls on the new server.
    assert_eq!(fx.first(), Some(&Effect::UseSession(client)), "{fx:?}");
    assert!(
        matches!(
            fx[1..],
            [
                Effect::Call {
                    owner: Owner::Table,
                    request: Request::Me,
                    ..
                },
                Effect::Call {
                    owner: Owner::Table,
                    request: Request::ListTokens,
                    ..
                }
            ]
        ),
        "{fx:?}"
    );
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.table.list.is_loading());
    assert_eq!(app.table.rows.len(), 0, "no rows of the old server");
    assert!(app.table.rows.filter().is_empty() && app.table.filter.value().is_empty());
    let fresh = Rows::default();
    assert_eq!(
        (app.table.rows.sort, app.table.rows.descending),
        (fresh.sort, fresh.descending),
        "sort reset"
    );
    assert_eq!(app.cfg.server_label, "https://prod.example.com");
    assert_eq!(app.cfg.profile.as_deref(), Some("prod"));
    assert!(app.cfg.readonly, "prod is read-only");
    assert_eq!(app.theme.banner, Some(Color::Red));
    assert_eq!(app.servers.current.as_deref(), Some("profile:prod"));
    let status = app.status.as_ref().expect("a message");
    assert!(
        !status.error && status.text.contains("switched to prod"),
        "{status:?}"
    );
    // The list of the new server fills the table.
    let list = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    app.update(listed(list, Ok(sample())));
    assert_eq!(app.table.rows.len(), sample().len());
    assert!(app.table.rows.marked.is_empty(), "no marks carried over");
}

#[test]
fn failure_keeps_the_old_server_and_says_why() {
    let mut app = on_dev();
    let rows = app.table.rows.len();
    let id = choose(&mut app, 3);
    let fx = app.update(reply(
        Owner::Switch,
        id,
        Answer::Connected(Err("the server rejected the token (401)".into())),
    ));
    assert!(fx.is_empty(), "no client switch, no reload: {fx:?}");
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.cfg.server_label, "http://127.0.0.1:40123");
    assert_eq!(app.servers.current.as_deref(), Some("profile:dev"));
    assert_eq!(app.table.rows.len(), rows, "the table stays");
    assert!(matches!(app.table.list, Load::Loaded(())));
    let status = app.status.as_ref().expect("a message");
    assert!(status.error, "{status:?}");
    assert!(
        status.text.contains("cannot switch to corp")
            && status.text.contains("401")
            && status.text.contains("still on http://127.0.0.1:40123"),
        "{status:?}"
    );
}

#[test]
fn a_broken_entry_is_refused_with_its_problem() {
    let mut app = on_dev();
    key(&mut app, KeyCode::Char('P'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let fx = key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty(), "{fx:?}");
    let status = app.status.as_ref().expect("a message");
    assert!(
        status.error && status.text.contains("bad url"),
        "{status:?}"
    );
}

#[test]
fn p_with_a_dirty_form_asks_first_and_cancel_keeps_the_input() {
    let mut app = on_dev();
    key(&mut app, KeyCode::Char('n'));
    typing(&mut app, "half typed");
    // P in a text field is a letter; Tab leaves the field.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.mode(), Mode::Form);
    key(&mut app, KeyCode::Char('P'));
    assert!(matches!(
        &app.overlay,
        Overlay::Switch(p) if p.stage == Stage::Discard { on_discard: false }
    ));
    assert_eq!(app.mode(), Mode::Confirm);
    let screen = render_text(&mut app, 100, 30);
    assert!(screen.contains("Discard the new token?"), "{screen}");
    // Enter on the focused Cancel: the form and its input stay.
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Overlay::None));
    let form = app.form.as_ref().expect("the form stays");
    assert_eq!(form.description.value(), "half typed");
    // Again, Discard: the form closes and the list opens.
    key(&mut app, KeyCode::Char('P'));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    assert!(app.form.is_none());
    assert!(matches!(&app.overlay, Overlay::Switch(p) if p.stage == Stage::Choose));
}

#[test]
fn p_with_an_empty_form_closes_it_without_asking() {
    let mut app = on_dev();
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('P'));
    assert!(app.form.is_none());
    assert!(matches!(&app.overlay, Overlay::Switch(p) if p.stage == Stage::Choose));
}

#[test]
fn p_in_the_secret_view_keeps_the_secret() {
    let mut app = on_dev();
    let id = generate(&mut app, "bot");
    app.update(reply(Owner::Form, id, Answer::Created(Ok(created()))));
    assert!(app.secret().is_some());
    // Issue 18: P would throw the one-time token away; it is inert in the secret view.
    let fx = key(&mut app, KeyCode::Char('P'));
    assert!(app.secret().is_some(), "the secret stays");
    assert!(!fx.contains(&Effect::ClearScreen), "{fx:?}");
    // Esc closes the view (the secret is dropped), then P opens the server list.
    let fx = key(&mut app, KeyCode::Esc);
    assert!(app.secret().is_none(), "the secret is gone");
    assert!(fx.contains(&Effect::ClearScreen), "{fx:?}");
    key(&mut app, KeyCode::Char('P'));
    assert!(matches!(&app.overlay, Overlay::Switch(_)));
}

#[test]
fn without_servers_p_says_so() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('P'));
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn p_is_in_the_help_and_the_hints() {
    let app = on_dev();
    let help = app.keymap.help(Mode::Table);
    assert!(
        help.iter().any(|(k, d)| k == "P" && d.contains("switch")),
        "{help:?}"
    );
    let hints = app.keymap.hints(Mode::Table);
    assert!(hints.contains("P servers"), "{hints}");
}

#[test]
fn the_picker_at_80x24() {
    let mut app = on_dev();
    key(&mut app, KeyCode::Char('P'));
    key(&mut app, KeyCode::Down);
    insta::assert_snapshot!("switch_picker_80x24", render_text(&mut app, 80, 24));
}

#[test]
fn every_key_in_every_stage_of_the_switch_is_handled() {
    let actions = ALL_ACTIONS;
    for stage in 0..3 {
        for a in actions {
            let mut app = on_dev();
            match stage {
                0 => {
                    key(&mut app, KeyCode::Char('n'));
                    typing(&mut app, "x");
                    key(&mut app, KeyCode::Tab);
                    key(&mut app, KeyCode::Tab);
                    key(&mut app, KeyCode::Char('P'));
                }
                1 => {
                    key(&mut app, KeyCode::Char('P'));
                }
                _ => {
                    choose(&mut app, 1);
                }
            }
            assert!(matches!(app.overlay, Overlay::Switch(_)), "stage {stage}");
            app.update(Msg::Action(a));
            for c in ['x', 'P', '/'] {
                key(&mut app, KeyCode::Char(c));
            }
            app.update(Msg::Paste("pasted".into()));
            render_text(&mut app, 80, 24);
            assert_eq!(app.cfg.server_label, "http://127.0.0.1:40123");
        }
    }
}
