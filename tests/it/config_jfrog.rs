//! JFrog CLI configs read from a real JFROG_CLI_HOME_DIR: plain, encrypted (key from the env, a
//! .key file, security.yaml), missing default server, legacy file names.

use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use tokentab::config::jfrog_cli::{self, FILE_NAMES, JfrogCliFiles, JfrogServer};
use tokentab::config::{
    ConfigError, Env, Flags, Inputs, ServerChoice, Source, TokenSourceKind, resolve,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "eyJ-test-access-token-42";

fn plain(servers: &str) -> String {
    format!(r#"{{ "servers": [{servers}], "version": "6" }}"#)
}

fn server(id: &str, url: &str, token: &str, default: bool) -> String {
    format!(
        r#"{{"url": "{url}", "artifactoryUrl": "{url}artifactory/", "user": "alice",
            "accessToken": "{token}", "refreshToken": "r", "serverId": "{id}", "isDefault": {default}}}"#
    )
}

fn home_with(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

fn env_for(home: &Path) -> Env {
    Env::new().with("JFROG_CLI_HOME_DIR", home.to_str().unwrap())
}

fn pick(env: &Env, id: Option<&str>) -> Result<Option<JfrogServer>, ConfigError> {
    let files = JfrogCliFiles::read(env, None)?;
    jfrog_cli::select(&files, env, id.map(|i| (i, "test")))
}

fn encrypted_config(key: &str) -> String {
    let enc = jfrog_cli::encrypt(TOKEN, key.as_bytes(), [9; 12]).unwrap();
    let pw = jfrog_cli::encrypt("hunter2", key.as_bytes(), [3; 12]).unwrap();
    format!(
        r#"{{ "servers": [{{"url": "https://acme.jfrog.io/", "user": "alice", "password": "{pw}",
             "accessToken": "{enc}", "serverId": "acme", "isDefault": true}}],
             "version": "6", "enc": true }}"#
    )
}

#[test]
fn plain_v6_default_server() {
    let text = plain(&format!(
        "{},{}",
        server("other", "https://other.jfrog.io/", "tok-other", false),
        server("acme", "https://acme.jfrog.io/", TOKEN, true)
    ));
    let home = home_with("jfrog-cli.conf.v6", &text);
    let env = env_for(home.path());
    let s = pick(&env, None).unwrap().unwrap();
    assert_eq!(s.server_id, "acme");
    assert_eq!(s.url, "https://acme.jfrog.io");
    assert_eq!(s.access_token.expose_secret(), TOKEN);
    assert!(!format!("{s:?}").contains(TOKEN));

    let s = pick(&env, Some("other")).unwrap().unwrap();
    assert_eq!(s.access_token.expose_secret(), "tok-other");

    let e = pick(&env, Some("ghost")).unwrap_err().to_string();
    assert!(e.contains("ghost") && e.contains("other, acme"), "{e}");
}

#[test]
fn server_id_from_flag_and_env_through_resolve() {
    let text = plain(&format!(
        "{},{}",
        server("other", "https://other.jfrog.io/", "tok-other", false),
        server("acme", "https://acme.jfrog.io/", TOKEN, true)
    ));
    let home = home_with("jfrog-cli.conf.v6", &text);
    let mut env = env_for(home.path());
    let jfrog = JfrogCliFiles::read(&env, None).unwrap();
    let mk = |env: Env, flags: Flags| Inputs {
        flags,
        env,
        config_path: PathBuf::from("/none/config.toml"),
        config_path_source: None,
        config_text: None,
        jfrog: jfrog.clone(),
        home: None,
        default_data_dir: PathBuf::from("/none/data"),
    };
    let url_of = |i: &Inputs| match resolve(i).unwrap().server {
        ServerChoice::Remote { url, token } => (url, token.origin),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        url_of(&mk(env.clone(), Flags::default())).0,
        "https://acme.jfrog.io"
    );
    env.set("JFROG_CLI_SERVER_ID", "other");
    let (url, origin) = url_of(&mk(env.clone(), Flags::default()));
    assert_eq!(url, "https://other.jfrog.io");
    assert_eq!(origin, Source::JfrogCli("other".into()));
    let mut flags = Flags::default();
    flags.server.server_id = Some("acme".into());
    assert_eq!(url_of(&mk(env.clone(), flags)).0, "https://acme.jfrog.io");

    // A profile naming a JFrog CLI server takes its URL and token.
    let mut i = mk(env, Flags::default());
    i.env = env_for(home.path());
    i.config_text = Some("[profiles.j]\njfrog_server_id = \"other\"\n".into());
    i.flags.server.profile = Some("j".into());
    let r = resolve(&i).unwrap();
    let ServerChoice::Remote { url, token } = r.server else {
        panic!()
    };
    assert_eq!(url, "https://other.jfrog.io");
    assert_eq!(
        token.kind,
        TokenSourceKind::JfrogCli {
            server_id: "other".into()
        }
    );
    assert_eq!(token.origin, Source::Profile("j".into()));
}

#[test]
fn missing_default_server_is_a_clear_error() {
    let text = plain(&server("acme", "https://acme.jfrog.io/", TOKEN, false));
    let home = home_with("jfrog-cli.conf.v6", &text);
    let e = pick(&env_for(home.path()), None).unwrap_err();
    assert!(matches!(e, ConfigError::JfrogNoDefault { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("couldn't find default server") && msg.contains("--server-id"),
        "{msg}"
    );
}

#[test]
fn no_config_is_not_an_error_unless_a_server_is_asked_for() {
    let home = tempfile::tempdir().unwrap();
    let env = env_for(home.path());
    assert!(pick(&env, None).unwrap().is_none());
    let e = pick(&env, Some("acme")).unwrap_err().to_string();
    assert!(e.contains("acme") && e.contains("jfrog-cli.conf.v6"), "{e}");
}

#[test]
fn legacy_file_names_and_v6_first() {
    for name in &FILE_NAMES[1..] {
        let text = plain(&server("old", "https://old.jfrog.io", "tok-old", true));
        let home = home_with(name, &text);
        let files = JfrogCliFiles::read(&env_for(home.path()), None).unwrap();
        assert_eq!(files.config.as_ref().unwrap().0, home.path().join(name));
        let s = pick(&env_for(home.path()), None).unwrap().unwrap();
        assert_eq!(s.access_token.expose_secret(), "tok-old", "{name}");
    }
    let home = home_with(
        "jfrog-cli.conf.v5",
        &plain(&server("old", "https://old.jfrog.io", "tok-old", true)),
    );
    std::fs::write(
        home.path().join("jfrog-cli.conf.v6"),
        plain(&server("new", "https://new.jfrog.io", "tok-new", true)),
    )
    .unwrap();
    let s = pick(&env_for(home.path()), None).unwrap().unwrap();
    assert_eq!(s.server_id, "new");
}

#[test]
fn encrypted_with_key_from_env() {
    let home = home_with("jfrog-cli.conf.v6", &encrypted_config(KEY));
    let env = env_for(home.path()).with("JFROG_CLI_ENCRYPTION_KEY", KEY);
    let s = pick(&env, None).unwrap().unwrap();
    assert_eq!(s.access_token.expose_secret(), TOKEN);
}

#[test]
fn encrypted_with_key_file() {
    let home = home_with("jfrog-cli.conf.v6", &encrypted_config(KEY));
    let key_path = home.path().join("master.key");
    std::fs::write(&key_path, format!("{KEY}\n")).unwrap();
    let env = env_for(home.path()).with("JFROG_CLI_ENCRYPTION_KEY", key_path.to_str().unwrap());
    let s = pick(&env, None).unwrap().unwrap();
    assert_eq!(s.access_token.expose_secret(), TOKEN);
}

#[test]
fn encrypted_with_security_yaml() {
    let home = home_with("jfrog-cli.conf.v6", &encrypted_config(KEY));
    std::fs::create_dir(home.path().join("security")).unwrap();
    std::fs::write(
        home.path().join("security/security.yaml"),
        format!("version: 1\nmasterKey: {KEY}\n"),
    )
    .unwrap();
    let s = pick(&env_for(home.path()), None).unwrap().unwrap();
    assert_eq!(s.access_token.expose_secret(), TOKEN);
}

#[test]
fn encrypted_without_key_names_what_is_missing() {
    let home = home_with("jfrog-cli.conf.v6", &encrypted_config(KEY));
    let e = pick(&env_for(home.path()), None).unwrap_err();
    assert!(matches!(e, ConfigError::JfrogNoKey { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("JFROG_CLI_ENCRYPTION_KEY")
            && msg.contains("security.yaml")
            && msg.contains("masterKey"),
        "{msg}"
    );
}

#[test]
fn encrypted_with_wrong_or_short_key() {
    let home = home_with("jfrog-cli.conf.v6", &encrypted_config(KEY));
    let env = env_for(home.path()).with(
        "JFROG_CLI_ENCRYPTION_KEY",
        "ffffffffffffffffffffffffffffffff",
    );
    let e = pick(&env, None).unwrap_err();
    assert!(matches!(e, ConfigError::JfrogDecrypt { .. }), "{e}");
    assert!(!e.to_string().contains(TOKEN));
    let env = env_for(home.path()).with("JFROG_CLI_ENCRYPTION_KEY", "short");
    let e = pick(&env, None).unwrap_err().to_string();
    assert!(e.contains("32") && e.contains("5"), "{e}");
}

#[test]
fn user_and_password_only_is_refused_clearly() {
    let text = plain(
        r#"{"url": "https://acme.jfrog.io/", "user": "alice", "password": "pw", "serverId": "acme", "isDefault": true}"#,
    );
    let home = home_with("jfrog-cli.conf.v6", &text);
    let e = pick(&env_for(home.path()), None).unwrap_err();
    assert!(matches!(e, ConfigError::JfrogNoAccessToken { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("acme") && msg.contains("password") && msg.contains("access token"),
        "{msg}"
    );
    assert!(!msg.contains("\"pw\""));
}
