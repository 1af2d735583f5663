//! Issue 18's small "nothing lost / one wording" items in the model, without a terminal: one
//! wording for relative times, counts in the singular, `j`/`k` in the server list, the admin
//! prefix in any case, inert keys in the secret view, the form's discard question, and no key
//! but quit while the terminal is too small.

use crate::common;

use chrono::Duration;
use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::model::expiry::{Expiry, relative_text};
use tokentab::tui::app::Overlay;
use tokentab::tui::keymap::Mode;
use tokentab::tui::msg::{Answer, Effect, Owner, Request};

/// Item 1: a token made with `+30d` a few seconds ago reads "in 30 d" in the form's preview,
/// the table, Details and `relative_text` (the CLI's wording) alike.
#[test]
fn plus_30d_reads_in_30_d_everywhere() {
    let made_at = now() - Duration::seconds(5);
    let at = made_at + Duration::days(30);
    assert_eq!(relative_text(at, now()), "in 30 d");
    assert_eq!(
        Expiry::parse("+30d", now()).unwrap().preview(now()),
        format!(
            "{} (in 30 d)",
            (now() + Duration::days(30)).format("%Y-%m-%d")
        )
    );
    let mut t = info(
        "5eed0000-1111-4222-8333-000000000030",
        "thirty days",
        "admin",
        0,
        None,
        None,
    );
    t.expiry = Some(at.timestamp());
    let mut app = loaded_with(cfg(), vec![t.clone()], 100, 30);
    let table = render_text(&mut app, 100, 30);
    assert!(table.contains("in 30 d"), "table:\n{table}");
    assert!(!table.contains("in 29 d"), "table:\n{table}");
    let fx = key(&mut app, KeyCode::Char('i'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Details,
            id,
            ..
        } => Some(*id),
        _ => None,
    });
    app.update(reply(Owner::Details, id, Answer::Token(Ok(t))));
    let details = render_text(&mut app, 100, 30);
    assert!(details.contains("in 30 d"), "details:\n{details}");
    // Rounded to the nearest unit both ways: 1 h 40 min is "in 2 h", 90 s "in 2 min".
    assert_eq!(
        relative_text(now() + Duration::minutes(100), now()),
        "in 2 h"
    );
    assert_eq!(
        relative_text(now() + Duration::seconds(90), now()),
        "in 2 min"
    );
    assert_eq!(
        relative_text(now() - Duration::days(3) + Duration::seconds(5), now()),
        "expired 3 d ago"
    );
}
/// Item 2: one audit row is "1 row", not "1 rows".
#[test]
fn one_audit_row_is_singular() {
    use tokentab::model::wire::AuditEntry;
    let mut app = loaded(100, 30);
    let fx = app.update(tokentab::tui::msg::Msg::Action(
        tokentab::tui::keymap::Action::Audit,
    ));
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: Owner::Audit,
                id,
                request: Request::ListAudit(_),
            } => Some(*id),
            _ => None,
        })
        .expect("A asks for the audit list");
    let row = AuditEntry {
        id: 1,
        time: now().timestamp() - 60,
        actor: "alice".into(),
        actor_token_id: "0b1c07aa-0000-4000-8000-000000000001".into(),
        action: "create".into(),
        token_id: None,
        description: Some("ci deploy".into()),
        device: None,
        source: None,
        result: "ok".into(),
        count: 1,
    };
    app.update(reply(
        Owner::Audit,
        id,
        Answer::Audit(Ok(vec![row.clone()])),
    ));
    let text = render_text(&mut app, 100, 30);
    assert!(text.contains("1 row, newest first"), "{text}");
    assert!(!text.contains("1 rows"), "{text}");
    let fx = key(&mut app, KeyCode::Char('r'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Audit,
            id,
            ..
        } => Some(*id),
        _ => None,
    });
    app.update(reply(
        Owner::Audit,
        id,
        Answer::Audit(Ok(vec![row.clone(), row])),
    ));
    let text = render_text(&mut app, 100, 30);
    assert!(text.contains("2 rows, newest first"), "{text}");
}

/// Item 2: the count helper itself.
#[test]
fn counts_agree_in_number() {
    use tokentab::tui::text_fit::count;
    assert_eq!(count(0, "row"), "0 rows");
    assert_eq!(count(1, "row"), "1 row");
    assert_eq!(count(2, "token"), "2 tokens");
    assert_eq!(count(1, "device"), "1 device");
}
fn with_servers() -> tokentab::tui::app::App {
    use tokentab::tui::switch::ServerEntry;
    let entry = |key: &str, name: &str| ServerEntry {
        key: key.into(),
        name: name.into(),
        kind: "profile".into(),
        url: "http://127.0.0.1:40123".into(),
        readonly: false,
        problem: None,
    };
    let mut app = loaded(100, 30);
    app.servers.entries = vec![
        entry("profile:dev", "dev"),
        entry("profile:prod", "prod"),
        entry("profile:qa", "qa"),
    ];
    app.servers.current = Some("profile:dev".into());
    app
}

fn picker_selected(app: &tokentab::tui::app::App) -> usize {
    match &app.overlay {
        Overlay::Switch(p) => p.selected,
        other => panic!("the server list is open, not {other:?}"),
    }
}

/// Item 3: `j`/`k` move in the server list like ↓/↑.
#[test]
fn server_list_moves_with_j_and_k() {
    let mut app = with_servers();
    key(&mut app, KeyCode::Char('P'));
    assert_eq!(picker_selected(&app), 0);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(picker_selected(&app), 1);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(picker_selected(&app), 2);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(picker_selected(&app), 1);
    key(&mut app, KeyCode::Down);
    assert_eq!(picker_selected(&app), 2);
    key(&mut app, KeyCode::Up);
    assert_eq!(picker_selected(&app), 1);
}
fn revoke_calls(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Call {
                    owner: Owner::Confirm,
                    request: Request::RevokeToken(_),
                    ..
                }
            )
        })
        .count()
}

/// Item 4: the admin-token prefix is accepted in any case, and the dialog says so.
#[test]
fn admin_prefix_in_any_case() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.mode(), Mode::ConfirmText);
    let text = render_text(&mut app, 100, 30);
    assert!(text.contains("any case"), "{text}");
    typing(&mut app, "D00D");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(revoke_calls(&fx), 1, "D00D unlocks d00d…");
}

/// Item 5: `P` (and other keys that would leave) do nothing in the secret view; it says how to
/// leave; Esc still closes it.
#[test]
fn secret_view_keeps_the_token_on_p() {
    let mut app = with_servers();
    open_secret(&mut app);
    for k in ['P', 'n', 'd', '/', 'A', 'q'] {
        let fx = key(&mut app, KeyCode::Char(k));
        assert_eq!(app.mode(), Mode::Secret, "{k} leaves the secret view");
        assert!(!fx.contains(&Effect::Quit), "{k} quits");
        let said = &app
            .status
            .as_ref()
            .expect("the view says how to leave")
            .text;
        assert!(said.contains("until ⏎ or Esc"), "{said}");
    }
    let text = render_text(&mut app, 100, 30);
    assert!(text.contains(SECRET), "the token is still shown:\n{text}");
    assert!(text.contains("Esc close"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Table);
}

/// Item 6: Esc on a form with input asks first (n keeps it, y discards); an empty form closes
/// at once.
#[test]
fn esc_asks_before_discarding_a_filled_form() {
    let mut app = loaded(100, 30);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_none(), "an empty form closes at once");

    key(&mut app, KeyCode::Char('n'));
    typing(&mut app, "deploy bot");
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_some(), "a filled form asks first");
    let text = render_text(&mut app, 100, 30);
    assert!(text.contains("Discard"), "{text}");
    key(&mut app, KeyCode::Char('n'));
    assert!(app.form.is_some());
    assert_eq!(app.form.as_ref().unwrap().description.value(), "deploy bot");
    assert!(!render_text(&mut app, 100, 30).contains("Discard"));
    // Typing goes on into the field.
    typing(&mut app, "s");
    assert_eq!(
        app.form.as_ref().unwrap().description.value(),
        "deploy bots"
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_some(), "Esc on the question keeps the form");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.form.is_none(), "y discards");
    assert_eq!(app.mode(), Mode::Table);
}
/// Item 7: while the screen says "enlarge the terminal", no key but quit acts.
#[test]
fn too_small_only_quit_acts() {
    let mut app = loaded(100, 30);
    let text = render_text(&mut app, 50, 12);
    assert!(text.contains("enlarge the terminal"), "{text}");
    for k in ['n', 'd', '/', 'P', 'A', 'j', '?', 's'] {
        key(&mut app, KeyCode::Char(k));
        assert_eq!(app.mode(), Mode::Table, "{k} acted");
        assert!(app.form.is_none());
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Table);
    let paste = crossterm::event::Event::Paste("n".into());
    assert!(app.translate(&paste).is_none(), "a paste acts");
    assert!(key(&mut app, KeyCode::Char('q')).contains(&Effect::Quit));
    let mut app = loaded(100, 30);
    render_text(&mut app, 50, 12);
    assert!(ctrl(&mut app, 'c').contains(&Effect::Quit));
    // Big enough again: keys act.
    let mut app = loaded(100, 30);
    render_text(&mut app, 50, 12);
    render_text(&mut app, 80, 24);
    key(&mut app, KeyCode::Char('n'));
    assert!(app.form.is_some());
}
