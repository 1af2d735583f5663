//! The JFrog CLI config (`~/.jfrog/jfrog-cli.conf.v6` and its legacy names): reading the files,
//! picking a server, decrypting its access token (AES-256-GCM, as jfrog-cli-core does).

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::Env;
use super::error::ConfigError;

/// Newest first, as the JFrog CLI looks for them.
pub const FILE_NAMES: [&str; 4] = [
    "jfrog-cli.conf.v6",
    "jfrog-cli.conf.v5",
    "jfrog-cli.conf.v4",
    "jfrog-cli.conf",
];

const NONCE_LEN: usize = 12;

/// What the loader found on disk (the pure resolution works on this).
#[derive(Default, Clone)]
pub struct JfrogCliFiles {
    /// `$JFROG_CLI_HOME_DIR` or `~/.jfrog`.
    pub home: PathBuf,
    /// The first config file that exists, and its text.
    pub config: Option<(PathBuf, String)>,
    /// `<home>/security/security.yaml`, if present.
    pub security_yaml: Option<String>,
    /// Contents of the file named by `JFROG_CLI_ENCRYPTION_KEY` when that ends in `.key`.
    pub key_file: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for JfrogCliFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JfrogCliFiles")
            .field("home", &self.home)
            .field("config", &self.config.as_ref().map(|(p, _)| p))
            .finish_non_exhaustive()
    }
}

/// The JFrog CLI home for this environment.
pub fn home_dir(env: &Env, home: Option<&Path>) -> Option<PathBuf> {
    match env.get("JFROG_CLI_HOME_DIR") {
        Some(h) if !h.is_empty() => Some(PathBuf::from(h)),
        _ => home.map(|h| h.join(".jfrog")),
    }
}

fn read_opt(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

impl JfrogCliFiles {
    /// Reads what exists under the JFrog CLI home. Missing files are not errors.
    pub fn read(env: &Env, home: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(home) = home_dir(env, home) else {
            return Ok(Self::default());
        };
        let mut config = None;
        for name in FILE_NAMES {
            let path = home.join(name);
            if let Some(text) = read_opt(&path)? {
                config = Some((path, text));
                break;
            }
        }
        let security_yaml = read_opt(&home.join("security").join("security.yaml"))?;
        let key_file = match env.get("JFROG_CLI_ENCRYPTION_KEY") {
            Some(k) if k.ends_with(".key") => {
                let path = PathBuf::from(k);
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| ConfigError::Read { path, source })?;
                Some(Zeroizing::new(text))
            }
            _ => None,
        };
        Ok(JfrogCliFiles {
            home,
            config,
            security_yaml,
            key_file,
        })
    }

    pub fn security_yaml_path(&self) -> PathBuf {
        self.home.join("security").join("security.yaml")
    }
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    servers: Vec<RawServer>,
    #[serde(default)]
    enc: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawServer {
    #[serde(default)]
    url: String,
    #[serde(default)]
    server_id: String,
    #[serde(default)]
    is_default: bool,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: Option<SecretString>,
    #[serde(default)]
    access_token: Option<SecretString>,
}

/// One server, ready to use.
pub struct JfrogServer {
    pub server_id: String,
    /// Without the trailing slash.
    pub url: String,
    pub access_token: SecretString,
}

impl std::fmt::Debug for JfrogServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JfrogServer")
            .field("server_id", &self.server_id)
            .field("url", &self.url)
            .field("access_token", &"[REDACTED]")
            .finish()
    }
}

/// Picks `server_id` (or the default server) from the config and returns its url and token.
/// `Ok(None)`: no config file, or one with no servers, and no server id was asked for.
pub fn select(
    files: &JfrogCliFiles,
    env: &Env,
    server_id: Option<(&str, &str)>,
) -> Result<Option<JfrogServer>, ConfigError> {
    let Some((path, text)) = &files.config else {
        return match server_id {
            Some((id, from)) => Err(ConfigError::JfrogNoConfig {
                id: id.to_string(),
                from: from.to_string(),
                home: files.home.clone(),
            }),
            None => Ok(None),
        };
    };
    let raw: RawConfig = serde_json::from_str(text).map_err(|e| ConfigError::JfrogParse {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if raw.servers.is_empty() && server_id.is_none() {
        return Ok(None);
    }
    let server = match server_id {
        Some((id, _)) => raw
            .servers
            .iter()
            .find(|s| s.server_id == id)
            .ok_or_else(|| ConfigError::JfrogUnknownServer {
                path: path.clone(),
                id: id.to_string(),
                known: known_ids(&raw.servers),
            })?,
        None => raw
            .servers
            .iter()
            .find(|s| s.is_default)
            .ok_or_else(|| ConfigError::JfrogNoDefault { path: path.clone() })?,
    };
    let id = server.server_id.clone();
    let url = server.url.trim().trim_end_matches('/').to_string();
    if url.is_empty() {
        return Err(ConfigError::JfrogNoUrl {
            id,
            path: path.clone(),
        });
    }
    let Some(stored) = server
        .access_token
        .as_ref()
        .map(|t| t.expose_secret())
        .filter(|t| !t.trim().is_empty())
    else {
        let detail = if server
            .password
            .as_ref()
            .is_some_and(|p| !p.expose_secret().is_empty())
        {
            format!(" (only user '{}' and a password)", server.user)
        } else {
            String::new()
        };
        return Err(ConfigError::JfrogNoAccessToken { id, detail });
    };
    let token = if raw.enc {
        let (key, from) = encryption_key(files, env, path)?;
        decrypt(stored, &key).ok_or_else(|| ConfigError::JfrogDecrypt {
            field: "accessToken".into(),
            id: id.clone(),
            from,
        })?
    } else {
        Zeroizing::new(stored.trim().to_string())
    };
    Ok(Some(JfrogServer {
        server_id: id,
        url,
        access_token: SecretString::from(token.trim().to_string()),
    }))
}

/// The server ids of the JFrog CLI config, in its order (none when there is no readable file).
pub fn server_ids(files: &JfrogCliFiles) -> Vec<String> {
    let Some((_, text)) = &files.config else {
        return Vec::new();
    };
    serde_json::from_str::<RawConfig>(text)
        .map(|raw| raw.servers.into_iter().map(|s| s.server_id).collect())
        .unwrap_or_default()
}

fn known_ids(servers: &[RawServer]) -> String {
    if servers.is_empty() {
        return "(none)".into();
    }
    servers
        .iter()
        .map(|s| s.server_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key: `JFROG_CLI_ENCRYPTION_KEY` (value, or a `.key` file's contents), else security.yaml.
fn encryption_key(
    files: &JfrogCliFiles,
    env: &Env,
    path: &Path,
) -> Result<(Zeroizing<Vec<u8>>, String), ConfigError> {
    let (key, from) = match env.get("JFROG_CLI_ENCRYPTION_KEY") {
        Some(v) if v.ends_with(".key") => {
            let text = files.key_file.as_ref().map(|k| k.trim_end().to_string());
            (text, format!("the key file {v}"))
        }
        Some(v) if !v.is_empty() => (Some(v.to_string()), "JFROG_CLI_ENCRYPTION_KEY".into()),
        _ => (
            files.security_yaml.as_deref().and_then(master_key),
            format!("{}", files.security_yaml_path().display()),
        ),
    };
    let Some(key) = key.map(|k| Zeroizing::new(k.into_bytes())) else {
        return Err(ConfigError::JfrogNoKey {
            path: path.to_path_buf(),
            security_yaml: files.security_yaml_path(),
        });
    };
    if key.len() != 32 {
        return Err(ConfigError::JfrogBadKey {
            from,
            len: key.len(),
        });
    }
    Ok((key, from))
}

/// `masterKey: VALUE` from security.yaml (a flat file; quotes allowed).
fn master_key(yaml: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("masterKey:")?;
        let v = rest.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
            .unwrap_or(v);
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// base64(nonce(12) ‖ ciphertext ‖ tag) under AES-256-GCM.
pub fn decrypt(value: &str, key: &[u8]) -> Option<Zeroizing<String>> {
    let data = Zeroizing::new(STANDARD.decode(value.trim()).ok()?);
    if data.len() < NONCE_LEN + 16 {
        return None;
    }
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let (nonce, ct) = data.split_at(NONCE_LEN);
    let plain = Zeroizing::new(cipher.decrypt(Nonce::from_slice(nonce), ct).ok()?);
    String::from_utf8(plain.to_vec()).ok().map(Zeroizing::new)
}

/// The inverse of [`decrypt`], as `jf` writes values; for tests and tooling.
pub fn encrypt(plain: &str, key: &[u8], nonce: [u8; NONCE_LEN]) -> Option<String> {
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .ok()?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Some(STANDARD.encode(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_key_forms() {
        assert_eq!(
            master_key("version: 1\nmasterKey: abc\n").as_deref(),
            Some("abc")
        );
        assert_eq!(master_key("masterKey: \"q\"").as_deref(), Some("q"));
        assert_eq!(master_key("version: 1\n"), None);
    }

    #[test]
    fn roundtrip_and_wrong_key() {
        let key = b"0123456789abcdef0123456789abcdef";
        let enc = encrypt("secret-value", key, [7; 12]).unwrap();
        assert_eq!(decrypt(&enc, key).unwrap().as_str(), "secret-value");
        assert!(decrypt(&enc, b"fedcba9876543210fedcba9876543210").is_none());
        assert!(decrypt("not base64!", key).is_none());
    }
}
