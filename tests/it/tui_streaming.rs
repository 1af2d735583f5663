//! Large lists stream in: the first page is on screen while the rest is loading, later pages are
//! sorted and filtered into the table without moving the selection, and the result is the same
//! table a one-shot load gives.

use crate::common;
use crate::common::service::harness;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use crossterm::event::KeyCode;
use serde_json::{Value, json};
use tokio::sync::Notify;

use common::fixtures::*;
use common::journey::{deps, play};
use tokentab::model::TokenStatus;
use tokentab::model::filter_query::FilterQuery;
use tokentab::model::wire::TokenInfo;
use tokentab::tui::app::App;
use tokentab::tui::app::tokens::Column;
use tokentab::tui::msg::{Answer, Effect, Msg, Owner, ReqId, Request, TokenPage};

/// `n` tokens named `{prefix}-{i}`, with varied users, dates and scopes.
fn tokens(prefix: &str, n: usize) -> Vec<TokenInfo> {
    let users = ["alice", "bob", "carol", "admin"];
    let scopes = [
        Some("applied-permissions/user"),
        Some("applied-permissions/admin"),
        Some("connect:fleet:demo/edge-eu:r"),
        None,
    ];
    (0..n)
        .map(|i| {
            info(
                &format!("{:08x}-0000-4000-8000-{:012x}", i * 7919 % 1000, i),
                &format!("{prefix}-{i} job {}", i % 5),
                users[i % 4],
                (i * 37 % 90) as i64,
                if i % 6 == 0 {
                    None
                } else {
                    Some((i * 13 % 60) as i64 - 10)
                },
                scopes[i % 4],
            )
        })
        .collect()
}

/// A model whose list request is under way; returns its id.
fn loading() -> (App, ReqId) {
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
    app.update(Msg::Resize(120, 30));
    (app, list)
}

fn page(tokens: Vec<TokenInfo>, more: bool, estimate: Option<u64>) -> TokenPage {
    TokenPage {
        tokens,
        more,
        estimate,
        changes: None,
    }
}

/// The token ids of the table, top to bottom.
fn shown_ids(app: &App) -> Vec<String> {
    (0..app.table.rows.visible_len())
        .map(|p| app.table.rows.at(p).expect("row").token.token_id)
        .collect()
}

#[test]
fn pages_arriving_one_by_one_keep_the_selection_filter_and_sort() {
    let all = tokens("t", 90);
    let (mut app, list) = loading();
    app.update(reply(
        Owner::Table,
        list,
        Answer::Page(Ok(page(all[..30].to_vec(), true, None))),
    ));
    // The first page is a table already, and the header says the rest is loading.
    assert_eq!(app.table.rows.len(), 30);
    let screen = render_text(&mut app, 120, 30);
    assert!(screen.contains("loading 30…"), "{screen}");
    assert!(screen.contains("t-0 job 0"), "{screen}");

    // Filter and sort what is there, and pick a row that is not the first.
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "job 3");
    key(&mut app, KeyCode::Enter);
    app.table.rows.set_sort(Column::Description, false);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let chosen = app
        .table
        .rows
        .selected_row()
        .expect("a selection")
        .token
        .token_id;

    for (k, chunk) in all[30..].chunks(20).enumerate() {
        let more = 30 + (k + 1) * 20 < all.len();
        app.update(reply(
            Owner::Table,
            list,
            Answer::Page(Ok(page(chunk.to_vec(), more, Some(90)))),
        ));
        let sel = app.table.rows.selected_row().expect("still a selection");
        assert_eq!(sel.token.token_id, chosen, "page {k} moved the selection");
        assert_eq!(app.table.rows.filter(), "job 3");
        for p in 0..app.table.rows.visible_len() {
            let d = app.table.rows.at(p).expect("row").token.description;
            assert!(
                d.contains("job 3"),
                "page {k}: {d} does not match the filter"
            );
        }
        if more {
            let screen = render_text(&mut app, 120, 30);
            let loaded = 30 + (k + 1) * 20;
            assert!(
                screen.contains(&format!("loading {loaded} of ~90")),
                "{screen}"
            );
        }
    }
    let screen = render_text(&mut app, 120, 30);
    assert!(screen.contains("90 tokens"), "{screen}");
    assert!(!screen.contains("loading"), "{screen}");

    // The same table as the whole list loaded at once with the same filter and sort.
    let mut once = loaded_with(cfg(), all, 120, 30);
    key(&mut once, KeyCode::Char('/'));
    typing(&mut once, "job 3");
    key(&mut once, KeyCode::Enter);
    once.table.rows.set_sort(Column::Description, false);
    assert_eq!(shown_ids(&app), shown_ids(&once));
    assert_eq!(
        app.table.rows.counts.expiring,
        once.table.rows.counts.expiring
    );
    assert_eq!(
        app.table.rows.counts.expired,
        once.table.rows.counts.expired
    );
}

#[test]
fn merged_pages_sort_like_a_one_shot_load_in_every_column_and_direction() {
    let all = tokens("m", 120);
    for col in Column::ALL {
        for desc in [false, true] {
            let (mut app, list) = loading();
            app.table.rows.set_sort(col, desc);
            for (k, chunk) in all.chunks(17).enumerate() {
                let more = (k + 1) * 17 < all.len();
                app.update(reply(
                    Owner::Table,
                    list,
                    Answer::Page(Ok(page(chunk.to_vec(), more, None))),
                ));
            }
            let mut once = loaded_with(cfg(), all.clone(), 120, 30);
            once.table.rows.set_sort(col, desc);
            assert_eq!(shown_ids(&app), shown_ids(&once), "{col:?} desc={desc}");
        }
    }
}

#[test]
fn a_refresh_swaps_in_the_new_list_only_when_it_is_complete() {
    let mut app = loaded_with(cfg(), tokens("old", 40), 120, 30);
    let fx = key(&mut app, KeyCode::Char('r'));
    let id = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    let new = tokens("new", 60);
    app.update(reply(
        Owner::Table,
        id,
        Answer::Page(Ok(page(new[..30].to_vec(), true, None))),
    ));
    // Half a refresh never replaces the shown rows.
    assert_eq!(app.table.rows.len(), 40);
    assert!(
        app.table
            .rows
            .at(0)
            .expect("row")
            .token
            .description
            .starts_with("old")
    );
    app.update(reply(
        Owner::Table,
        id,
        Answer::Page(Ok(page(new[30..].to_vec(), false, None))),
    ));
    assert_eq!(app.table.rows.len(), 60);
    assert!(
        app.table
            .rows
            .at(0)
            .expect("row")
            .token
            .description
            .starts_with("new")
    );
}

/// A server that sends the first page at once and holds the second until released.
async fn gated_server(first: Vec<TokenInfo>, second: Vec<TokenInfo>) -> (String, Arc<Notify>) {
    #[derive(Clone)]
    struct S {
        first: Value,
        second: Value,
        gate: Arc<Notify>,
    }
    async fn list(
        State(s): State<S>,
        Query(q): Query<std::collections::HashMap<String, String>>,
    ) -> axum::Json<Value> {
        if q.get("cursor").map(String::as_str) == Some("page-2") {
            s.gate.notified().await;
            axum::Json(s.second)
        } else {
            axum::Json(s.first)
        }
    }
    async fn me() -> axum::Json<Value> {
        let mut me = info("me", "", "admin", 0, None, None);
        me.subject = "jfac@01hq7x2k9m/users/admin".into();
        axum::Json(serde_json::to_value(me).expect("json"))
    }
    let total = first.len() + second.len();
    let gate = Arc::new(Notify::new());
    let state = S {
        first: json!({ "tokens": first, "cursor": "page-2", "total": total }),
        second: json!({ "tokens": second }),
        gate: gate.clone(),
    };
    let app = Router::new()
        .route("/access/api/v1/tokens", get(list))
        .route("/access/api/v1/tokens/me", get(me))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, gate)
}

#[tokio::test]
async fn the_first_page_is_on_screen_while_the_rest_is_loading() {
    let first = tokens("first", 12);
    let second = tokens("second", 8);
    let (url, gate) = gated_server(first, second).await;
    let (app, _) = play(
        App::new(cfg(), now()),
        deps(&url, "t"),
        120,
        30,
        |mut p| async move {
            let screen = p.wait_text("loading 12 of ~20").await;
            assert!(screen.contains("first-0 job 0"), "{screen}");
            assert!(!screen.contains("second-"), "{screen}");
            // The loaded rows can be used already: move down and filter.
            p.key(KeyCode::Down);
            p.key(KeyCode::Char('/'));
            p.text("job 1");
            p.key(KeyCode::Enter);
            p.wait("the filter applied", |f| !f.contains("job 0")).await;
            gate.notify_one();
            let screen = p.wait_text("20 tokens").await;
            assert!(screen.contains("second-1 job 1"), "{screen}");
            assert!(!screen.contains("loading"), "{screen}");
            p.key(KeyCode::Char('q'));
        },
    )
    .await;
    assert_eq!(app.table.rows.len(), 20);
    assert_eq!(app.table.rows.filter(), "job 1");
    // first-1, first-6, first-11, second-1, second-6
    assert_eq!(app.table.rows.visible_len(), 5);
}

#[tokio::test]
async fn the_embedded_service_list_arrives_in_pages_and_all_of_it_is_shown() {
    let svc = harness().start().await;
    let n = 1_200;
    let admin = svc.admin.clone();
    for i in 0..n {
        svc.mint(
            None,
            json!({ "username": "admin", "scope": "applied-permissions/user", "description": format!("bulk {i}"), "expires_in": 0 }),
        )
        .await;
    }
    let total = svc.all_token_ids(&admin).await.len();
    assert!(total > n, "the service lists every token ({total})");
    // The first page of a paged listing says how many there are; later pages and a
    // complete answer do not.
    let (_, first) = svc.get(&admin, "/access/api/v1/tokens?limit=5").await;
    assert_eq!(first["total"].as_u64(), Some(total as u64), "{first}");
    let next = first["cursor"].as_str().expect("a cursor");
    let (_, second) = svc
        .get(
            &admin,
            &format!("/access/api/v1/tokens?limit=5&cursor={next}"),
        )
        .await;
    assert!(second.get("total").is_none(), "{second}");
    let (_, all) = svc.get(&admin, "/access/api/v1/tokens").await;
    assert!(all.get("total").is_none());
    let (app, _) = play(
        App::new(cfg(), now()),
        deps(&svc.handle.url(), &admin),
        120,
        30,
        |mut p| async move {
            p.wait_text(&format!("{total} tokens")).await;
            p.key(KeyCode::Char('q'));
        },
    )
    .await;
    assert_eq!(app.table.rows.len(), total);
    assert!(
        app.table
            .rows
            .find(&svc.all_token_ids(&admin).await[0])
            .is_some()
    );
}

#[test]
fn esc_while_loading_keeps_the_pages_in_and_says_the_list_is_partial() {
    let all = tokens("p", 50);
    let (mut app, list) = loading();
    app.update(reply(
        Owner::Table,
        list,
        Answer::Page(Ok(page(all[..30].to_vec(), true, None))),
    ));
    let fx = key(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::Cancel(list)), "{fx:?}");
    let screen = render_text(&mut app, 120, 30);
    assert!(
        screen.contains("stopped after 30 tokens — press r to load all"),
        "{screen}"
    );
    assert!(!screen.contains("loading 30"), "{screen}");
    // A page still on its way is ignored.
    app.update(reply(
        Owner::Table,
        list,
        Answer::Page(Ok(page(all[30..].to_vec(), false, None))),
    ));
    assert_eq!(app.table.rows.len(), 30);
    assert!(screen.contains("p-0 job 0"), "{screen}");
}

#[test]
fn a_large_load_hands_freed_memory_back_once_when_it_is_complete() {
    let all = tokens("t", 50_000);
    let (mut app, list) = loading();
    let chunks: Vec<_> = all.chunks(10_000).collect();
    for (k, chunk) in chunks.iter().enumerate() {
        let last = k + 1 == chunks.len();
        let fx = app.update(reply(
            Owner::Table,
            list,
            Answer::Page(Ok(page(chunk.to_vec(), !last, Some(50_000)))),
        ));
        assert_eq!(
            fx.contains(&Effect::ReleaseMemory),
            last,
            "page {k} of {}: {fx:?}",
            chunks.len()
        );
    }
    assert_eq!(app.table.rows.len(), 50_000);

    // A small list is not worth the call.
    let (mut app, list) = loading();
    let fx = app.update(reply(
        Owner::Table,
        list,
        Answer::Page(Ok(page(tokens("s", 90), false, None))),
    ));
    assert!(!fx.contains(&Effect::ReleaseMemory), "{fx:?}");
}

/// The header's "yours expiring": the signed-in admin's expiring tokens.
fn mine_expiring() -> FilterQuery {
    FilterQuery {
        users: vec!["admin".into()],
        statuses: vec![TokenStatus::Expiring],
        ..FilterQuery::default()
    }
}

/// A started app told that its token is the admin's: the id of its first token listing.
fn started_as_admin(app: &mut App) -> ReqId {
    let fx = app.init();
    let call = |want: fn(&Request) -> bool| {
        id_of(&fx, |e| match e {
            Effect::Call {
                owner: Owner::Table,
                id,
                request,
            } if want(request) => Some(*id),
            _ => None,
        })
    };
    let (me, list) = (
        call(|r| matches!(r, Request::Me)),
        call(|r| matches!(r, Request::ListTokens)),
    );
    app.update(reply(
        Owner::Table,
        me,
        Answer::Token(Ok(info("m", "me", "admin", 1, None, None))),
    ));
    list
}

/// The header's "yours expiring" while pages stream in: each page adds its own rows' count
/// (a recount of the whole table per page made a 2M-token load quadratic), and the figure is
/// always the one a full recount gives.
#[test]
fn the_expiry_notice_counts_each_page_as_it_comes() {
    let mut app = App::new(cfg(), now());
    let list = started_as_admin(&mut app);
    let all = tokens("t", 400);
    let mine = mine_expiring();
    let mut counts = Vec::new();
    for (k, chunk) in all.chunks(50).enumerate() {
        let more = (k + 1) * 50 < all.len();
        app.update(reply(
            Owner::Table,
            list,
            Answer::Page(Ok(page(chunk.to_vec(), more, Some(400)))),
        ));
        let full = app.table.rows.count_keys(&mine, now());
        assert_eq!(app.table.mine_expiring, full, "after page {k}");
        counts.push(full);
    }
    assert!(
        counts.windows(2).any(|w| w[0] < w[1]) && counts[0] > 0,
        "the sample has expiring tokens of admin on several pages: {counts:?}"
    );
}

/// A reload (`r`) gathers its pages aside and swaps them in at the end: the header's count stays
/// the table's own until then, and is the new table's after.
#[test]
fn a_reload_keeps_the_expiry_notice_of_the_table_shown_until_it_swaps() {
    let mine = mine_expiring();
    let mut app = App::new(cfg(), now());
    let first = started_as_admin(&mut app);
    app.update(reply(
        Owner::Table,
        first,
        Answer::Page(Ok(page(tokens("old", 100), false, None))),
    ));
    let before = app.table.mine_expiring;
    assert!(before > 0, "the old table has expiring tokens of admin");
    let fx = key(&mut app, KeyCode::Char('r'));
    let list = id_of(&fx, |e| match e {
        Effect::Call {
            owner: Owner::Table,
            id,
            request: Request::ListTokens,
        } => Some(*id),
        _ => None,
    });
    let fresh = tokens("new", 300);
    for (k, chunk) in fresh.chunks(100).enumerate() {
        let more = (k + 1) * 100 < fresh.len();
        app.update(reply(
            Owner::Table,
            list,
            Answer::Page(Ok(page(chunk.to_vec(), more, Some(300)))),
        ));
        let full = app.table.rows.count_keys(&mine, now());
        assert_eq!(app.table.mine_expiring, full, "after page {k}");
        if more {
            assert_eq!((app.table.rows.len(), full), (100, before), "page {k}");
        }
    }
    assert_eq!(app.table.rows.len(), 300);
}

#[test]
fn pages_are_indexed_in_idle_time_once_the_list_is_in_and_the_filter_finds_the_same_rows() {
    let all = tokens("t", 90);
    let (mut app, list) = loading();
    for (k, chunk) in all.chunks(30).enumerate() {
        let more = (k + 1) * 30 < all.len();
        app.update(reply(
            Owner::Table,
            list,
            Answer::Page(Ok(page(chunk.to_vec(), more, Some(90)))),
        ));
        // Pages go first: no idle work while they are still coming.
        if more {
            assert!(!app.has_idle_work(), "page {k}");
        }
    }
    // The first page was indexed as it came; the later ones were left to idle time.
    assert_eq!(app.table.rows.unindexed(), 60);
    assert!(app.has_idle_work());
    key(&mut app, KeyCode::Char('/'));
    typing(&mut app, "b 3");
    let before = shown_ids(&app);
    assert!(!before.is_empty());
    let mut slices = 0;
    while app.has_idle_work() {
        app.idle_work();
        slices += 1;
        assert!(slices < 100, "the idle work does not end");
    }
    assert_eq!(app.table.rows.unindexed(), 0);
    // The same rows found by the index as by the search, and as after a one-shot load.
    key(&mut app, KeyCode::Backspace);
    typing(&mut app, "3");
    assert_eq!(shown_ids(&app), before);
    let mut once = loaded_with(cfg(), all, 120, 30);
    key(&mut once, KeyCode::Char('/'));
    typing(&mut once, "b 3");
    assert_eq!(shown_ids(&app), shown_ids(&once));
}
