//! Which server and which token: URL and token above the JFrog CLI layer, the JFrog CLI
//! server when something is still missing, and the embedded service when no URL is set.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::error::ConfigError;
use super::file::{FileConfig, Profile, ProfileToken};
use super::jfrog_cli::{self, JfrogServer};
use super::layers::{Sources, check_url, env_val, expand, first, normalize};
use super::token_source::{DEFAULT_COMMAND_TIMEOUT_SECS, TokenSource, TokenSourceKind};
use super::{Inputs, ServerChoice, Source};

/// A token candidate and the URL it belongs to, if it belongs to one.
struct TokenPick {
    source: TokenSource,
    bound_url: Option<String>,
}

/// The profile chosen by name, with the layer that named it.
pub(super) type ProfilePick<'a> = Option<(&'a str, &'a Profile)>;

/// The server choice for these inputs; records `url`, `token` or `data_dir` in `sources`.
pub(super) fn server_choice(
    inp: &Inputs,
    cfg: &FileConfig,
    profile: ProfilePick,
    ptoken: Option<&ProfileToken>,
    sources: &mut Sources,
) -> Result<ServerChoice, ConfigError> {
    let url_hi = url_above_jfrog(inp, profile)?;
    let tok_hi = token_above_jfrog(inp, profile, ptoken)?;
    // The JFrog CLI layer, only when something is still missing.
    let need_jf = url_hi.as_ref().is_none_or(|(u, _)| u != "embedded")
        && (url_hi.is_none() || tok_hi.is_none());
    let jf = if need_jf {
        jfrog_server(inp, cfg, profile, ptoken, url_hi.as_ref())?
    } else {
        None
    };
    let url_pick = match (url_hi, &jf) {
        (Some(u), _) => Some(u),
        (None, Some(s)) => Some((s.url.clone(), Source::JfrogCli(s.server_id.clone()))),
        (None, None) => None,
    };
    let token_pick = match (tok_hi, &jf) {
        (Some(t), _) => Some(t),
        (None, Some(s)) => Some(jfrog_token(s, profile, ptoken)),
        (None, None) => None,
    };
    let data_dir = first([
        inp.flags
            .server
            .data_dir
            .clone()
            .map(|d| (d, Source::Flag("--data-dir"))),
        cfg.data_dir
            .clone()
            .map(|d| (expand(&d, inp), Source::File)),
    ]);
    match url_pick {
        Some((url, _)) if url == "embedded" => Ok(embedded(data_dir, inp, sources)),
        None => match token_pick {
            Some(t) => Err(ConfigError::TokenWithoutUrl {
                what: format!("a token ({}, {})", t.source.kind, t.source.origin),
            }),
            None => Ok(embedded(data_dir, inp, sources)),
        },
        Some((url, url_from)) => remote(url, url_from, token_pick, sources),
    }
}

/// URL: --url > TOKENTAB_URL > the profile's url (above the JFrog CLI layer).
fn url_above_jfrog(
    inp: &Inputs,
    profile: ProfilePick,
) -> Result<Option<(String, Source)>, ConfigError> {
    let url_hi = first([
        inp.flags
            .server
            .url
            .clone()
            .map(|u| (u, Source::Flag("--url"))),
        env_val(&inp.env, "TOKENTAB_URL"),
        profile.and_then(|(name, p)| {
            p.url
                .clone()
                .map(|u| (u, Source::Profile(name.to_string())))
        }),
    ]);
    match url_hi {
        Some((u, s)) => Ok(Some((check_url(&u, &s)?, s))),
        None => Ok(None),
    }
}

/// The JFrog CLI server that fills what is missing, if any.
fn jfrog_server(
    inp: &Inputs,
    cfg: &FileConfig,
    profile: ProfilePick,
    ptoken: Option<&ProfileToken>,
    url_hi: Option<&(String, Source)>,
) -> Result<Option<JfrogServer>, ConfigError> {
    let env = &inp.env;
    // Server id: --server-id > JFROG_CLI_SERVER_ID > the profile's jfrog_server_id.
    let server_id = first([
        inp.flags
            .server
            .server_id
            .clone()
            .map(|s| (s, Source::Flag("--server-id"))),
        env_val(env, "JFROG_CLI_SERVER_ID"),
        match (ptoken, profile) {
            (Some(ProfileToken::JfrogServer(id)), Some((name, _))) => {
                Some((id.clone(), Source::Profile(name.to_string())))
            }
            _ => None,
        },
    ]);
    let use_jf = cfg.use_jfrog_cli.unwrap_or(true);
    // A server id from --server-id or a profile is binding; JFROG_CLI_SERVER_ID, like the
    // default server, only fills gaps (it is often set for the `jf` CLI's own sake).
    let strict = matches!(server_id, Some((_, Source::Flag(_) | Source::Profile(_))));
    let id_from = server_id
        .as_ref()
        .map(|(id, from)| (id.as_str(), from.to_string()));
    let id_arg = id_from.as_ref().map(|(id, from)| (*id, from.as_str()));
    if id_arg.is_none() && !use_jf {
        Ok(None)
    } else if strict || url_hi.is_none() {
        jfrog_cli::select(&inp.jfrog, env, id_arg)
    } else {
        // Only a fallback for a missing token, and only for the same URL; its problems do not
        // matter when it is not used.
        let want = url_hi.map(|(u, _)| u.as_str());
        Ok(jfrog_cli::select(&inp.jfrog, env, id_arg)
            .ok()
            .flatten()
            .filter(|s| Some(s.url.as_str()) == want))
    }
}

/// The JFrog CLI server's token. A profile that names that server owns the token (and may pin
/// the url).
fn jfrog_token(s: &JfrogServer, profile: ProfilePick, ptoken: Option<&ProfileToken>) -> TokenPick {
    let (origin, bound) = match profile {
        Some((name, p)) if matches!(ptoken, Some(ProfileToken::JfrogServer(_))) => (
            Source::Profile(name.to_string()),
            p.url.as_deref().map(normalize).or(Some(s.url.clone())),
        ),
        _ => (Source::JfrogCli(s.server_id.clone()), Some(s.url.clone())),
    };
    TokenPick {
        source: TokenSource::with_value(
            TokenSourceKind::JfrogCli {
                server_id: s.server_id.clone(),
            },
            origin,
            s.access_token.clone(),
        ),
        bound_url: bound,
    }
}

/// A remote server: a token from a lower layer than the URL must belong to that URL.
fn remote(
    url: String,
    url_from: Source,
    token_pick: Option<TokenPick>,
    sources: &mut Sources,
) -> Result<ServerChoice, ConfigError> {
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
    Ok(ServerChoice::Remote { url, token })
}

/// Token: --token-file > TOKENTAB_TOKEN / TOKENTAB_TOKEN_FILE > the profile's token (above the
/// JFrog CLI layer).
fn token_above_jfrog(
    inp: &Inputs,
    profile: ProfilePick,
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
    sources: &mut Sources,
) -> ServerChoice {
    let (dir, from) = data_dir.unwrap_or((inp.default_data_dir.clone(), Source::Default));
    sources.insert("url", from.clone());
    sources.insert("data_dir", from);
    ServerChoice::Embedded { data_dir: dir }
}
