//! The create panel's expiry help and its early flag (issue 18 item 3), and names, not ids, in
//! the permission rows (item 5): the model fed the server's limits, the screens at 80×24 and
//! 120×24, a journey over HTTP against a service with `--max-expiry 30d`, and the client's
//! fallback on a JFrog Platform (404 on our limits endpoint).

use crate::common;

use common::fault_server::{FaultServer, Reply};
use common::fixtures::*;
use common::journey::{Person, deps, embedded_app, play};
use common::service::harness;
use crossterm::event::KeyCode;
use secrecy::SecretString;
use tokentab::api::{Client, ClientOptions};
use tokentab::model::expiry::ServerLimits;
use tokentab::tui::app::App;
use tokentab::tui::app::form::Field;
use tokentab::tui::msg::{Answer, Effect, Owner, ReqId, Request};

const DAY: u64 = 86_400;

fn thirty_days() -> ServerLimits {
    ServerLimits {
        max_expiry: Some(30 * DAY),
        default_expiry: Some(30 * DAY),
        never_allowed: Some(false),
        default_chosen: false,
    }
}

/// The panel's text (right of the table, inside its border), its lines joined by one space:
/// what a person reads there, wrapping undone.
pub fn panel_words(text: &str, w: u16) -> String {
    let pw = usize::from((w * 2 / 5).clamp(38, 64));
    let from = usize::from(w) - pw + 1;
    text.lines()
        .map(|l| {
            l.chars()
                .skip(from)
                .take(pw - 2)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The form's call for the server's limits.
fn limits_call(fx: &[Effect]) -> ReqId {
    id_of(fx, |e| match e {
        Effect::Call {
            owner: Owner::Form,
            id,
            request: Request::TokenLimits,
        } => Some(*id),
        _ => None,
    })
}

/// `n`, and the server's answer to the limits the form asks for at once.
fn open_form(app: &mut App, limits: Option<ServerLimits>) {
    let fx = key(app, KeyCode::Char('n'));
    let id = limits_call(&fx);
    app.update(reply(Owner::Form, id, Answer::Limits(Ok(limits))));
}

#[test]
fn the_expiry_help_lists_the_formats_and_the_servers_limits_in_days() {
    for (w, h) in [(80, 24), (120, 24)] {
        let mut app = loaded(w, h);
        open_form(&mut app, Some(thirty_days()));
        typing(&mut app, "ci deploy");
        focus(&mut app, Field::Expiration);
        let text = render_text(&mut app, w, h);
        // Wrapped in the panel, nothing cut: every format and the limit are there.
        let flat = panel_words(&text, w);
        for needle in [
            "+30d,",
            "+12h,",
            "+90min,",
            "+6w,",
            "+1y,",
            "YYYY-MM-DD",
            "never",
        ] {
            assert!(text.contains(needle), "{needle} at {w}x{h}:\n{text}");
        }
        assert!(
            flat.contains("formats: +30d, +12h, +90min, +6w, +1y, YYYY-MM-DD or never"),
            "{w}x{h}:\n{text}"
        );
        assert!(
            flat.contains("this server allows at most 30 d; default 30 d"),
            "{w}x{h}:\n{text}"
        );
        assert!(!flat.contains('…'), "nothing cut at {w}x{h}:\n{text}");
        insta::assert_snapshot!(format!("form_expiry_help_{w}x{h}"), text);
    }
}

#[test]
fn a_fresh_form_starts_within_the_servers_limit() {
    let mut app = loaded(80, 24);
    open_form(&mut app, Some(thirty_days()));
    let form = app.form.as_ref().unwrap();
    // +90d would be refused: the server's default takes its place, as no input of the user's.
    assert_eq!(form.expiration.value(), "+30d");
    assert!(!form.has_input());
    let text = render_text(&mut app, 80, 24);
    assert!(
        text.contains("(in 30 d)") && !text.contains("longer than"),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    assert!(
        app.form.is_none(),
        "an untouched form closes without asking"
    );
}

#[test]
fn a_jfrog_platform_gets_only_the_formats() {
    let mut app = loaded(80, 24);
    open_form(&mut app, None);
    focus(&mut app, Field::Expiration);
    let text = render_text(&mut app, 80, 24);
    assert!(text.contains("formats: +30d"), "{text}");
    assert!(!text.contains("this server"), "{text}");
    // Nothing is refused early: "+5y" previews.
    key(&mut app, KeyCode::End);
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typing(&mut app, "+5y");
    let text = render_text(&mut app, 80, 24);
    assert!(text.contains("(in 1825 d)"), "{text}");
}

#[test]
fn a_too_long_expiry_is_flagged_as_typed_and_generate_is_refused() {
    let mut app = loaded(80, 24);
    open_form(&mut app, Some(thirty_days()));
    typing(&mut app, "ci deploy");
    focus(&mut app, Field::Expiration);
    key(&mut app, KeyCode::End);
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typing(&mut app, "+60d");
    // Flagged on the field before Generate, in days, whole.
    let text = render_text(&mut app, 80, 24);
    let flat = panel_words(&text, 80);
    assert!(
        flat.contains("longer than this server allows (at most 30 d)"),
        "{text}"
    );
    insta::assert_snapshot!("form_expiry_too_long_80x24", text);
    // Generate sends nothing and names the same reason beside the field.
    let fx = ctrl(&mut app, 's');
    assert!(
        !fx.iter().any(|e| matches!(
            e,
            Effect::Call {
                request: Request::CreateToken(_),
                ..
            }
        )),
        "{fx:?}"
    );
    let form = app.form.as_ref().expect("the form stays");
    assert_eq!(form.focus, Field::Expiration);
    assert_eq!(
        form.error(Field::Expiration),
        Some("longer than this server allows (at most 30 d)")
    );
    // "never" is refused there too; +30d goes.
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typing(&mut app, "never");
    ctrl(&mut app, 's');
    assert_eq!(
        app.form.as_ref().unwrap().error(Field::Expiration),
        Some("this server does not allow tokens that never expire")
    );
    for _ in 0..5 {
        key(&mut app, KeyCode::Backspace);
    }
    typing(&mut app, "+30d");
    let fx = ctrl(&mut app, 's');
    let req = create_request(&fx, Owner::Form);
    assert_eq!(req.expires_in, Some(30 * DAY));
}

#[test]
fn the_limits_arriving_late_flag_what_was_typed_before() {
    let mut app = loaded(80, 24);
    let fx = key(&mut app, KeyCode::Char('n'));
    let id = limits_call(&fx);
    focus(&mut app, Field::Expiration);
    let text = render_text(&mut app, 80, 24);
    assert!(text.contains("asking the server for its limits"), "{text}");
    key(&mut app, KeyCode::End);
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typing(&mut app, "+60d");
    assert!(render_text(&mut app, 80, 24).contains("(in 60 d)"));
    app.update(reply(
        Owner::Form,
        id,
        Answer::Limits(Ok(Some(thirty_days()))),
    ));
    let text = render_text(&mut app, 80, 24);
    assert!(text.contains("longer than this server allows"), "{text}");
}

#[test]
fn the_create_panel_at_80x24_and_120x24_names_its_rows() {
    for (w, h) in [(80, 24), (120, 24)] {
        let mut app = loaded(w, h);
        custom_three_rows(&mut app);
        let text = render_text(&mut app, w, h);
        assert!(text.contains("Device Details Token"), "{text}");
        assert!(text.contains("Target entity"), "{text}");
        assert!(text.contains("Read Write Delete"), "{text}");
        assert!(text.contains("gateway-7 (d-feaf…)"), "{text}");
        assert!(
            !text.contains("R--") && !text.contains("d-feaf-d9aa"),
            "{text}"
        );
        insta::assert_snapshot!(format!("form_custom_rows_{w}x{h}"), text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_the_form_says_the_servers_limit_and_flags_60_days() {
    let svc = harness().seeded().max_expiry(30 * DAY).start().await;
    let url = svc.handle.url();
    let (_, last) = play(
        embedded_app(&url),
        deps(&url, &svc.admin),
        80,
        24,
        |mut p: Person| async move {
            p.wait("the table", crate::common::tab::table_loaded).await;
            p.key(KeyCode::Char('n'));
            p.wait_text("New token").await;
            p.text("sixty days");
            p.key(KeyCode::Tab);
            p.wait_text("at most 30 d").await;
            p.keys(&[KeyCode::End, KeyCode::Backspace, KeyCode::Backspace]);
            p.keys(&[KeyCode::Backspace, KeyCode::Backspace]);
            p.text("+60d");
            p.wait_text("longer than this server").await;
            p.ctrl('c');
        },
    )
    .await;
    assert!(last.contains("(at most 30 d)"), "{last}");
    svc.handle.shutdown().await;
}

fn client(url: &str) -> Client {
    let opts = ClientOptions {
        max_retries: 0,
        ..Default::default()
    };
    Client::new(url, SecretString::from("bearer-abc".to_owned()), opts).expect("client")
}

#[tokio::test]
async fn on_a_jfrog_platform_the_client_reads_the_default_or_nothing() {
    const LIMITS: &str = "/tokentab/api/v1/config/token/limits";
    const DEFAULT: &str = "/access/api/v1/config/token/default_expiry";
    let s = FaultServer::start().await;
    let c = client(&s.url());
    // Ours is not there; JFrog's answers an admin with its default.
    s.on(
        "GET",
        DEFAULT,
        vec![Reply::json(200, r#"{"default_token_expiration":31536000}"#)],
    );
    let l = c.token_limits().await.unwrap();
    assert_eq!(
        l,
        Some(ServerLimits {
            default_expiry: Some(365 * DAY),
            ..ServerLimits::default()
        })
    );
    assert_eq!(s.count("GET", LIMITS), 1);
    // JFrog refuses a non-admin: nothing is said, and that is no error.
    s.on(
        "GET",
        DEFAULT,
        vec![Reply::json(
            403,
            r#"{"errors":[{"code":"FORBIDDEN","message":"no"}]}"#,
        )],
    );
    assert_eq!(c.token_limits().await.unwrap(), None);
    // Ours answers: JFrog's is not asked.
    let before = s.count("GET", DEFAULT);
    s.on(
        "GET",
        LIMITS,
        vec![Reply::json(
            200,
            r#"{"max_expiry":2592000,"default_expiry":2592000,"never_allowed":false}"#,
        )],
    );
    assert_eq!(c.token_limits().await.unwrap(), Some(thirty_days()));
    assert_eq!(s.count("GET", DEFAULT), before);
}
