//! The commented default config in assets/ is valid and means what it says.

use std::path::{Path, PathBuf};

use tokentab::config::{
    Env, Flags, Inputs, JfrogCliFiles, ServerChoice, Source, TokenSourceKind, file, resolve,
};
use tokentab::model::settings::ClipboardMode;

fn asset() -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

#[test]
fn asset_parses_with_every_setting() {
    let (path, text) = asset();
    let cfg = file::parse(&text, &path).unwrap();
    assert_eq!(cfg.default_profile.as_deref(), Some("staging"));
    assert_eq!(cfg.clipboard, Some(ClipboardMode::Auto));
    assert_eq!(cfg.clipboard_clear, Some(30));
    assert_eq!(cfg.mouse, Some(true));
    assert_eq!(cfg.mask_secret, Some(false));
    assert_eq!(cfg.log_level.as_deref(), Some("info"));
    assert_eq!(cfg.use_jfrog_cli, Some(true));
    let prod = &cfg.profiles["production"];
    assert_eq!(prod.banner_color.as_deref(), Some("red"));
    assert_eq!(prod.readonly, Some(true));
    assert_eq!(
        prod.token_command.as_deref(),
        Some(&["pass".to_string(), "show".into(), "jfrog/prod".into()][..])
    );
    assert_eq!(
        cfg.profiles["staging"].token_env.as_deref(),
        Some("JFROG_STAGING_TOKEN")
    );
    // Every commented-out `key = value` line in the asset is valid too once uncommented.
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest.contains(" = ")
                    && !rest.contains("  ")
                    && !rest.starts_with(char::is_uppercase) =>
            {
                rest
            }
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let full = file::parse(&uncommented, &path).unwrap();
    assert!(full.keys.contains_key("new") && full.theme.contains_key("accent"));
    assert!(full.data_dir.is_some() && full.profiles["production"].cacert.is_some());
}

#[test]
fn asset_resolves_to_its_profiles() {
    let (path, text) = asset();
    let mut i = Inputs {
        flags: Flags::default(),
        env: Env::new().with("JFROG_STAGING_TOKEN", "t"),
        config_path: path,
        config_path_source: Some(Source::Default),
        config_text: Some(text),
        jfrog: JfrogCliFiles::default(),
        home: None,
        default_data_dir: PathBuf::from("/d"),
    };
    let r = resolve(&i).unwrap();
    assert_eq!(r.profile.as_deref(), Some("staging"));
    assert!(!r.readonly);
    i.flags.server.profile = Some("production".into());
    let r = resolve(&i).unwrap();
    assert!(r.readonly);
    assert_eq!(r.banner_color.as_deref(), Some("red"));
    let ServerChoice::Remote { url, token } = &r.server else {
        panic!("remote expected")
    };
    assert_eq!(url, "https://acme.jfrog.io");
    assert!(matches!(
        &token.kind,
        TokenSourceKind::Command {
            timeout_secs: 60,
            ..
        }
    ));
}
