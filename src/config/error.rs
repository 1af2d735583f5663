//! Configuration errors, each worded so the user knows what to change.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("no profile named '{name}' (from {from}); known profiles: {known}")]
    UnknownProfile {
        name: String,
        from: String,
        known: String,
    },
    #[error("cannot find the platform config directory (is HOME set?); set TOKENTAB_CONFIG")]
    NoConfigDir,
    #[error("{0}")]
    Conflict(String),
    #[error("{what} was given but no server URL: add --url, TOKENTAB_URL or a profile with a url")]
    TokenWithoutUrl { what: String },
    #[error(
        "the token from {token_from} belongs to {bound_url}; it is not sent to {url} (from {url_from}). \
         Give the token for {url} with TOKENTAB_TOKEN or --token-file, or drop the URL override"
    )]
    TokenUrlMismatch {
        token_from: String,
        bound_url: String,
        url: String,
        url_from: String,
    },
    #[error(
        "no admin token for {url}: set TOKENTAB_TOKEN, use --token-file FILE or a profile with a token \
         source (stdin is not a terminal, so tokentab cannot ask)"
    )]
    NoToken { url: String },
    #[error("invalid value {value:?} for {name}: {expected}")]
    BadValue {
        name: String,
        value: String,
        expected: String,
    },
    #[error("JFrog CLI config {path} is not valid JSON: {message}")]
    JfrogParse { path: PathBuf, message: String },
    #[error(
        "JFrog CLI config {path} has no default server (couldn't find default server): pick one with \
         --server-id ID or JFROG_CLI_SERVER_ID, or run `jf config use ID`"
    )]
    JfrogNoDefault { path: PathBuf },
    #[error("JFrog CLI config {path} has no server '{id}'; known servers: {known}")]
    JfrogUnknownServer {
        path: PathBuf,
        id: String,
        known: String,
    },
    #[error(
        "JFrog CLI server '{id}' was asked for ({from}) but there is no JFrog CLI config in {home} \
         (looked for jfrog-cli.conf.v6, .v5, .v4 and jfrog-cli.conf)"
    )]
    JfrogNoConfig {
        id: String,
        from: String,
        home: PathBuf,
    },
    #[error(
        "JFrog CLI server '{id}' has no access token{detail}; tokentab needs an access token: add one \
         with `jf config edit {id}` (or `jf login`), or use --token-file / TOKENTAB_TOKEN"
    )]
    JfrogNoAccessToken { id: String, detail: String },
    #[error("JFrog CLI server '{id}' has no url in {path}")]
    JfrogNoUrl { id: String, path: PathBuf },
    #[error(
        "JFrog CLI config {path} is encrypted (\"enc\": true) but no key was found: set \
         JFROG_CLI_ENCRYPTION_KEY (32 characters, or a path to a .key file holding them) or provide \
         {security_yaml} with a masterKey"
    )]
    JfrogNoKey {
        path: PathBuf,
        security_yaml: PathBuf,
    },
    #[error(
        "the JFrog CLI encryption key from {from} must be exactly 32 bytes long (it has {len})"
    )]
    JfrogBadKey { from: String, len: usize },
    #[error(
        "cannot decrypt the {field} of JFrog CLI server '{id}' with the key from {from}: wrong key or \
         damaged value"
    )]
    JfrogDecrypt {
        field: String,
        id: String,
        from: String,
    },
    #[error(
        "token file {path} is readable by group or others (mode {mode:o}); refusing to use it. \
         Run `chmod 600 {path}`"
    )]
    TokenFileMode { path: PathBuf, mode: u32 },
    #[error("token from {from} is empty")]
    EmptyToken { from: String },
    #[error("token from {from} contains characters a token cannot have (control or non-ASCII)")]
    BadToken { from: String },
    #[error("token command `{program}` could not be started: {source}")]
    CommandSpawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("token command `{program}` failed ({status}); run it yourself to see why")]
    CommandFailed { program: String, status: String },
    #[error("token command `{program}` did not finish within {secs} s and was stopped")]
    CommandTimeout { program: String, secs: u64 },
    #[error("reading the token from the terminal failed: {0}")]
    Prompt(std::io::Error),
    #[error("token entry cancelled")]
    PromptCancelled,
    #[error("invalid log level {value:?}: {message} (try error, warn, info, debug or trace)")]
    LogLevel { value: String, message: String },
    #[error("cannot open the log file {path}: {source}")]
    LogFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a logger is already installed")]
    LogAlreadySet,
}
