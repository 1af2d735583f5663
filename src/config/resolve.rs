//! The pure resolution: [`Inputs`] in, [`Resolved`] out. No I/O.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use secrecy::SecretString;

use super::error::ConfigError;
use super::file::{self, FileConfig, Profile, ProfileToken};
use super::jfrog_cli::{self, JfrogServer};
use super::token_source::{DEFAULT_COMMAND_TIMEOUT_SECS, TokenSource, TokenSourceKind};
use super::{
    DEFAULT_CLIPBOARD_CLEAR_SECS, DEFAULT_LOG_LEVEL, Env, Inputs, Resolved, ServerChoice, Source,
};
use crate::secret::clipboard::ClipboardMode;
use crate::tui::glyphs::{self, GlyphSet};

/// The quiet refresh, when nothing sets `--refresh` / `refresh`.
const DEFAULT_REFRESH_SECS: u64 = 60;

/// A token candidate and the URL it belongs to, if it belongs to one.
struct TokenPick {
    source: TokenSource,
    bound_url: Option<String>,
}

pub fn resolve(inp: &Inputs) -> Result<Resolved, ConfigError> {
    let cfg = match &inp.config_text {
        Some(text) => file::parse(text, &inp.config_path)?,
        None => FileConfig::default(),
    };
    let env = &inp.env;
    let flags = &inp.flags;
    let mut sources: BTreeMap<&'static str, Source> = BTreeMap::new();

    // Profile: --profile > TOKENTAB_PROFILE > default_profile.
    let profile_pick = first([
        flags
            .server
            .profile
            .clone()
            .map(|p| (p, Source::Flag("--profile"))),
        env_val(env, "TOKENTAB_PROFILE"),
        cfg.default_profile.clone().map(|p| (p, Source::File)),
    ]);
    let profile: Option<(&str, &Profile)> = match &profile_pick {
        Some((name, from)) => {
            let p = cfg
                .profiles
                .get(name)
                .ok_or_else(|| ConfigError::UnknownProfile {
                    name: name.clone(),
                    from: from.to_string(),
                    known: known_profiles(&cfg),
                })?;
            sources.insert("profile", from.clone());
            Some((name.as_str(), p))
        }
        None => None,
    };
    let psrc = |name: &str| Source::Profile(name.to_string());
    let ptoken = match profile {
        Some((name, p)) => p.token_source(name, &inp.config_path)?,
        None => None,
    };

    // JFrog CLI server id: --server-id > JFROG_CLI_SERVER_ID > the profile's jfrog_server_id.
    let server_id = first([
        flags
            .server
            .server_id
            .clone()
            .map(|s| (s, Source::Flag("--server-id"))),
        env_val(env, "JFROG_CLI_SERVER_ID"),
        match (&ptoken, profile) {
            (Some(ProfileToken::JfrogServer(id)), Some((name, _))) => {
                Some((id.clone(), psrc(name)))
            }
            _ => None,
        },
    ]);

    // URL above the JFrog CLI layer.
    let url_hi = first([
        flags.server.url.clone().map(|u| (u, Source::Flag("--url"))),
        env_val(env, "TOKENTAB_URL"),
        profile.and_then(|(name, p)| p.url.clone().map(|u| (u, psrc(name)))),
    ]);
    let url_hi = match url_hi {
        Some((u, s)) => Some((check_url(&u, &s)?, s)),
        None => None,
    };

    // Token above the JFrog CLI layer.
    let tok_hi = token_above_jfrog(inp, profile, ptoken.as_ref())?;

    // The JFrog CLI layer, only when something is still missing.
    let use_jf = cfg.use_jfrog_cli.unwrap_or(true);
    let need_jf = url_hi.as_ref().is_none_or(|(u, _)| u != "embedded")
        && (url_hi.is_none() || tok_hi.is_none());
    // A server id from --server-id or a profile is binding; JFROG_CLI_SERVER_ID, like the
    // default server, only fills gaps (it is often set for the `jf` CLI's own sake).
    let strict = matches!(server_id, Some((_, Source::Flag(_) | Source::Profile(_))));
    let id_from = server_id
        .as_ref()
        .map(|(id, from)| (id.as_str(), from.to_string()));
    let id_arg = id_from.as_ref().map(|(id, from)| (*id, from.as_str()));
    let jf: Option<JfrogServer> = if !need_jf || (id_arg.is_none() && !use_jf) {
        None
    } else if strict || url_hi.is_none() {
        jfrog_cli::select(&inp.jfrog, env, id_arg)?
    } else {
        // Only a fallback for a missing token, and only for the same URL; its problems do not
        // matter when it is not used.
        let want = url_hi.as_ref().map(|(u, _)| u.as_str());
        jfrog_cli::select(&inp.jfrog, env, id_arg)
            .ok()
            .flatten()
            .filter(|s| Some(s.url.as_str()) == want)
    };

    let profile_jf_token = matches!(ptoken, Some(ProfileToken::JfrogServer(_)));
    let url_pick = match (url_hi, &jf) {
        (Some(u), _) => Some(u),
        (None, Some(s)) => Some((s.url.clone(), Source::JfrogCli(s.server_id.clone()))),
        (None, None) => None,
    };

    let token_pick = match (tok_hi, &jf) {
        (Some(t), _) => Some(t),
        (None, Some(s)) => {
            // A profile that names a JFrog CLI server owns that token (and may pin the url).
            let (origin, bound) = match profile {
                Some((name, p)) if profile_jf_token => (
                    psrc(name),
                    p.url.as_deref().map(normalize).or(Some(s.url.clone())),
                ),
                _ => (Source::JfrogCli(s.server_id.clone()), Some(s.url.clone())),
            };
            Some(TokenPick {
                source: TokenSource::with_value(
                    TokenSourceKind::JfrogCli {
                        server_id: s.server_id.clone(),
                    },
                    origin,
                    s.access_token.clone(),
                ),
                bound_url: bound,
            })
        }
        (None, None) => None,
    };

    let data_dir = first([
        flags
            .server
            .data_dir
            .clone()
            .map(|d| (d, Source::Flag("--data-dir"))),
        cfg.data_dir
            .clone()
            .map(|d| (expand(&d, inp), Source::File)),
    ]);
    let server = match url_pick {
        Some((url, _)) if url == "embedded" => embedded(data_dir, inp, &mut sources),
        None => {
            if let Some(t) = token_pick {
                return Err(ConfigError::TokenWithoutUrl {
                    what: format!("a token ({}, {})", t.source.kind, t.source.origin),
                });
            }
            embedded(data_dir, inp, &mut sources)
        }
        Some((url, url_from)) => {
            let token = match token_pick {
                Some(t) => {
                    if t.source.origin.rank() < url_from.rank()
                        && let Some(bound) = &t.bound_url
                        && *bound != url
                    {
                        return Err(ConfigError::TokenUrlMismatch {
                            token_from: format!("{} ({})", t.source.kind, t.source.origin),
                            bound_url: bound.clone(),
                            url,
                            url_from: url_from.to_string(),
                        });
                    }
                    t.source
                }
                None => TokenSource::deferred(TokenSourceKind::Prompt, Source::Default),
            };
            sources.insert("url", url_from);
            sources.insert("token", token.origin.clone());
            ServerChoice::Remote { url, token }
        }
    };

    let pget = |f: fn(&Profile) -> Option<bool>| {
        profile.and_then(|(name, p)| f(p).map(|v| (v, psrc(name))))
    };

    let readonly = pick(
        &mut sources,
        "readonly",
        [
            flags
                .server
                .readonly
                .then_some((true, Source::Flag("--readonly"))),
            env_bool(env, "TOKENTAB_READONLY")?,
            pget(|p| p.readonly),
            cfg.readonly.map(|v| (v, Source::File)),
        ],
        false,
    );
    let clipboard = pick(
        &mut sources,
        "clipboard",
        [
            flags
                .tui
                .clipboard
                .map(|m| (m, Source::Flag("--clipboard"))),
            env_clipboard(env)?,
            cfg.clipboard.map(|m| (m, Source::File)),
        ],
        ClipboardMode::Auto,
    );
    let clipboard_clear_secs = pick(
        &mut sources,
        "clipboard_clear",
        [
            flags
                .tui
                .clipboard_clear
                .map(|s| (s, Source::Flag("--clipboard-clear"))),
            env_u64(env, "TOKENTAB_CLIPBOARD_CLEAR")?,
            cfg.clipboard_clear.map(|s| (s, Source::File)),
        ],
        DEFAULT_CLIPBOARD_CLEAR_SECS,
    );
    let mouse = pick(
        &mut sources,
        "mouse",
        [
            flags
                .tui
                .no_mouse
                .then_some((false, Source::Flag("--no-mouse"))),
            cfg.mouse.map(|m| (m, Source::File)),
        ],
        true,
    );
    let mask_secret = pick(
        &mut sources,
        "mask_secret",
        [
            flags
                .tui
                .mask_secret
                .then_some((true, Source::Flag("--mask-secret"))),
            env_bool(env, "TOKENTAB_MASK_SECRET")?,
            cfg.mask_secret.map(|m| (m, Source::File)),
        ],
        false,
    );
    let no_color = pick(
        &mut sources,
        "no_color",
        [
            flags
                .tui
                .no_color
                .then_some((true, Source::Flag("--no-color"))),
            // no-color.org: any non-empty value.
            env.get("NO_COLOR")
                .map(|_| (true, Source::Env("NO_COLOR".into()))),
            cfg.no_color.map(|m| (m, Source::File)),
        ],
        false,
    );
    let glyph_choice = first([
        flags.tui.glyphs.map(|g| (g, Source::Flag("--glyphs"))),
        env_glyphs(env)?,
        cfg.glyphs.map(|g| (g, Source::File)),
    ]);
    let (glyphs, glyphs_reason) = match glyph_choice {
        Some((g, from)) => {
            sources.insert("glyphs", from.clone());
            (g, "as asked".to_string())
        }
        None => {
            sources.insert("glyphs", Source::Default);
            glyphs::detect(&glyphs::Terminal {
                lc_all: env.get("LC_ALL"),
                lc_ctype: env.get("LC_CTYPE"),
                lang: env.get("LANG"),
                term: env.get("TERM"),
            })
        }
    };
    let refresh_secs = pick(
        &mut sources,
        "refresh",
        [
            flags.tui.refresh.map(|s| (s, Source::Flag("--refresh"))),
            cfg.refresh.map(|s| (s, Source::File)),
        ],
        DEFAULT_REFRESH_SECS,
    );
    let log_level = pick(
        &mut sources,
        "log_level",
        [
            flags
                .log_level
                .clone()
                .map(|l| (l, Source::Flag("--log-level"))),
            env_val(env, "TOKENTAB_LOG"),
            cfg.log_level.clone().map(|l| (l, Source::File)),
        ],
        DEFAULT_LOG_LEVEL.to_string(),
    );
    let cacert = first([
        flags
            .server
            .cacert
            .clone()
            .map(|c| (c, Source::Flag("--cacert"))),
        profile.and_then(|(name, p)| p.cacert.as_ref().map(|c| (expand(c, inp), psrc(name)))),
    ]);
    if let Some((_, s)) = &cacert {
        sources.insert("cacert", s.clone());
    }
    let insecure = pick(
        &mut sources,
        "insecure",
        [
            flags
                .server
                .insecure
                .then_some((true, Source::Flag("--insecure"))),
            pget(|p| p.insecure),
        ],
        false,
    );
    let banner_color = profile.and_then(|(name, p)| {
        p.banner_color.clone().inspect(|_| {
            sources.insert("banner_color", psrc(name));
        })
    });
    if !cfg.keys.is_empty() {
        sources.insert("keys", Source::File);
    }
    if !cfg.theme.is_empty() {
        sources.insert("theme", Source::File);
    }
    if let Some(s) = &inp.config_path_source {
        sources.insert("config_path", s.clone());
    }

    Ok(Resolved {
        server,
        profile: profile.map(|(n, _)| n.to_string()),
        banner_color,
        readonly,
        clipboard,
        clipboard_clear_secs,
        mouse,
        mask_secret,
        no_color,
        glyphs,
        glyphs_reason,
        refresh_secs,
        log_level,
        cacert: cacert.map(|(c, _)| c),
        insecure,
        keys: cfg.keys,
        theme: cfg.theme,
        sources,
        config_path: inp.config_path.clone(),
        config_loaded: inp.config_text.is_some(),
        jfrog_cli_config: inp.jfrog.config.as_ref().map(|(p, _)| p.clone()),
    })
}

fn token_above_jfrog(
    inp: &Inputs,
    profile: Option<(&str, &Profile)>,
    ptoken: Option<&ProfileToken>,
) -> Result<Option<TokenPick>, ConfigError> {
    let env = &inp.env;
    if let Some(path) = &inp.flags.server.token_file {
        return Ok(Some(TokenPick {
            source: TokenSource::deferred(
                TokenSourceKind::File { path: path.clone() },
                Source::Flag("--token-file"),
            ),
            bound_url: None,
        }));
    }
    match (env.get("TOKENTAB_TOKEN"), env.get("TOKENTAB_TOKEN_FILE")) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Conflict(
                "both TOKENTAB_TOKEN and TOKENTAB_TOKEN_FILE are set; unset one of them".into(),
            ));
        }
        (Some(v), None) => {
            return Ok(Some(TokenPick {
                source: TokenSource::with_value(
                    TokenSourceKind::Env {
                        var: "TOKENTAB_TOKEN".into(),
                    },
                    Source::Env("TOKENTAB_TOKEN".into()),
                    SecretString::from(v.to_string()),
                ),
                bound_url: None,
            }));
        }
        (None, Some(f)) => {
            return Ok(Some(TokenPick {
                source: TokenSource::deferred(
                    TokenSourceKind::File {
                        path: expand(Path::new(f), inp),
                    },
                    Source::Env("TOKENTAB_TOKEN_FILE".into()),
                ),
                bound_url: None,
            }));
        }
        (None, None) => {}
    }
    let (Some((name, p)), Some(t)) = (profile, ptoken) else {
        return Ok(None);
    };
    let origin = Source::Profile(name.to_string());
    let bound_url = p.url.as_deref().map(normalize);
    let source = match t {
        ProfileToken::Env(var) => match env.get(var) {
            Some(v) => TokenSource::with_value(
                TokenSourceKind::Env { var: var.clone() },
                origin,
                SecretString::from(v.to_string()),
            ),
            None => {
                return Err(ConfigError::Conflict(format!(
                    "profile '{name}' reads its token from ${var}, which is not set"
                )));
            }
        },
        ProfileToken::File(path) => TokenSource::deferred(
            TokenSourceKind::File {
                path: expand(path, inp),
            },
            origin,
        ),
        ProfileToken::Command(argv) => TokenSource::deferred(
            TokenSourceKind::Command {
                argv: argv.clone(),
                timeout_secs: p
                    .token_command_timeout
                    .unwrap_or(DEFAULT_COMMAND_TIMEOUT_SECS),
            },
            origin,
        ),
        // Resolved with the JFrog CLI layer.
        ProfileToken::JfrogServer(_) => return Ok(None),
    };
    Ok(Some(TokenPick { source, bound_url }))
}

fn embedded(
    data_dir: Option<(PathBuf, Source)>,
    inp: &Inputs,
    sources: &mut BTreeMap<&'static str, Source>,
) -> ServerChoice {
    let (dir, from) = data_dir.unwrap_or((inp.default_data_dir.clone(), Source::Default));
    sources.insert("url", from.clone());
    sources.insert("data_dir", from);
    ServerChoice::Embedded { data_dir: dir }
}

fn first<T, const N: usize>(cands: [Option<(T, Source)>; N]) -> Option<(T, Source)> {
    cands.into_iter().flatten().next()
}

fn pick<T, const N: usize>(
    sources: &mut BTreeMap<&'static str, Source>,
    name: &'static str,
    cands: [Option<(T, Source)>; N],
    default: T,
) -> T {
    let (v, s) = first(cands).unwrap_or((default, Source::Default));
    sources.insert(name, s);
    v
}

fn env_val(env: &Env, var: &str) -> Option<(String, Source)> {
    env.get(var)
        .map(|v| (v.to_string(), Source::Env(var.to_string())))
}

fn env_bool(env: &Env, var: &str) -> Result<Option<(bool, Source)>, ConfigError> {
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let b = match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => true,
        "0" | "false" | "no" | "off" => false,
        _ => {
            return Err(ConfigError::BadValue {
                name: var.into(),
                value: v.into(),
                expected: "use true or false (1/0, yes/no, on/off)".into(),
            });
        }
    };
    Ok(Some((b, Source::Env(var.into()))))
}

fn env_u64(env: &Env, var: &str) -> Result<Option<(u64, Source)>, ConfigError> {
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let n = v.trim().parse().map_err(|_| ConfigError::BadValue {
        name: var.into(),
        value: v.into(),
        expected: "a whole number of seconds".into(),
    })?;
    Ok(Some((n, Source::Env(var.into()))))
}

fn env_clipboard(env: &Env) -> Result<Option<(ClipboardMode, Source)>, ConfigError> {
    let var = "TOKENTAB_CLIPBOARD";
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let m = ClipboardMode::from_str(v.trim(), true).map_err(|_| ConfigError::BadValue {
        name: var.into(),
        value: v.into(),
        expected: "one of auto, native, tmux, osc52, off".into(),
    })?;
    Ok(Some((m, Source::Env(var.into()))))
}

fn env_glyphs(env: &Env) -> Result<Option<(GlyphSet, Source)>, ConfigError> {
    let var = "TOKENTAB_GLYPHS";
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let g = GlyphSet::parse(v).ok_or_else(|| ConfigError::BadValue {
        name: var.into(),
        value: v.into(),
        expected: "one of unicode, vt, ascii".into(),
    })?;
    Ok(Some((g, Source::Env(var.into()))))
}

fn normalize(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// `embedded`, or an http(s) URL without the trailing slash.
fn check_url(url: &str, from: &Source) -> Result<String, ConfigError> {
    let u = normalize(url);
    if u.eq_ignore_ascii_case("embedded") {
        return Ok("embedded".into());
    }
    let lower = u.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !u.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(u)
        }
        _ => Err(ConfigError::BadValue {
            name: format!("the URL (from {from})"),
            value: url.into(),
            expected: "use http://HOST[:PORT] or https://HOST, or `embedded`".into(),
        }),
    }
}

fn expand(p: &Path, inp: &Inputs) -> PathBuf {
    match (p.strip_prefix("~"), &inp.home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

fn known_profiles(cfg: &FileConfig) -> String {
    if cfg.profiles.is_empty() {
        return "(none: add [profiles.NAME] to the config file)".into();
    }
    cfg.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
}
