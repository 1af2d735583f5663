//! The quiet refresh by change (issue 19) in the model: with a changes cursor the table asks
//! only for what changed and applies it keeping selection, marks, filter and sort; a 410 lists
//! again; without a cursor (JFrog) it asks for the rows on screen.

use crate::common;

use common::fixtures::*;
use crossterm::event::KeyCode;
use tokentab::api::ApiError;
use tokentab::model::wire::TokenChanges;
use tokentab::tui::app::tokens::Column;
use tokentab::tui::msg::{Answer, CallError, Effect, Msg, Owner, Request};

fn quiet_call(app: &mut tokentab::tui::app::App) -> (tokentab::tui::msg::ReqId, Request) {
    let fx = app.update(Msg::RefreshDue);
    fx.into_iter()
        .find_map(|e| match e {
            Effect::Call {
                owner: Owner::Table,
                id,
                request,
            } => Some((id, request)),
            _ => None,
        })
        .expect("a quiet refresh call")
}

#[test]
fn a_delta_keeps_selection_marks_filter_and_sort() {
    let mut app = loaded(100, 30);
    // Sort by expiry, filter "e", mark two rows (the first shown among them).
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "e");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    let rows = &app.table.rows;
    let sel = rows.selected_row().unwrap().token.token_id.clone();
    let first = rows.at(0).unwrap().token.token_id.clone();
    assert_eq!(rows.marked.len(), 2);
    let mut marks_after = rows.marked.clone();
    marks_after.remove(&first);
    let n = rows.len();
    let shown = rows.visible_len();

    // Without a cursor (a server without changes), the quiet refresh asks for the rows on
    // screen.
    let (_, req) = quiet_call(&mut app);
    let on_screen: Vec<String> = (0..shown)
        .map(|p| app.table.rows.at(p).unwrap().token.token_id)
        .collect();
    assert_eq!(req, Request::TokensById(on_screen));
    app.table.refreshing = None;

    app.table.changes = Some("c0".into());
    let (id, req) = quiet_call(&mut app);
    assert_eq!(req, Request::TokenChanges("c0".into()));
    // Another client revoked the first shown row, added a matching token, and used the
    // selected one.
    let mut used = app.table.rows.find(&sel).unwrap().token;
    used.last_used = Some(now());
    let used_info = sample()
        .into_iter()
        .find(|t| t.token_id == sel)
        .map(|mut t| {
            t.last_used = Some(now().timestamp());
            t
        })
        .unwrap();
    let answer = TokenChanges {
        tokens: vec![
            info("0000aaaa-7", "zz e delta", "dave", 0, Some(100), None),
            used_info,
        ],
        revoked: vec![first.clone()],
        changes_cursor: "c1".into(),
    };
    app.update(reply(Owner::Table, id, Answer::Changes(Ok(answer))));
    let rows = &app.table.rows;
    assert_eq!(rows.len(), n, "one in, one out");
    assert!(rows.find(&first).is_none());
    assert_eq!(
        rows.visible_len(),
        shown,
        "the new one matches, the revoked one is gone"
    );
    assert_eq!(rows.selected_row().unwrap().token.token_id, sel);
    assert_eq!(rows.find(&sel).unwrap().token.last_used, used.last_used);
    assert_eq!(rows.filter(), "e");
    assert_eq!(rows.sort, Column::Expiry);
    assert_eq!(
        rows.marked, marks_after,
        "the revoked row's mark is gone, the others stay"
    );
    assert_eq!(app.table.changes.as_deref(), Some("c1"));
    assert!(app.table.refreshing.is_none());

    // The server cannot tell (410): the table lists again, quietly.
    let (id, _) = quiet_call(&mut app);
    let gone = ApiError::Status {
        status: 410,
        message: "list again".into(),
    };
    let fx = app.update(reply(
        Owner::Table,
        id,
        Answer::Changes(Err(CallError::Api(gone))),
    ));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Call {
            owner: Owner::Table,
            request: Request::ListTokens,
            ..
        }
    )));
    assert!(app.table.changes.is_none());
    assert_eq!(app.table.rows.len(), n, "rows stay until the list arrives");
}

#[test]
fn a_delta_of_a_hidden_row_leaves_the_selection_alone() {
    let mut app = loaded(100, 30);
    let all: Vec<String> = (0..app.table.rows.visible_len())
        .map(|p| app.table.rows.at(p).unwrap().token.token_id)
        .collect();
    key(&mut app, KeyCode::Char('j'));
    let sel = app.table.rows.selected_row().unwrap().token.token_id;
    assert_eq!(sel, all[1]);
    app.table.changes = Some("c0".into());
    let (id, _) = quiet_call(&mut app);
    // The last row was used (its last-used time moved): nothing else changes.
    let mut used = sample()
        .into_iter()
        .find(|t| t.token_id == all[all.len() - 1])
        .unwrap();
    used.last_used = Some(now().timestamp());
    let answer = TokenChanges {
        tokens: vec![used],
        revoked: vec![],
        changes_cursor: "c1".into(),
    };
    app.update(reply(Owner::Table, id, Answer::Changes(Ok(answer))));
    let now_order: Vec<String> = (0..app.table.rows.visible_len())
        .map(|p| app.table.rows.at(p).unwrap().token.token_id)
        .collect();
    assert_eq!(now_order, all);
    assert_eq!(app.table.rows.selected_row().unwrap().token.token_id, sel);
}

/// Against a JFrog-shaped server (no changes call): the rows on screen are asked for one by
/// one; a 404 says the token is gone, another error ends the refresh.
#[tokio::test]
async fn a_server_without_changes_answers_the_rows_on_screen_one_by_one() {
    use common::fault_server::{FaultServer, Reply};
    use secrecy::SecretString;
    use tokentab::api::{Client, ClientOptions};
    use tokentab::tui::token_refresh::tokens_by_id;

    let s = FaultServer::start().await;
    let opts = ClientOptions {
        max_retries: 0,
        ..Default::default()
    };
    let c = Client::new(&s.url(), SecretString::from("bearer-abc".to_owned()), opts).unwrap();
    let now = chrono::Utc::now().timestamp();
    let token = serde_json::json!({"token_id": "t-live", "subject": "jfac@01hq/users/admin",
        "issued_at": now, "issuer": "jfac@01hq", "description": "still here"});
    s.on(
        "GET",
        "/access/api/v1/tokens/t-live",
        vec![Reply::json_value(200, &token)],
    );
    let gone = r#"{"errors":[{"code":"NOT_FOUND","message":"Token not found"}]}"#;
    s.on(
        "GET",
        "/access/api/v1/tokens/t-gone",
        vec![Reply::json(404, gone)],
    );
    s.on(
        "GET",
        "/access/api/v1/tokens/t-fail",
        vec![Reply::json(500, "{}")],
    );
    let got = tokens_by_id(c.clone(), vec!["t-live".into(), "t-gone".into()])
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "t-live");
    assert_eq!(
        got[0].1.as_ref().unwrap().description.as_deref(),
        Some("still here")
    );
    assert_eq!(got[1], ("t-gone".to_owned(), None));
    assert!(
        tokens_by_id(c, vec!["t-live".into(), "t-fail".into()])
            .await
            .is_err()
    );
    assert_eq!(s.count("GET", "/access/api/v1/tokens"), 0, "no full list");
}
