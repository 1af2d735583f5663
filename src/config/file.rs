//! The TOML config file (`config.toml`): its shape and parsing. No I/O here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ConfigError;
use crate::model::settings::{ClipboardMode, GlyphSet};

/// The whole file. Unknown keys are errors, so a typo does not silently do nothing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub default_profile: Option<String>,
    pub clipboard: Option<ClipboardMode>,
    pub clipboard_clear: Option<u64>,
    pub mouse: Option<bool>,
    pub mask_secret: Option<bool>,
    /// Issue 21: plain lines and prompts for screen readers instead of the full-screen tab.
    pub accessible: Option<bool>,
    pub no_color: Option<bool>,
    pub glyphs: Option<GlyphSet>,
    /// Seconds between quiet refreshes; 0 = off.
    pub refresh: Option<u64>,
    pub log_level: Option<String>,
    pub readonly: Option<bool>,
    pub data_dir: Option<PathBuf>,
    /// Set to false to ignore `~/.jfrog` unless a server id is asked for explicitly.
    pub use_jfrog_cli: Option<bool>,
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    #[serde(default)]
    pub theme: BTreeMap<String, String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// `[profiles.NAME]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    /// Name of an environment variable holding the token.
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    pub jfrog_server_id: Option<String>,
    /// Program and arguments, run without a shell; the first line of stdout is the token.
    pub token_command: Option<Vec<String>>,
    /// Seconds before the token command is stopped (default 60).
    pub token_command_timeout: Option<u64>,
    pub banner_color: Option<String>,
    pub readonly: Option<bool>,
    pub cacert: Option<PathBuf>,
    pub insecure: Option<bool>,
}

/// Where a profile's token comes from (at most one per profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileToken {
    Env(String),
    File(PathBuf),
    JfrogServer(String),
    Command(Vec<String>),
}

impl Profile {
    pub fn token_source(
        &self,
        name: &str,
        path: &Path,
    ) -> Result<Option<ProfileToken>, ConfigError> {
        let mut found = Vec::new();
        if let Some(v) = &self.token_env {
            found.push(("token_env", ProfileToken::Env(v.clone())));
        }
        if let Some(v) = &self.token_file {
            found.push(("token_file", ProfileToken::File(v.clone())));
        }
        if let Some(v) = &self.jfrog_server_id {
            found.push(("jfrog_server_id", ProfileToken::JfrogServer(v.clone())));
        }
        if let Some(v) = &self.token_command {
            if v.is_empty() || v[0].trim().is_empty() {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!(
                        "profile '{name}': token_command must name a program, e.g. [\"pass\", \"show\", \"jfrog/prod\"]"
                    ),
                });
            }
            found.push(("token_command", ProfileToken::Command(v.clone())));
        }
        if found.len() > 1 {
            let keys: Vec<&str> = found.iter().map(|(k, _)| *k).collect();
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "profile '{name}' sets {}; keep exactly one token source",
                    keys.join(" and ")
                ),
            });
        }
        Ok(found.pop().map(|(_, t)| t))
    }
}

/// Parses the file's text; `path` is only for messages.
pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    let cfg: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    for (name, p) in &cfg.profiles {
        p.token_source(name, path)?;
        if p.token_env.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!("profile '{name}': token_env must name a variable"),
            });
        }
    }
    if let Some(d) = &cfg.default_profile
        && !cfg.profiles.contains_key(d)
    {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("default_profile = \"{d}\" but there is no [profiles.{d}]"),
        });
    }
    Ok(cfg)
}
