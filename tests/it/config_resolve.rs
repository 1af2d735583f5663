//! Precedence: flag > env > file > JFrog CLI config > embedded, through the pure `resolve`.

use std::path::PathBuf;

use secrecy::ExposeSecret;
use tokentab::config::{
    ConfigError, Env, Flags, Inputs, JfrogCliFiles, ServerChoice, Source, TokenSourceKind, resolve,
};
use tokentab::model::settings::ClipboardMode;

const FILE: &str = r#"
default_profile = "staging"
clipboard = "tmux"
readonly = false
log_level = "warn"
mouse = false

[profiles.staging]
url = "https://staging.example.com/"
token_env = "STAGING_TOKEN"

[profiles.prod]
url = "https://prod.example.com"
token_env = "PROD_TOKEN"
readonly = true
banner_color = "red"
"#;

const JF: &str = r#"{
  "servers": [
    {"url": "https://jf.example.com/", "accessToken": "jf-token-1", "serverId": "jf", "isDefault": true}
  ],
  "version": "6"
}"#;

fn inputs(file: Option<&str>, env: Env, jfrog: Option<&str>) -> Inputs {
    Inputs {
        flags: Flags::default(),
        env,
        config_path: PathBuf::from("/test/config.toml"),
        config_path_source: Some(Source::Default),
        config_text: file.map(str::to_string),
        jfrog: JfrogCliFiles {
            home: PathBuf::from("/test/.jfrog"),
            config: jfrog.map(|t| {
                (
                    PathBuf::from("/test/.jfrog/jfrog-cli.conf.v6"),
                    t.to_string(),
                )
            }),
            ..Default::default()
        },
        home: Some(PathBuf::from("/home/test")),
        default_data_dir: PathBuf::from("/test/data"),
    }
}

fn base_env() -> Env {
    Env::new()
        .with("STAGING_TOKEN", "staging-token-1")
        .with("PROD_TOKEN", "prod-token-1")
}

/// (url, token kind, token value if already in hand, url source, token source)
fn remote(i: &Inputs) -> (String, TokenSourceKind, Option<String>, Source, Source) {
    let r = resolve(i).unwrap();
    let url_src = r.sources["url"].clone();
    match r.server {
        ServerChoice::Remote { url, token } => {
            let value = token.is_set().then(|| {
                token
                    .obtain_with(&url, false)
                    .unwrap()
                    .expose_secret()
                    .to_string()
            });
            (url, token.kind.clone(), value, url_src, token.origin)
        }
        other => panic!("expected a remote server, got {other:?}"),
    }
}

#[test]
fn nothing_configured_is_embedded() {
    let r = resolve(&inputs(None, Env::new(), None)).unwrap();
    match r.server {
        ServerChoice::Embedded { data_dir } => assert_eq!(data_dir, PathBuf::from("/test/data")),
        other => panic!("{other:?}"),
    }
    assert!(!r.readonly);
    assert_eq!(r.clipboard, ClipboardMode::Auto);
    assert_eq!(r.clipboard_clear_secs, 30);
    assert!(r.mouse);
    assert_eq!(r.log_level, "info");
}

#[test]
fn jfrog_cli_beats_embedded() {
    let (url, kind, value, usrc, tsrc) = remote(&inputs(None, Env::new(), Some(JF)));
    assert_eq!(url, "https://jf.example.com");
    assert_eq!(
        kind,
        TokenSourceKind::JfrogCli {
            server_id: "jf".into()
        }
    );
    assert_eq!(value.as_deref(), Some("jf-token-1"));
    assert_eq!(usrc, Source::JfrogCli("jf".into()));
    assert_eq!(tsrc, Source::JfrogCli("jf".into()));
}

#[test]
fn file_beats_jfrog_cli() {
    let (url, kind, value, usrc, tsrc) = remote(&inputs(Some(FILE), base_env(), Some(JF)));
    assert_eq!(url, "https://staging.example.com");
    assert_eq!(
        kind,
        TokenSourceKind::Env {
            var: "STAGING_TOKEN".into()
        }
    );
    assert_eq!(value.as_deref(), Some("staging-token-1"));
    assert_eq!(usrc, Source::Profile("staging".into()));
    assert_eq!(tsrc, Source::Profile("staging".into()));
}

#[test]
fn env_beats_file() {
    let env = base_env()
        .with("TOKENTAB_URL", "https://env.example.com")
        .with("TOKENTAB_TOKEN", "env-token-1\n");
    let (url, kind, value, usrc, tsrc) = remote(&inputs(Some(FILE), env, Some(JF)));
    assert_eq!(url, "https://env.example.com");
    assert_eq!(
        kind,
        TokenSourceKind::Env {
            var: "TOKENTAB_TOKEN".into()
        }
    );
    // trailing newline trimmed
    assert_eq!(value.as_deref(), Some("env-token-1"));
    assert_eq!(usrc, Source::Env("TOKENTAB_URL".into()));
    assert_eq!(tsrc, Source::Env("TOKENTAB_TOKEN".into()));
}

#[test]
fn flag_beats_env() {
    let env = base_env()
        .with("TOKENTAB_URL", "https://env.example.com")
        .with("TOKENTAB_TOKEN", "env-token-1");
    let mut i = inputs(Some(FILE), env, Some(JF));
    i.flags.server.url = Some("http://127.0.0.1:8082/".into());
    i.flags.server.token_file = Some(PathBuf::from("/run/secrets/t"));
    let (url, kind, value, usrc, tsrc) = remote(&i);
    assert_eq!(url, "http://127.0.0.1:8082");
    assert_eq!(
        kind,
        TokenSourceKind::File {
            path: "/run/secrets/t".into()
        }
    );
    assert_eq!(
        value, None,
        "a file is read only when the token is obtained"
    );
    assert_eq!(usrc, Source::Flag("--url"));
    assert_eq!(tsrc, Source::Flag("--token-file"));
}

#[test]
fn profile_precedence() {
    let mut i = inputs(Some(FILE), base_env(), None);
    assert_eq!(resolve(&i).unwrap().profile.as_deref(), Some("staging"));
    i.env.set("TOKENTAB_PROFILE", "prod");
    let r = resolve(&i).unwrap();
    assert_eq!(r.profile.as_deref(), Some("prod"));
    assert_eq!(r.sources["profile"], Source::Env("TOKENTAB_PROFILE".into()));
    assert_eq!(r.banner_color.as_deref(), Some("red"));
    i.env.set("TOKENTAB_PROFILE", "nope");
    i.flags.server.profile = Some("staging".into());
    let r = resolve(&i).unwrap();
    assert_eq!(r.profile.as_deref(), Some("staging"));
    assert_eq!(r.sources["profile"], Source::Flag("--profile"));
    assert_eq!(r.banner_color, None);

    i.flags.server.profile = Some("nope".into());
    let e = resolve(&i).unwrap_err();
    assert!(matches!(e, ConfigError::UnknownProfile { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("nope") && msg.contains("prod, staging"),
        "{msg}"
    );
}

#[test]
fn readonly_precedence() {
    let mut i = inputs(Some(FILE), base_env(), None);
    let r = resolve(&i).unwrap();
    assert!(!r.readonly);
    assert_eq!(r.sources["readonly"], Source::File);

    i.flags.server.profile = Some("prod".into());
    let r = resolve(&i).unwrap();
    assert!(
        r.readonly,
        "profile readonly beats the top-level file value"
    );
    assert_eq!(r.sources["readonly"], Source::Profile("prod".into()));

    i.env.set("TOKENTAB_READONLY", "0");
    let r = resolve(&i).unwrap();
    assert!(!r.readonly);
    assert_eq!(
        r.sources["readonly"],
        Source::Env("TOKENTAB_READONLY".into())
    );

    i.flags.server.readonly = true;
    let r = resolve(&i).unwrap();
    assert!(r.readonly);
    assert_eq!(r.sources["readonly"], Source::Flag("--readonly"));

    i.env.set("TOKENTAB_READONLY", "maybe");
    assert!(matches!(resolve(&i), Err(ConfigError::BadValue { .. })));
}

#[test]
fn clipboard_and_tui_precedence() {
    let mut i = inputs(None, Env::new(), None);
    assert_eq!(resolve(&i).unwrap().clipboard, ClipboardMode::Auto);
    i.config_text = Some(FILE.into());
    i.env = base_env();
    let r = resolve(&i).unwrap();
    assert_eq!(r.clipboard, ClipboardMode::Tmux);
    assert_eq!(r.log_level, "warn");
    assert!(!r.mouse);
    i.env.set("TOKENTAB_CLIPBOARD", "osc52");
    i.env.set("TOKENTAB_LOG", "debug");
    i.env.set("NO_COLOR", "1");
    let r = resolve(&i).unwrap();
    assert_eq!(r.clipboard, ClipboardMode::Osc52);
    assert_eq!(r.log_level, "debug");
    assert!(r.no_color);
    i.flags.tui.clipboard = Some(ClipboardMode::Native);
    i.flags.log_level = Some("trace".into());
    i.flags.tui.clipboard_clear = Some(0);
    let r = resolve(&i).unwrap();
    assert_eq!(r.clipboard, ClipboardMode::Native);
    assert_eq!(r.sources["clipboard"], Source::Flag("--clipboard"));
    assert_eq!(r.log_level, "trace");
    assert_eq!(r.clipboard_clear_secs, 0);
    i.env.set("TOKENTAB_CLIPBOARD", "carrier-pigeon");
    let e = resolve(&i).unwrap_err().to_string();
    assert!(
        e.contains("TOKENTAB_CLIPBOARD") && e.contains("osc52"),
        "{e}"
    );
}

#[test]
fn profile_token_is_not_sent_to_another_url() {
    let env = base_env().with("TOKENTAB_URL", "https://evil.example.net");
    let e = resolve(&inputs(Some(FILE), env, None)).unwrap_err();
    assert!(matches!(e, ConfigError::TokenUrlMismatch { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("https://staging.example.com") && msg.contains("evil"),
        "{msg}"
    );
    assert!(!msg.contains("staging-token-1"));
}

#[test]
fn jfrog_default_token_only_for_its_own_url() {
    // Same URL as the JFrog CLI default server: its token is used.
    let env = Env::new().with("TOKENTAB_URL", "https://jf.example.com/");
    let (_, kind, ..) = remote(&inputs(None, env, Some(JF)));
    assert_eq!(
        kind,
        TokenSourceKind::JfrogCli {
            server_id: "jf".into()
        }
    );
    // Another URL: no token is borrowed; tokentab would ask, and cannot without a terminal.
    let env = Env::new().with("TOKENTAB_URL", "https://other.example.com");
    let r = resolve(&inputs(None, env, Some(JF))).unwrap();
    let ServerChoice::Remote { url, token } = r.server else {
        panic!("remote expected")
    };
    assert_eq!(token.kind, TokenSourceKind::Prompt);
    let e = token.obtain_with(&url, false).unwrap_err().to_string();
    assert!(
        e.contains("TOKENTAB_TOKEN") && e.contains("--token-file"),
        "{e}"
    );
}

#[test]
fn token_without_url_is_an_error_and_embedded_is_explicit() {
    let env = Env::new().with("TOKENTAB_TOKEN", "lonely-token");
    let e = resolve(&inputs(None, env.clone(), None)).unwrap_err();
    assert!(matches!(e, ConfigError::TokenWithoutUrl { .. }));
    assert!(!e.to_string().contains("lonely-token"));
    let env = env.with("TOKENTAB_URL", "embedded");
    let r = resolve(&inputs(None, env, Some(JF))).unwrap();
    assert!(matches!(r.server, ServerChoice::Embedded { .. }));
}

#[test]
fn both_env_token_sources_conflict() {
    let env = Env::new()
        .with("TOKENTAB_URL", "https://x.example.com")
        .with("TOKENTAB_TOKEN", "a")
        .with("TOKENTAB_TOKEN_FILE", "/tmp/t");
    let e = resolve(&inputs(None, env, None)).unwrap_err().to_string();
    assert!(e.contains("TOKENTAB_TOKEN_FILE"), "{e}");
}

#[test]
fn file_errors_are_actionable() {
    let e = resolve(&inputs(Some("clipbaord = \"off\"\n"), Env::new(), None))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/test/config.toml") && e.contains("clipbaord"),
        "{e}"
    );
    let two = "[profiles.x]\nurl = \"https://x\"\ntoken_env = \"A\"\ntoken_file = \"/t\"\n";
    let e = resolve(&inputs(Some(two), Env::new(), None))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("token_env and token_file") && e.contains("exactly one"),
        "{e}"
    );
    let bad_default = "default_profile = \"ghost\"\n";
    let e = resolve(&inputs(Some(bad_default), Env::new(), None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ghost"), "{e}");
    let env = Env::new().with("TOKENTAB_URL", "ftp://x");
    let e = resolve(&inputs(None, env, None)).unwrap_err().to_string();
    assert!(e.contains("TOKENTAB_URL") && e.contains("https://"), "{e}");
    // A profile whose token variable is unset says which variable.
    let e = resolve(&inputs(Some(FILE), Env::new(), None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("STAGING_TOKEN"), "{e}");
}

#[test]
fn profile_settings_cacert_insecure_tilde() {
    let text = r#"
[profiles.corp]
url = "https://corp.example.com"
token_file = "~/.config/tokentab/corp.token"
cacert = "~/ca.pem"
insecure = true
"#;
    let mut i = inputs(Some(text), Env::new(), None);
    i.flags.server.profile = Some("corp".into());
    let r = resolve(&i).unwrap();
    assert_eq!(r.cacert, Some(PathBuf::from("/home/test/ca.pem")));
    assert!(r.insecure);
    let ServerChoice::Remote { token, .. } = &r.server else {
        panic!()
    };
    assert_eq!(
        token.kind,
        TokenSourceKind::File {
            path: "/home/test/.config/tokentab/corp.token".into()
        }
    );
    i.flags.server.cacert = Some("/etc/other.pem".into());
    assert_eq!(
        resolve(&i).unwrap().cacert,
        Some(PathBuf::from("/etc/other.pem"))
    );
}

#[test]
fn server_id_from_env_only_fills_gaps_but_flag_is_binding() {
    let two = r#"{"servers":[
        {"url":"https://jf.example.com/","accessToken":"jf-token-1","serverId":"jf","isDefault":true},
        {"url":"https://b.example.com","accessToken":"b-token","serverId":"b"}]}"#;
    // Profile with its own URL and no token; JFROG_CLI_SERVER_ID names another server: not used.
    let file = "default_profile = \"p\"\n[profiles.p]\nurl = \"https://p.example.com\"\n";
    let env = Env::new().with("JFROG_CLI_SERVER_ID", "b");
    let r = resolve(&inputs(Some(file), env.clone(), Some(two))).unwrap();
    let ServerChoice::Remote { token, .. } = &r.server else {
        panic!()
    };
    assert_eq!(token.kind, TokenSourceKind::Prompt);
    // Nothing else configured: JFROG_CLI_SERVER_ID picks the server.
    let (url, ..) = remote(&inputs(None, env, Some(two)));
    assert_eq!(url, "https://b.example.com");
    // --server-id with a different --url is refused rather than sending b's token elsewhere.
    let mut i = inputs(None, Env::new(), Some(two));
    i.flags.server.server_id = Some("b".into());
    i.flags.server.url = Some("https://elsewhere.example.com".into());
    let e = resolve(&i).unwrap_err();
    assert!(matches!(e, ConfigError::TokenUrlMismatch { .. }), "{e}");
    assert!(!e.to_string().contains("b-token"));
}
