//! Membership is part of what a token may do: a non-admin user's grants on a project (a Custom
//! token naming it, a fleet or a device in it; a User token's reads there) hold only while the
//! user is a member. Removing the member on one `serve` process stops them at the next request on
//! another; adding the member back restores them. A Custom token for a non-member is refused at
//! creation instead of being made useless.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::service::call_url;
use crate::common::service::harness;

const TOKENS: &str = "/access/api/v1/tokens";

async fn mint(http: &reqwest::Client, url: &str, admin: &str, body: Value) -> String {
    let (status, v) = call_url(
        http,
        Method::POST,
        Some(admin),
        &format!("{url}{TOKENS}"),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn removing_a_member_on_one_process_stops_her_project_grants_on_another_at_the_next_request()
{
    let a = harness().seeded().spawn_binary(&[]).await;
    let b = a.sibling().await;
    let http = &a.http;
    let (url_a, url_b) = (a.serve.url.clone(), b.url.clone());
    // alice is a member of demo and retail in the demo data.
    let fleet = mint(
        http,
        &url_a,
        &a.admin,
        json!({"username": "alice", "scope": "connect:fleet:demo/edge-eu:r", "description": "m"}),
    )
    .await;
    let user = mint(
        http,
        &url_a,
        &a.admin,
        json!({"username": "alice", "description": "u"}),
    )
    .await;
    let devices = |url: &str| format!("{url}/api/v2/demo/devices");
    let read = |token: String, url: String| async move {
        call_url(http, Method::GET, Some(&token), &url, None)
            .await
            .0
    };
    // Both work on B (and B caches them as valid).
    assert_eq!(read(fleet.clone(), devices(&url_b)).await, StatusCode::OK);
    assert_eq!(read(user.clone(), devices(&url_b)).await, StatusCode::OK);

    let member = format!("{url_a}/access/api/v1/projects/demo/users/alice");
    let (status, v) = call_url(http, Method::DELETE, Some(&a.admin), &member, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    // The next request on B: no grant in demo any more (403, the project is still visible to
    // the token's scope grammar), while her other project still answers.
    let (status, v) = call_url(http, Method::GET, Some(&fleet), &devices(&url_b), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(
        read(user.clone(), devices(&url_b)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        read(user.clone(), format!("{url_b}/api/v2/retail/devices")).await,
        StatusCode::OK
    );
    // A second removal is not a success.
    let (status, _) = call_url(http, Method::DELETE, Some(&a.admin), &member, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Back as a member: the same tokens work again on B.
    let (status, v) = call_url(
        http,
        Method::PUT,
        Some(&a.admin),
        &member,
        Some(json!({"name": "alice", "roles": ["developer"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"name": "alice", "roles": ["developer"]}));
    assert_eq!(read(fleet.clone(), devices(&url_b)).await, StatusCode::OK);
    assert_eq!(read(user, devices(&url_b)).await, StatusCode::OK);
    drop(b);
}

#[tokio::test]
async fn a_custom_token_for_a_non_member_is_refused_naming_the_project_and_the_fix() {
    let s = harness().seeded().start().await;
    // bob is a member of demo only.
    let (status, v) = s
        .post_token(
            &s.admin,
            json!({"username": "bob", "scope": "connect:project:retail:r", "description": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("scope: bob is not a member of project \"retail\""),
        "{msg}"
    );
    assert!(
        msg.contains("tokentab admin members add retail bob"),
        "{msg}"
    );
    // An admin user needs no membership: dana is an admin.
    let (status, v) = s
        .post_token(
            &s.admin,
            json!({"username": "dana", "scope": "connect:project:retail:r", "description": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    s.handle.shutdown().await;
}
