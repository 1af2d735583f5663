//! A snapshot of the environment variables configuration reads, so resolution stays pure.

use std::collections::BTreeMap;

/// The variables tokentab reads (a profile's `token_env` names are added by the loader).
pub const KNOWN_VARS: [&str; 22] = [
    "TOKENTAB_URL",
    "TOKENTAB_TOKEN",
    "TOKENTAB_TOKEN_FILE",
    "TOKENTAB_PROFILE",
    "TOKENTAB_CONFIG",
    "TOKENTAB_LOG",
    "TOKENTAB_READONLY",
    "TOKENTAB_CLIPBOARD",
    "TOKENTAB_CLIPBOARD_CLEAR",
    "TOKENTAB_MASK_SECRET",
    "TOKENTAB_ACCESSIBLE",
    "TOKENTAB_GLYPHS",
    // The automatic glyph set reads the locale and the terminal type.
    "LC_ALL",
    "LC_CTYPE",
    "LANG",
    "TERM",
    "JFROG_CLI_SERVER_ID",
    "JFROG_CLI_HOME_DIR",
    "JFROG_CLI_ENCRYPTION_KEY",
    "NO_COLOR",
    "HOME",
    "XDG_CONFIG_HOME",
];

/// Variable name -> value. Empty values count as unset. Debug prints names only.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.set(name, value);
        self
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    /// The value, or None when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Reads `names` from the process environment (non-UTF-8 values are skipped).
    pub fn from_process<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut env = Env::new();
        for name in names {
            if let Ok(v) = std::env::var(name) {
                env.set(name, &v);
            }
        }
        env
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}
