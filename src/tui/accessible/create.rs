//! Create a User or Custom token: each field a prompt naming its allowed values and default,
//! checked as the tab checks it (bad input gets a sentence and the same question again), the
//! permission rows one by one (`custom.rs`), a summary read back, then Generate on "yes". The
//! request is built by the tab's own form ([`Form::validate`]).

use std::sync::Arc;

use chrono::Utc;
use tui_input::Input;

use crate::model::Scope;
use crate::model::entity::validate_username;
use crate::model::expiry::{self, Expiry, ServerLimits};
use crate::model::sanitize::{clean, text_field_problem};

use super::super::app::form::{DEFAULT_EXPIRY, Form, MAX_DESCRIPTION};
use super::io::{Step, Stop};
use super::rotate::ask_yes_no;
use super::words::{sentence, spoken};
use super::{Next, Session, custom, secret};

pub async fn create(s: &mut Session, custom: bool) -> Step<Next> {
    match form(s, custom).await {
        Err(Stop::Cancelled) => {
            s.io.say("Cancelled. Nothing was created.");
            Ok(Next::Menu)
        }
        other => other,
    }
}

async fn form(s: &mut Session, custom: bool) -> Step<Next> {
    if s.readonly {
        s.io.error("this session is read-only; tokens cannot be created here");
        return Ok(Next::Menu);
    }
    let kind = if custom { "Custom" } else { "User" };
    s.io.say(&format!(
        "New {kind} token. Answer each question and press Enter; type cancel to leave without \
         creating anything."
    ));
    let client = Arc::clone(&s.client);
    // Without them only the formats are said; the server still checks.
    let limits = s.io.call(client.token_limits()).await?.ok().flatten();
    let description = ask_description(s).await?;
    let expiry_text = ask_expiry(s, limits).await?;
    let owner = ask_owner(s).await?;
    let scope = if custom {
        custom::ask_rows(s).await?
    } else {
        Scope::user()
    };
    let mut form = Form::new(Some(owner.clone()));
    form.description = Input::new(description.clone());
    form.expiration = Input::new(expiry_text.clone());
    form.custom = custom;
    if custom {
        form.scope = scope.clone();
    }
    let now = Utc::now();
    let Some(req) = form.validate(now) else {
        for (_, e) in &form.errors {
            s.io.error(e);
        }
        s.io.say("Nothing was created.");
        return Ok(Next::Menu);
    };
    let mut lines = vec![
        "Summary of the new token.".to_owned(),
        format!("Type: {kind}."),
        format!("Description: {}.", clean(&description)),
        format!("Expiry: {}.", expiry_words(&expiry_text, now)),
        format!("Owner: {}.", clean(&owner)),
    ];
    if custom {
        lines.extend(custom::row_lines(&scope));
    } else {
        lines.push("Scope: User, acting with the owner's rights.".to_owned());
    }
    s.io.say(&lines.join("\n"));
    if !ask_yes_no(
        s,
        "Generate this token? Type yes to generate or no to cancel, default no:",
    )
    .await?
    {
        s.io.say("Cancelled. Nothing was created.");
        return Ok(Next::Menu);
    }
    s.io.say("Creating the token.");
    let created = match s.io.call(client.create_token(&req)).await? {
        Ok(c) => c,
        Err(e) => {
            s.io.error(&format!("the token was not created: {e}"));
            return Ok(Next::Menu);
        }
    };
    s.rows = None;
    let about = format!(
        "Token {} was created: {kind}, owner {}",
        clean(&created.meta.token_id),
        clean(&owner)
    );
    secret::show(s, created, &about).await?;
    Ok(Next::Menu)
}

async fn ask_description(s: &mut Session) -> Step<String> {
    loop {
        let d =
            s.io.ask_form(&format!(
                "Description, required, at most {MAX_DESCRIPTION} characters:"
            ))
            .await?;
        if d.is_empty() {
            s.io.error("a description is required; please type one");
        } else if let Some(problem) = text_field_problem(&d, MAX_DESCRIPTION) {
            s.io.error(&format!("the description {problem}; please type another"));
        } else {
            return Ok(d);
        }
    }
}

/// The typed expiry (or the default), parsed and held to the server's limits.
async fn ask_expiry(s: &mut Session, limits: Option<ServerLimits>) -> Step<String> {
    let check = |text: &str| -> Result<Expiry, String> {
        let now = Utc::now();
        let e = Expiry::parse(text, now).map_err(|e| e.to_string())?;
        if let Some(l) = &limits {
            l.check(&e, now).map_err(|e| e.to_string())?;
        }
        Ok(e)
    };
    // The tab's default, or the server's own when that one is over the limit.
    let default = std::iter::once(DEFAULT_EXPIRY.to_owned())
        .chain(
            limits
                .and_then(|l| l.default_expiry)
                .map(|d| format!("+{}d", d / 86_400)),
        )
        .find(|d| check(d).is_ok());
    let rules = limits
        .map(|l| l.help())
        .filter(|h| !h.is_empty())
        .map_or(String::new(), |h| format!(" {}", sentence(&spoken(&h))));
    let default_words = default
        .as_deref()
        .map_or("no default".to_owned(), |d| format!("default {d}"));
    let prompt = format!(
        "Expiry: one of {}; {default_words}.{rules}",
        expiry::formats_text()
    );
    loop {
        let typed = s.io.ask_form(&prompt).await?;
        let text = match (typed.is_empty(), &default) {
            (true, Some(d)) => d.clone(),
            (true, None) => {
                s.io.error("an expiry is required here; please type one");
                continue;
            }
            (false, _) => typed,
        };
        match check(&text) {
            Ok(_) => {
                s.io.say(&format!("Expiry: {}.", expiry_words(&text, Utc::now())));
                return Ok(text);
            }
            Err(e) => s.io.error(&format!("{e}; please try again")),
        }
    }
}

fn expiry_words(text: &str, now: chrono::DateTime<Utc>) -> String {
    match Expiry::parse(text, now) {
        Ok(e) => spoken(&e.preview(now)),
        Err(_) => clean(text),
    }
}

async fn ask_owner(s: &mut Session) -> Step<String> {
    let default = s.me.clone();
    let prompt = match &default {
        Some(me) => {
            format!("Owner: the user the token belongs to; default {me}; type ? to list users:")
        }
        None => "Owner: the user the token belongs to; type ? to list users:".to_owned(),
    };
    loop {
        let typed = s.io.ask_form(&prompt).await?;
        let name = match (typed.as_str(), &default) {
            ("?", _) => {
                list_users(s).await?;
                continue;
            }
            ("", Some(me)) => me.clone(),
            ("", None) => {
                s.io.error("an owner is required; please type a user name");
                continue;
            }
            (t, _) => t.to_owned(),
        };
        match validate_username(&name) {
            Ok(()) => return Ok(name),
            Err(e) => s.io.error(&format!("{e}; please try again")),
        }
    }
}

async fn list_users(s: &mut Session) -> Step<()> {
    let client = Arc::clone(&s.client);
    match s.io.call(client.list_all_users(None)).await? {
        Ok(users) => {
            let names: Vec<String> = users.iter().map(|u| clean(&u.username)).collect();
            s.io.say(&format!("{} users: {}.", names.len(), names.join(", ")));
        }
        Err(e) => s.io.error(&format!("the users could not be listed: {e}")),
    }
    Ok(())
}
