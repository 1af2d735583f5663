//! Admin token sources: files (mode-checked), commands (no shell, timeout), and no secret in
//! `config show`, Debug or error messages.

use crate::common::timing::within_3x;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use tokentab::config::{
    ConfigError, Env, Flags, Inputs, JfrogCliFiles, Resolved, ServerChoice, Source, jfrog_cli,
    resolve, show,
};

const SECRET: &str = "tt-test-secret-Zq81vX";

fn inputs(file: Option<&str>, env: Env) -> Inputs {
    Inputs {
        flags: Flags::default(),
        env,
        config_path: PathBuf::from("/test/config.toml"),
        config_path_source: Some(Source::Default),
        config_text: file.map(str::to_string),
        jfrog: JfrogCliFiles::default(),
        home: None,
        default_data_dir: PathBuf::from("/test/data"),
    }
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn obtain(r: &Resolved) -> Result<String, ConfigError> {
    match &r.server {
        ServerChoice::Remote { url, token } => token
            .obtain_with(url, false)
            .map(|s| s.expose_secret().to_string()),
        other => panic!("{other:?}"),
    }
}

fn with_token_file(path: &Path) -> Resolved {
    let mut i = inputs(None, Env::new());
    i.flags.server.url = Some("https://x.example.com".into());
    i.flags.server.token_file = Some(path.to_path_buf());
    resolve(&i).unwrap()
}

#[test]
fn world_or_group_readable_token_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o644, 0o640, 0o604] {
        let path = dir.path().join(format!("t{mode:o}"));
        write_mode(&path, &format!("{SECRET}\n"), mode);
        let e = obtain(&with_token_file(&path)).unwrap_err();
        assert!(
            matches!(e, ConfigError::TokenFileMode { .. }),
            "{mode:o}: {e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(path.to_str().unwrap()) && msg.contains("chmod 600"),
            "{msg}"
        );
        assert!(!msg.contains(SECRET));
    }
}

#[test]
fn private_token_file_is_read_first_line_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t");
    write_mode(&path, &format!("  {SECRET}  \r\nsecond line\n"), 0o600);
    assert_eq!(obtain(&with_token_file(&path)).unwrap(), SECRET);

    write_mode(&path, "\n", 0o600);
    assert!(matches!(
        obtain(&with_token_file(&path)),
        Err(ConfigError::EmptyToken { .. })
    ));
    write_mode(&path, "abc\u{1b}[31mdef\n", 0o600);
    assert!(matches!(
        obtain(&with_token_file(&path)),
        Err(ConfigError::BadToken { .. })
    ));
    let missing = dir.path().join("missing");
    let e = obtain(&with_token_file(&missing)).unwrap_err().to_string();
    assert!(e.contains("missing"), "{e}");
}

#[test]
fn token_file_from_env_var() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t");
    write_mode(&path, SECRET, 0o600);
    let env = Env::new()
        .with("TOKENTAB_URL", "https://x.example.com")
        .with("TOKENTAB_TOKEN_FILE", path.to_str().unwrap());
    let r = resolve(&inputs(None, env)).unwrap();
    assert_eq!(obtain(&r).unwrap(), SECRET);
    assert!(show(&r).contains("env TOKENTAB_TOKEN_FILE"));
}

fn command_profile(argv: &str, timeout: Option<u64>) -> Resolved {
    let t = timeout.map_or(String::new(), |t| format!("token_command_timeout = {t}\n"));
    let text = format!(
        "default_profile = \"p\"\n[profiles.p]\nurl = \"https://p.example.com\"\ntoken_command = {argv}\n{t}"
    );
    resolve(&inputs(Some(&text), Env::new())).unwrap()
}

#[test]
fn token_command_stdout_first_line() {
    let r = command_profile(&format!(r#"["printf", "{SECRET}\nother\n"]"#), None);
    assert_eq!(obtain(&r).unwrap(), SECRET);
    // No shell: a shell metacharacter is an ordinary argument.
    let r = command_profile(r#"["printf", "%s", "a;b|c"]"#, None);
    assert_eq!(obtain(&r).unwrap(), "a;b|c");
}

#[test]
fn token_command_failures() {
    let r = command_profile(r#"["false"]"#, None);
    let e = obtain(&r).unwrap_err();
    assert!(matches!(e, ConfigError::CommandFailed { .. }), "{e}");
    assert!(e.to_string().contains("`false`"));

    let r = command_profile(r#"["/nonexistent/tokentab-no-such-program"]"#, None);
    assert!(matches!(obtain(&r), Err(ConfigError::CommandSpawn { .. })));

    let r = command_profile(r#"["true"]"#, None);
    assert!(matches!(obtain(&r), Err(ConfigError::EmptyToken { .. })));

    let start = std::time::Instant::now();
    let r = command_profile(r#"["sleep", "30"]"#, Some(1));
    let e = obtain(&r).unwrap_err();
    assert!(
        matches!(e, ConfigError::CommandTimeout { secs: 1, .. }),
        "{e}"
    );
    // Protects: the 1 s timeout kills `sleep 30` instead of waiting it out. Goal: the timeout.
    within_3x(
        "a token command past its 1 s timeout is killed",
        start.elapsed(),
        std::time::Duration::from_secs(1),
    );
}

#[test]
fn show_and_debug_never_contain_the_token() {
    // From TOKENTAB_TOKEN
    let env = Env::new()
        .with("TOKENTAB_URL", "https://x.example.com")
        .with("TOKENTAB_TOKEN", SECRET);
    let r = resolve(&inputs(None, env)).unwrap();
    assert_eq!(obtain(&r).unwrap(), SECRET, "the token is really there");
    let text = show(&r);
    assert!(
        text.contains("token:            from TOKENTAB_TOKEN (set)"),
        "{text}"
    );
    assert!(
        text.contains("https://x.example.com") && text.contains("[env TOKENTAB_URL]"),
        "{text}"
    );
    assert!(!text.contains(SECRET), "{text}");
    let dbg = format!("{r:?} {:?}", r.server);
    assert!(!dbg.contains(SECRET), "{dbg}");
    assert!(dbg.contains("REDACTED"));

    // From a profile's env var
    let file = "default_profile = \"p\"\n[profiles.p]\nurl = \"https://p.example.com\"\ntoken_env = \"MY_TOK\"\n";
    let r = resolve(&inputs(Some(file), Env::new().with("MY_TOK", SECRET))).unwrap();
    assert_eq!(obtain(&r).unwrap(), SECRET);
    let text = show(&r);
    assert!(
        text.contains("from MY_TOK (set)") && text.contains("profile 'p'"),
        "{text}"
    );
    assert!(!text.contains(SECRET) && !format!("{r:?}").contains(SECRET));

    // From an encrypted JFrog CLI config
    let key = "0123456789abcdef0123456789abcdef";
    let enc = jfrog_cli::encrypt(SECRET, key.as_bytes(), [1; 12]).unwrap();
    let jf = format!(
        r#"{{"servers":[{{"url":"https://acme.jfrog.io/","accessToken":"{enc}","serverId":"acme","isDefault":true}}],"enc":true}}"#
    );
    let mut i = inputs(None, Env::new().with("JFROG_CLI_ENCRYPTION_KEY", key));
    i.jfrog.config = Some((PathBuf::from("/j/jfrog-cli.conf.v6"), jf));
    let r = resolve(&i).unwrap();
    assert_eq!(obtain(&r).unwrap(), SECRET);
    let text = show(&r);
    assert!(
        text.contains("JFrog CLI server 'acme'") && text.contains("jfrog-cli"),
        "{text}"
    );
    assert!(!text.contains(SECRET) && !text.contains(&enc), "{text}");
    assert!(!format!("{r:?}").contains(SECRET));
    assert!(!format!("{i:?}").contains(SECRET) && !format!("{i:?}").contains(key));
}

#[test]
fn show_lists_every_setting_with_its_source() {
    let file = r#"
clipboard = "osc52"
[keys]
new = "ctrl-n"
[theme]
accent = "cyan"
"#;
    let mut i = inputs(Some(file), Env::new().with("NO_COLOR", "1"));
    i.flags.server.readonly = true;
    let text = show(&resolve(&i).unwrap());
    for needle in [
        "/test/config.toml (read)",
        "embedded token service",
        "/test/data  [default]",
        "readonly:         true  [flag --readonly]",
        "clipboard:        osc52  [file]",
        "clipboard_clear:  30 s  [default]",
        "no_color:         true  [env NO_COLOR]",
        "new=\"ctrl-n\"",
        "accent=\"cyan\"",
        "log_level:        info  [default]",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}
