//! The pure resolution: [`Inputs`] in, [`Resolved`] out. No I/O. Each setting is picked by its
//! own function from the layers flag > env > profile > file > default.

use std::path::PathBuf;

use super::error::ConfigError;
use super::file::{self, FileConfig, Profile};
use super::glyph_detect::{self, Terminal};
use super::layers::{Sources, env_bool, env_setting, env_u64, env_val, expand, first, pick};
use super::server_choice::{ProfilePick, server_choice};
use super::{DEFAULT_CLIPBOARD_CLEAR_SECS, DEFAULT_LOG_LEVEL, Inputs, Resolved, Source};
use crate::model::settings::{ClipboardMode, GlyphSet};

/// The quiet refresh, when nothing sets `--refresh` / `refresh`.
const DEFAULT_REFRESH_SECS: u64 = 60;

pub fn resolve(inp: &Inputs) -> Result<Resolved, ConfigError> {
    resolve_as(inp, ProfileChoice::Configured)
}

/// Which profile resolution starts from: the configured one (flag > env > `default_profile`),
/// one chosen by name (switching inside the tab), or none (a JFrog CLI server, the embedded one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileChoice<'a> {
    Configured,
    Named(&'a str),
    NoProfile,
}

pub fn resolve_as(inp: &Inputs, choice: ProfileChoice) -> Result<Resolved, ConfigError> {
    let cfg = match &inp.config_text {
        Some(text) => file::parse(text, &inp.config_path)?,
        None => FileConfig::default(),
    };
    let mut sources = Sources::new();
    let profile = profile(inp, &cfg, choice, &mut sources)?;
    let ptoken = match profile {
        Some((name, p)) => p.token_source(name, &inp.config_path)?,
        None => None,
    };
    let server = server_choice(inp, &cfg, profile, ptoken.as_ref(), &mut sources)?;
    let readonly = readonly(inp, &cfg, profile, &mut sources)?;
    let tui = tui_settings(inp, &cfg, &mut sources)?;
    let log_level = log_level(inp, &cfg, &mut sources);
    let (cacert, insecure) = tls(inp, profile, &mut sources);
    let banner_color = banner_color(profile, &mut sources);
    note_file_sections(inp, &cfg, &mut sources);

    Ok(Resolved {
        server,
        profile: profile.map(|(n, _)| n.to_string()),
        banner_color,
        readonly,
        clipboard: tui.clipboard,
        clipboard_clear_secs: tui.clipboard_clear_secs,
        mouse: tui.mouse,
        mask_secret: tui.mask_secret,
        accessible: tui.accessible,
        no_color: tui.no_color,
        glyphs: tui.glyphs,
        glyphs_reason: tui.glyphs_reason,
        refresh_secs: tui.refresh_secs,
        log_level,
        cacert,
        insecure,
        keys: cfg.keys,
        theme: cfg.theme,
        sources,
        config_path: inp.config_path.clone(),
        config_loaded: inp.config_text.is_some(),
        jfrog_cli_config: inp.jfrog.config.as_ref().map(|(p, _)| p.clone()),
    })
}

/// Profile: --profile > TOKENTAB_PROFILE > default_profile; a name that is not in the file is
/// an error that lists the known ones.
fn profile<'a>(
    inp: &Inputs,
    cfg: &'a FileConfig,
    choice: ProfileChoice,
    sources: &mut Sources,
) -> Result<ProfilePick<'a>, ConfigError> {
    let chosen = match choice {
        ProfileChoice::Configured => None,
        ProfileChoice::Named(n) => Some((n.to_string(), Source::Flag("--profile"))),
        ProfileChoice::NoProfile => return Ok(None),
    };
    let pick = chosen.or_else(|| {
        first([
            inp.flags
                .server
                .profile
                .clone()
                .map(|p| (p, Source::Flag("--profile"))),
            env_val(&inp.env, "TOKENTAB_PROFILE"),
            cfg.default_profile.clone().map(|p| (p, Source::File)),
        ])
    });
    let Some((name, from)) = pick else {
        return Ok(None);
    };
    let (name, p) =
        cfg.profiles
            .get_key_value(&name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.clone(),
                from: from.to_string(),
                known: known_profiles(cfg),
            })?;
    sources.insert("profile", from);
    Ok(Some((name.as_str(), p)))
}

/// A profile's own value of a setting, marked as coming from that profile.
fn from_profile<T>(profile: ProfilePick, f: fn(&Profile) -> Option<T>) -> Option<(T, Source)> {
    profile.and_then(|(name, p)| f(p).map(|v| (v, Source::Profile(name.to_string()))))
}

fn readonly(
    inp: &Inputs,
    cfg: &FileConfig,
    profile: ProfilePick,
    sources: &mut Sources,
) -> Result<bool, ConfigError> {
    Ok(pick(
        sources,
        "readonly",
        [
            inp.flags
                .server
                .readonly
                .then_some((true, Source::Flag("--readonly"))),
            env_bool(&inp.env, "TOKENTAB_READONLY")?,
            from_profile(profile, |p| p.readonly),
            cfg.readonly.map(|v| (v, Source::File)),
        ],
        false,
    ))
}

/// The tab's own settings.
struct TuiSettings {
    clipboard: ClipboardMode,
    clipboard_clear_secs: u64,
    mouse: bool,
    mask_secret: bool,
    accessible: bool,
    no_color: bool,
    glyphs: GlyphSet,
    glyphs_reason: String,
    refresh_secs: u64,
}

fn tui_settings(
    inp: &Inputs,
    cfg: &FileConfig,
    sources: &mut Sources,
) -> Result<TuiSettings, ConfigError> {
    let (env, flags) = (&inp.env, &inp.flags.tui);
    let clipboard = pick(
        sources,
        "clipboard",
        [
            flags.clipboard.map(|m| (m, Source::Flag("--clipboard"))),
            env_setting(env, "TOKENTAB_CLIPBOARD")?,
            cfg.clipboard.map(|m| (m, Source::File)),
        ],
        ClipboardMode::Auto,
    );
    let clipboard_clear_secs = pick(
        sources,
        "clipboard_clear",
        [
            flags
                .clipboard_clear
                .map(|s| (s, Source::Flag("--clipboard-clear"))),
            env_u64(env, "TOKENTAB_CLIPBOARD_CLEAR")?,
            cfg.clipboard_clear.map(|s| (s, Source::File)),
        ],
        DEFAULT_CLIPBOARD_CLEAR_SECS,
    );
    let mouse = pick(
        sources,
        "mouse",
        [
            flags
                .no_mouse
                .then_some((false, Source::Flag("--no-mouse"))),
            cfg.mouse.map(|m| (m, Source::File)),
        ],
        true,
    );
    let mask_secret = pick(
        sources,
        "mask_secret",
        [
            flags
                .mask_secret
                .then_some((true, Source::Flag("--mask-secret"))),
            env_bool(env, "TOKENTAB_MASK_SECRET")?,
            cfg.mask_secret.map(|m| (m, Source::File)),
        ],
        false,
    );
    // Issue 21: --accessible > TOKENTAB_ACCESSIBLE > config `accessible`.
    let accessible = pick(
        sources,
        "accessible",
        [
            flags
                .accessible
                .then_some((true, Source::Flag("--accessible"))),
            env_bool(env, "TOKENTAB_ACCESSIBLE")?,
            cfg.accessible.map(|m| (m, Source::File)),
        ],
        false,
    );
    let no_color = pick(
        sources,
        "no_color",
        [
            flags.no_color.then_some((true, Source::Flag("--no-color"))),
            // no-color.org: any non-empty value.
            env.get("NO_COLOR")
                .map(|_| (true, Source::Env("NO_COLOR".into()))),
            cfg.no_color.map(|m| (m, Source::File)),
        ],
        false,
    );
    let (glyphs, glyphs_reason) = glyph_set(inp, cfg, sources)?;
    let refresh_secs = pick(
        sources,
        "refresh",
        [
            flags.refresh.map(|s| (s, Source::Flag("--refresh"))),
            cfg.refresh.map(|s| (s, Source::File)),
        ],
        DEFAULT_REFRESH_SECS,
    );
    Ok(TuiSettings {
        clipboard,
        clipboard_clear_secs,
        mouse,
        mask_secret,
        accessible,
        no_color,
        glyphs,
        glyphs_reason,
        refresh_secs,
    })
}

/// Glyphs: --glyphs > TOKENTAB_GLYPHS > file, else detected from the locale and TERM.
fn glyph_set(
    inp: &Inputs,
    cfg: &FileConfig,
    sources: &mut Sources,
) -> Result<(GlyphSet, String), ConfigError> {
    let env = &inp.env;
    let chosen = first([
        inp.flags.tui.glyphs.map(|g| (g, Source::Flag("--glyphs"))),
        env_setting(env, "TOKENTAB_GLYPHS")?,
        cfg.glyphs.map(|g| (g, Source::File)),
    ]);
    Ok(match chosen {
        Some((g, from)) => {
            sources.insert("glyphs", from);
            (g, "as asked".to_string())
        }
        None => {
            sources.insert("glyphs", Source::Default);
            glyph_detect::detect(&Terminal {
                lc_all: env.get("LC_ALL"),
                lc_ctype: env.get("LC_CTYPE"),
                lang: env.get("LANG"),
                term: env.get("TERM"),
            })
        }
    })
}

fn log_level(inp: &Inputs, cfg: &FileConfig, sources: &mut Sources) -> String {
    pick(
        sources,
        "log_level",
        [
            inp.flags
                .log_level
                .clone()
                .map(|l| (l, Source::Flag("--log-level"))),
            env_val(&inp.env, "TOKENTAB_LOG"),
            cfg.log_level.clone().map(|l| (l, Source::File)),
        ],
        DEFAULT_LOG_LEVEL.to_string(),
    )
}

/// TLS: an extra CA (flag or profile; recorded only when set) and `insecure`.
fn tls(inp: &Inputs, profile: ProfilePick, sources: &mut Sources) -> (Option<PathBuf>, bool) {
    let flags = &inp.flags.server;
    let cacert = first([
        flags.cacert.clone().map(|c| (c, Source::Flag("--cacert"))),
        profile.and_then(|(name, p)| {
            p.cacert
                .as_ref()
                .map(|c| (expand(c, inp), Source::Profile(name.to_string())))
        }),
    ]);
    if let Some((_, s)) = &cacert {
        sources.insert("cacert", s.clone());
    }
    let insecure = pick(
        sources,
        "insecure",
        [
            flags.insecure.then_some((true, Source::Flag("--insecure"))),
            from_profile(profile, |p| p.insecure),
        ],
        false,
    );
    (cacert.map(|(c, _)| c), insecure)
}

/// The profile's banner colour (the header's background), recorded only when set.
fn banner_color(profile: ProfilePick, sources: &mut Sources) -> Option<String> {
    let (color, from) = from_profile(profile, |p| p.banner_color.clone())?;
    sources.insert("banner_color", from);
    Some(color)
}

/// `[keys]`, `[theme]` and the config path are shown with their origin when present.
fn note_file_sections(inp: &Inputs, cfg: &FileConfig, sources: &mut Sources) {
    if !cfg.keys.is_empty() {
        sources.insert("keys", Source::File);
    }
    if !cfg.theme.is_empty() {
        sources.insert("theme", Source::File);
    }
    if let Some(s) = &inp.config_path_source {
        sources.insert("config_path", s.clone());
    }
}

fn known_profiles(cfg: &FileConfig) -> String {
    if cfg.profiles.is_empty() {
        return "(none: add [profiles.NAME] to the config file)".into();
    }
    cfg.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
}
