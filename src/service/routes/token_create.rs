//! `POST /access/api/v1/tokens` with `grant_type=client_credentials` (the default): JSON or
//! form, every JFrog field honoured or refused by name, the limits a non-admin cannot stretch.
//! `grant_type=refresh_token` goes to [`super::token_refresh`].

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::model::entity::{validate_name, validate_project_key};
use crate::model::scope::{Scope, ScopeItem};
use crate::model::wire::CreateTokenRequest;

use super::super::auth::{Caller, Principal, hash_secret, new_secret};
use super::super::error::ApiErr;
use super::super::state::AppState;
use super::super::store::backend::{CreateCheck, CreateToken};
use super::super::store::tokens::NewToken;
use super::audit::{Source, by as audit_by, refused};
use super::body::{check_text, fields, take_secret};
use super::issued::created_response;
use super::issued::{default_lifetime, longest_lifetime};
use super::token_refresh;
use crate::model::clock::now;

pub const MAX_DESCRIPTION: usize = 1024;
pub const MAX_AUDIENCE: usize = 255;
/// Nothing beyond 100 years.
const MAX_EXPIRES_IN: u64 = 100 * 366 * 86_400;
/// The audience of every custom (`connect:`) token.
const CUSTOM_AUDIENCE: &str = "jfcon@*";

/// A create body's fields as JFrog names them; unknown fields are refused by name.
pub fn parse_request(fields: Map<String, Value>) -> Result<CreateTokenRequest, ApiErr> {
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiErr::bad_request(format!("invalid field: {e}")))
}

fn days(secs: u64) -> String {
    if secs % 86_400 == 0 {
        format!("{} days", secs / 86_400)
    } else {
        format!("{secs} seconds")
    }
}

/// Seconds to live (None = never) under the service's limits ([`longest_lifetime`]); non-admins
/// never get "never".
/// `stored`: the default an admin set (`PUT …/config/token/default_expiry`), read when
/// `requested` is None.
fn lifetime(
    state: &AppState,
    requested: Option<u64>,
    admin: bool,
    stored: Option<u64>,
) -> Result<Option<u64>, ApiErr> {
    let user_max = if admin { None } else { state.max_user_expiry };
    let max = longest_lifetime(state, admin);
    let limit_name = |m: u64| {
        if Some(m) == user_max && state.max_expiry.is_none_or(|a| a > m) {
            format!("the non-admin limit (--max-user-expiry) of {}", days(m))
        } else {
            format!("this server's limit of {}", days(m))
        }
    };
    match requested {
        None => Ok(Some(default_lifetime(state, admin, stored))),
        Some(0) if !admin => Err(ApiErr::forbidden(match max {
            Some(m) => format!(
                "only an admin can create tokens that never expire (expires_in 0); the longest \
                 lifetime allowed is {}",
                limit_name(m)
            ),
            None => "only an admin can create tokens that never expire (expires_in 0)".to_owned(),
        })),
        Some(0) => match max {
            None => Ok(None),
            Some(m) => Err(ApiErr::forbidden(format!(
                "tokens that never expire are not allowed here: the longest lifetime is {}",
                days(m)
            ))),
        },
        Some(n) if max.is_some_and(|m| n > m) => {
            let m = max.unwrap_or_default();
            Err(ApiErr::forbidden(format!(
                "expires_in {n} is above {}",
                limit_name(m)
            )))
        }
        Some(n) if n > MAX_EXPIRES_IN => Err(ApiErr::bad_request(
            "expires_in is too large (at most 100 years)",
        )),
        Some(n) => Ok(Some(n)),
    }
}

/// The audience a token gets: custom tokens are always `jfcon@*`.
fn audience(requested: Option<String>, scope: &Scope) -> Result<String, ApiErr> {
    let requested = requested.filter(|a| !a.trim().is_empty());
    if let Some(a) = &requested {
        check_text("audience", a, MAX_AUDIENCE)?;
    }
    if scope.is_custom() {
        return match requested {
            None => Ok(CUSTOM_AUDIENCE.to_owned()),
            Some(a) if a == CUSTOM_AUDIENCE => Ok(a),
            Some(_) => Err(ApiErr::bad_request(format!(
                "audience: a token with connect: scope items always has audience {CUSTOM_AUDIENCE}"
            ))),
        };
    }
    Ok(requested.unwrap_or_else(|| "*@*".to_owned()))
}

/// A validated create: the row to insert and what the response echoes.
struct Plan {
    new: NewToken,
    scope: Scope,
    expires_in: Option<u64>,
    /// Non-admin creates count against the per-user cap and need project membership.
    limited: bool,
}

/// Validates a create request and checks the caller's rights, without touching the database.
fn plan(
    state: &AppState,
    p: &Principal,
    req: CreateTokenRequest,
    stored_default: Option<u64>,
) -> Result<Plan, ApiErr> {
    if !p.is_identity() {
        return Err(ApiErr::forbidden(
            "this token cannot create tokens: use a user or admin token",
        ));
    }
    if req.include_reference_token == Some(true) {
        return Err(ApiErr::bad_request(
            "include_reference_token is not supported: this server issues no reference tokens",
        ));
    }
    // force_revocable: every token of this server can be revoked, so either value holds.
    let description = req.description.unwrap_or_default();
    check_text("description", &description, MAX_DESCRIPTION)?;
    let scope_text = req
        .scope
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| crate::model::scope::USER.to_owned());
    let scope: Scope = scope_text
        .parse()
        .map_err(|e| ApiErr::bad_request(format!("invalid scope: {e}")))?;
    let username = req.username.unwrap_or_else(|| p.username.clone());
    validate_name("username", &username).map_err(|e| ApiErr::bad_request(e.to_string()))?;
    if let Some(key) = &req.project_key {
        validate_project_key(key).map_err(|e| ApiErr::bad_request(e.to_string()))?;
    }
    let audience = audience(req.audience, &scope)?;
    let admin = p.is_admin();
    if !admin {
        if username != p.username {
            return Err(ApiErr::forbidden(
                "only an admin can create tokens for another user",
            ));
        }
        if scope.items() != [ScopeItem::User] {
            return Err(ApiErr::forbidden(
                "only an admin can create admin-scoped or custom tokens",
            ));
        }
    }
    let expires_in = lifetime(state, req.expires_in, admin, stored_default)?;
    let issued_at = now();
    let new = NewToken {
        token_id: uuid::Uuid::new_v4().to_string(),
        secret_hash: [0; 32],
        username,
        scope: scope.to_string(),
        audience,
        description,
        project_key: req.project_key,
        refreshable: req.refreshable.unwrap_or(false),
        issued_at,
        expiry: expires_in.map(|s| issued_at.saturating_add(s as i64)),
    };
    Ok(Plan {
        new,
        scope,
        expires_in,
        limited: !admin,
    })
}

/// What the store found instead of creating: 400 naming the first user, project, fleet or
/// device that does not exist; 403 for a `project_key` a non-admin does not belong to; 400 when
/// a non-admin already holds the most live tokens allowed.
fn refusal(check: CreateCheck, username: &str) -> Option<ApiErr> {
    Some(match check {
        CreateCheck::Created => return None,
        CreateCheck::UnknownUser(u) => ApiErr::bad_request(format!("unknown user \"{u}\"")),
        CreateCheck::UnknownProject(key) => {
            ApiErr::bad_request(format!("unknown project \"{key}\""))
        }
        CreateCheck::UnknownTarget(target) => {
            ApiErr::bad_request(format!("unknown {} \"{}\"", target.kind(), target.target()))
        }
        // A non-admin gets the same answer for a project that does not exist and one it is
        // not a member of.
        CreateCheck::NotMember(key) => ApiErr::forbidden(format!(
            "project_key \"{key}\": {username} is not a member of this project"
        )),
        CreateCheck::TargetNotMember(key) => ApiErr::bad_request(format!(
            "scope: {username} is not a member of project \"{key}\", so a grant there would not \
             hold (add the member first: tokentab admin members add {key} {username})"
        )),
        CreateCheck::OverCap(cap) => ApiErr::bad_request(format!(
            "{username} already has {cap} live tokens, the most a user may hold \
             (--max-tokens-per-user): revoke some first"
        )),
    })
}

pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    source: Source,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiErr> {
    let mut fields = fields(&headers, &body)?;
    let refresh = take_secret(&mut fields, "refresh_token")?;
    let access = take_secret(&mut fields, "access_token")?;
    let req = parse_request(fields)?;
    match req.grant_type.as_deref() {
        None | Some("") | Some("client_credentials") => {}
        Some("refresh_token") => {
            return token_refresh::refresh(state, p, source, req, refresh, access).await;
        }
        Some(_) => {
            return Err(ApiErr::bad_request(
                "grant_type must be client_credentials or refresh_token",
            ));
        }
    }
    if refresh.is_some() || access.is_some() {
        let which = if refresh.is_some() {
            "refresh_token"
        } else {
            "access_token"
        };
        return Err(ApiErr::bad_request(format!(
            "{which} is only accepted with grant_type=refresh_token"
        )));
    }
    // The default an admin set (issue 20), read at each create so every replica uses it.
    let stored_default = match req.expires_in {
        None => state.db.default_expiry().await?,
        Some(_) => None,
    };
    // A refused request's description is not checked text: only a planned one is recorded.
    let mut rec = audit_by(&p, "create", source);
    let Plan {
        mut new,
        scope,
        expires_in,
        limited,
    } = match plan(&state, &p, req, stored_default) {
        Ok(plan) => plan,
        Err(e) => return Err(refused(&state, rec, e).await),
    };
    rec.token_id = Some(new.token_id.clone());
    rec.description = Some(new.description.clone());
    let secret: Zeroizing<String> = new_secret()?;
    new.secret_hash = hash_secret(&secret);
    let refresh_secret = if new.refreshable {
        Some(new_secret()?)
    } else {
        None
    };
    let refresh_hash = refresh_secret.as_ref().map(|s| hash_secret(s));
    let failed = rec.clone();
    let req = CreateToken {
        new: new.clone(),
        targets: scope.grants().map(|(target, _)| target.clone()).collect(),
        caller: Some(p.token_id.clone()),
        refresh_hash,
        limited: limited.then_some(state.max_tokens_per_user),
        audit: Some(rec),
    };
    let written = match state.db.create_token(req).await {
        Ok(check) => refusal(check, &new.username).map_or(Ok(()), Err),
        Err(e) => Err(ApiErr::from(e)),
    };
    if let Err(e) = written {
        return Err(refused(&state, failed, e).await);
    }
    created_response(
        &new,
        &secret,
        refresh_secret.as_ref().map(|s| s.as_str()),
        expires_in,
    )
}
