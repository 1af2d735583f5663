//! The servers the tab can switch to (`P`): the config file's profiles, the JFrog CLI config's
//! servers and the embedded service, each resolved as if it had been chosen at start. Pure.
//!
//! Switching starts from the session's inputs with everything that names a server removed
//! (`--url`, `--token-file`, `--profile`, `--server-id` and their variables): a target brings
//! its own URL and token. What is not about the server (`--readonly`, `--cacert`, …) still
//! applies.

use super::error::ConfigError;
use super::resolve::ProfileChoice;
use super::{Inputs, Resolved, ServerChoice, Source, file, jfrog_cli, resolve_as};

/// The embedded service's entry name.
pub const EMBEDDED: &str = "embedded";

/// What kind of server a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Profile,
    JfrogCli,
    Embedded,
}

impl TargetKind {
    pub fn label(self) -> &'static str {
        match self {
            TargetKind::Profile => "profile",
            TargetKind::JfrogCli => "JFrog CLI",
            TargetKind::Embedded => "embedded",
        }
    }
}

/// One entry of the switch list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Unique across kinds: `profile:NAME`, `jfrog:ID`, `embedded`.
    pub key: String,
    pub name: String,
    pub kind: TargetKind,
    /// The server URL, or "embedded".
    pub url: String,
    pub readonly: bool,
    /// Why this target cannot be used as configured (shown, and refused when chosen).
    pub problem: Option<String>,
}

/// Every target: profiles (by name), then JFrog CLI servers, then the embedded service.
pub fn targets(inp: &Inputs) -> Vec<Target> {
    let mut out = Vec::new();
    let cfg = inp
        .config_text
        .as_deref()
        .and_then(|t| file::parse(t, &inp.config_path).ok())
        .unwrap_or_default();
    for name in cfg.profiles.keys() {
        out.push(target(inp, TargetKind::Profile, name));
    }
    // `use_jfrog_cli = false`: its servers are not offered.
    if cfg.use_jfrog_cli.unwrap_or(true) {
        for id in jfrog_cli::server_ids(&inp.jfrog) {
            out.push(target(inp, TargetKind::JfrogCli, &id));
        }
    }
    out.push(target(inp, TargetKind::Embedded, EMBEDDED));
    out
}

fn target(inp: &Inputs, kind: TargetKind, name: &str) -> Target {
    let key = key_of(kind, name);
    let (url, readonly, problem) = match resolve_target(inp, &key) {
        Ok(r) => (url_of(&r), r.readonly, None),
        Err(e) => (String::new(), false, Some(e.to_string())),
    };
    Target {
        key,
        name: name.to_string(),
        kind,
        url,
        readonly,
        problem,
    }
}

pub fn key_of(kind: TargetKind, name: &str) -> String {
    match kind {
        TargetKind::Profile => format!("profile:{name}"),
        TargetKind::JfrogCli => format!("jfrog:{name}"),
        TargetKind::Embedded => EMBEDDED.to_string(),
    }
}

fn url_of(r: &Resolved) -> String {
    match &r.server {
        ServerChoice::Remote { url, .. } => url.clone(),
        ServerChoice::Embedded { .. } => EMBEDDED.to_string(),
    }
}

/// The key of the target the session started with, if it is one of the targets.
pub fn current_key(r: &Resolved) -> Option<String> {
    if let Some(p) = &r.profile {
        return Some(key_of(TargetKind::Profile, p));
    }
    match (&r.server, r.sources.get("url")) {
        (ServerChoice::Embedded { .. }, _) => Some(EMBEDDED.to_string()),
        (ServerChoice::Remote { .. }, Some(Source::JfrogCli(id))) => {
            Some(key_of(TargetKind::JfrogCli, id))
        }
        _ => None,
    }
}

/// The full configuration of a target (`profile:NAME`, `jfrog:ID`, `embedded`).
pub fn resolve_target(inp: &Inputs, key: &str) -> Result<Resolved, ConfigError> {
    let mut inp = server_free(inp);
    if key == EMBEDDED {
        inp.flags.server.url = Some(EMBEDDED.to_string());
        resolve_as(&inp, ProfileChoice::NoProfile)
    } else if let Some(id) = key.strip_prefix("jfrog:") {
        inp.flags.server.server_id = Some(id.to_string());
        resolve_as(&inp, ProfileChoice::NoProfile)
    } else if let Some(name) = key.strip_prefix("profile:") {
        resolve_as(&inp, ProfileChoice::Named(name))
    } else {
        Err(ConfigError::UnknownProfile {
            name: key.to_string(),
            from: "the server list".into(),
            known: String::new(),
        })
    }
}

/// The inputs without anything that picks a server or its token.
fn server_free(inp: &Inputs) -> Inputs {
    let mut inp = inp.clone();
    let s = &mut inp.flags.server;
    s.url = None;
    s.token_file = None;
    s.profile = None;
    s.server_id = None;
    // An empty value counts as unset.
    for var in [
        "TOKENTAB_URL",
        "TOKENTAB_TOKEN",
        "TOKENTAB_TOKEN_FILE",
        "TOKENTAB_PROFILE",
        "JFROG_CLI_SERVER_ID",
    ] {
        inp.env.set(var, "");
    }
    inp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn inputs(text: &str) -> Inputs {
        Inputs {
            config_path: PathBuf::from("/cfg/config.toml"),
            config_text: Some(text.to_string()),
            default_data_dir: PathBuf::from("/data"),
            ..Inputs::default()
        }
    }

    #[test]
    fn profiles_then_embedded_each_with_its_url_and_readonly_flag() {
        let mut inp = inputs(
            "default_profile = \"a\"\n\
             [profiles.a]\nurl = \"http://a.example:1\"\ntoken_file = \"/t/a\"\n\
             [profiles.b]\nurl = \"http://b.example:2\"\ntoken_file = \"/t/b\"\nreadonly = true\n",
        );
        // A --url given at start does not leak into the targets.
        inp.flags.server.url = Some("http://elsewhere:9".into());
        let t = targets(&inp);
        let shown: Vec<(&str, &str, bool)> = t
            .iter()
            .map(|t| (t.key.as_str(), t.url.as_str(), t.readonly))
            .collect();
        assert_eq!(
            shown,
            [
                ("profile:a", "http://a.example:1", false),
                ("profile:b", "http://b.example:2", true),
                ("embedded", "embedded", false),
            ]
        );
        // The embedded target does not take the default profile's settings.
        let e = resolve_target(&inp, EMBEDDED).expect("embedded");
        assert!(matches!(e.server, ServerChoice::Embedded { .. }));
        assert_eq!(e.profile, None);
    }

    #[test]
    fn jfrog_cli_servers_are_listed_unless_turned_off() {
        let mut inp = inputs("");
        inp.jfrog.config = Some((
            PathBuf::from("/jf/jfrog-cli.conf.v6"),
            r#"{"servers":[{"serverId":"corp","url":"https://corp.jfrog.io/","accessToken":"abc","isDefault":true}]}"#.into(),
        ));
        let t = targets(&inp);
        let corp = t.iter().find(|t| t.key == "jfrog:corp").expect("listed");
        assert_eq!(
            (corp.kind, corp.url.as_str(), &corp.problem),
            (TargetKind::JfrogCli, "https://corp.jfrog.io", &None)
        );
        // Started on the JFrog CLI's default server: that entry is the current one.
        let started = crate::config::resolve(&inp).expect("resolves");
        assert_eq!(current_key(&started).as_deref(), Some("jfrog:corp"));
        inp.config_text = Some("use_jfrog_cli = false\n".into());
        assert!(targets(&inp).iter().all(|t| t.kind != TargetKind::JfrogCli));
    }

    #[test]
    fn a_broken_profile_is_listed_with_its_problem() {
        let inp = inputs("[profiles.bad]\nurl = \"not a url\"\n");
        let t = targets(&inp);
        assert_eq!(t[0].key, "profile:bad");
        assert!(t[0].problem.is_some(), "{t:?}");
    }
}
