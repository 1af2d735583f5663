//! `serve`'s webhook flags ([`WebhookArgs`]) to the service's [`WebhookOptions`]: checked
//! before anything starts (a bad URL, duration or secret file is exit 2).

use std::time::Duration;

use crate::cli::webhooks::WebhookArgs;
use crate::model::duration::parse;
use crate::service::webhooks::{WebhookOptions, WebhookSecret};

fn duration(flag: &str, text: &str) -> Result<Duration, String> {
    parse(text)
        .map(Duration::from_secs)
        .map_err(|e| format!("{flag}: {e}"))
}

/// A receiver's URL: http or https, with a host, no user info (it would be a password in
/// argv and in errors).
fn target(url: &str) -> Result<String, String> {
    let u = reqwest::Url::parse(url.trim()).map_err(|e| format!("--webhook: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("--webhook: give an http:// or https:// URL".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(
            "--webhook: no user or password in the URL (the signature authenticates \
                    the sender)"
                .into(),
        );
    }
    Ok(u.to_string())
}

/// None when no `--webhook` was given (then no other webhook flag matters but the secret
/// file, which is refused alone so a typo does not silently send nothing).
pub fn options(a: &WebhookArgs) -> Result<Option<WebhookOptions>, String> {
    if a.webhooks.is_empty() {
        if a.webhook_secret_file.is_some() {
            return Err("--webhook-secret-file needs at least one --webhook URL".into());
        }
        return Ok(None);
    }
    let targets = a
        .webhooks
        .iter()
        .map(|u| target(u))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(path) = &a.webhook_secret_file else {
        return Err(
            "--webhook needs --webhook-secret-file FILE: deliveries are signed with \
                    the key in it (make one with `openssl rand -hex 32`)"
                .into(),
        );
    };
    let secret = WebhookSecret::read(path).map_err(|e| format!("--webhook-secret-file: {e}"))?;
    let mut leads = a
        .webhook_expiring
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| duration("--webhook-expiring", s))
        .collect::<Result<Vec<_>, _>>()?;
    leads.sort_unstable_by(|x, y| y.cmp(x));
    leads.dedup();
    if a.webhook_max_attempts == 0 {
        return Err("--webhook-max-attempts: at least 1".into());
    }
    let mut o = WebhookOptions::new(targets, secret);
    o.leads = leads;
    o.timeout = duration("--webhook-timeout", &a.webhook_timeout)?;
    o.max_attempts = a.webhook_max_attempts;
    o.max_age = duration("--webhook-max-age", &a.webhook_max_age)?;
    o.backoff_max = duration("--webhook-backoff-max", &a.webhook_backoff_max)?;
    o.retention = duration("--webhook-retention", &a.webhook_retention)?;
    o.sweep_every = duration("--webhook-sweep-every", &a.webhook_sweep_every)?;
    Ok(Some(o))
}
