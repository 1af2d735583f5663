//! `tokentab config show`: the effective settings and where each came from. Never a secret:
//! for the token only its source is printed, and the source is not read.

use std::fmt::Write;

use super::token_source::TokenSourceKind;
use super::{Resolved, ServerChoice, Source};
use crate::model::sanitize::sanitize_line;

pub fn show(r: &Resolved) -> String {
    let mut out = String::new();
    let mut line = |name: &str, value: &str, src: &Source| {
        let label = format!("{name}:");
        let _ = writeln!(out, "{label:<17} {}  [{src}]", sanitize_line(value));
    };
    let cfg_state = if r.config_loaded {
        "(read)"
    } else {
        "(not found: built-in defaults)"
    };
    line(
        "config file",
        &format!("{} {cfg_state}", r.config_path.display()),
        r.source_of("config_path"),
    );
    if let Some(p) = &r.jfrog_cli_config {
        line(
            "jfrog-cli config",
            &p.display().to_string(),
            &Source::Default,
        );
    }
    line(
        "profile",
        r.profile.as_deref().unwrap_or("(none)"),
        r.source_of("profile"),
    );
    match &r.server {
        ServerChoice::Embedded { data_dir } => {
            line("server", "embedded token service", r.source_of("url"));
            line(
                "data dir",
                &data_dir.display().to_string(),
                r.source_of("data_dir"),
            );
        }
        ServerChoice::Remote { url, token } => {
            line("server", url, r.source_of("url"));
            let how = match &token.kind {
                TokenSourceKind::Env { var } => format!(
                    "from {var} ({})",
                    if token.is_set() { "set" } else { "not set" }
                ),
                TokenSourceKind::Prompt => {
                    "asked on the terminal (none configured: set TOKENTAB_TOKEN, --token-file or a profile token source)".into()
                }
                other => format!("from {other}"),
            };
            line("token", &how, &token.origin);
        }
    }
    let on = |b: bool| if b { "true" } else { "false" };
    line("readonly", on(r.readonly), r.source_of("readonly"));
    line(
        "banner_color",
        r.banner_color.as_deref().unwrap_or("(none)"),
        r.source_of("banner_color"),
    );
    line(
        "cacert",
        &r.cacert
            .as_ref()
            .map_or("(system roots)".into(), |p| p.display().to_string()),
        r.source_of("cacert"),
    );
    line("insecure", on(r.insecure), r.source_of("insecure"));
    let clip = serde_json::to_value(r.clipboard)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    line("clipboard", &clip, r.source_of("clipboard"));
    let clear = match r.clipboard_clear_secs {
        0 => "never".to_string(),
        s => format!("{s} s"),
    };
    line("clipboard_clear", &clear, r.source_of("clipboard_clear"));
    line("mouse", on(r.mouse), r.source_of("mouse"));
    line("mask_secret", on(r.mask_secret), r.source_of("mask_secret"));
    line("accessible", on(r.accessible), r.source_of("accessible"));
    line("no_color", on(r.no_color), r.source_of("no_color"));
    line(
        "glyphs",
        &format!("{} ({})", r.glyphs.name(), r.glyphs_reason),
        r.source_of("glyphs"),
    );
    let refresh = match r.refresh_secs {
        0 => "off".to_string(),
        s => format!("every {s} s"),
    };
    line("refresh", &refresh, r.source_of("refresh"));
    line("log_level", &r.log_level, r.source_of("log_level"));
    let map = |m: &std::collections::BTreeMap<String, String>| {
        if m.is_empty() {
            "(defaults)".to_string()
        } else {
            m.iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    line("keys", &map(&r.keys), r.source_of("keys"));
    line("theme", &map(&r.theme), r.source_of("theme"));
    out
}
