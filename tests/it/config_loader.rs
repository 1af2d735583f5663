//! The loader with the real process environment and files. In a process of its own
//! (`own_process`): it sets process environment variables.

use std::os::unix::fs::PermissionsExt;

use secrecy::ExposeSecret;

use crate::common::own_process::{own_process, remove_env, set_env};
use tokentab::cli::ConfigCommand;
use tokentab::commands::config::config_command;
use tokentab::config::{ConfigError, Env, Flags, ServerChoice, Source, config_path, load};

#[test]
fn load_reads_env_config_file_and_jfrog_home() {
    own_process(
        module_path!(),
        "load_reads_env_config_file_and_jfrog_home",
        || {
            let dir = tempfile::tempdir().unwrap();
            let cfg = dir.path().join("custom.toml");
            let jf_home = dir.path().join("jf");
            std::fs::create_dir(&jf_home).unwrap();
            std::fs::write(
            jf_home.join("jfrog-cli.conf.v4"),
            r#"{"servers":[{"url":"https://jf.example.com/","accessToken":"jf-tok","serverId":"jf","isDefault":true}]}"#,
        )
        .unwrap();
            std::fs::write(
            &cfg,
            "[profiles.work]\nurl = \"https://work.example.com\"\ntoken_env = \"TT_LOADER_WORK_TOKEN\"\n",
        )
        .unwrap();
            std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
            for v in tokentab::config::KNOWN_VARS {
                if v != "HOME" && v != "XDG_CONFIG_HOME" {
                    remove_env(v);
                }
            }
            set_env("TOKENTAB_CONFIG", &cfg);
            set_env("JFROG_CLI_HOME_DIR", &jf_home);
            set_env("TT_LOADER_WORK_TOKEN", "work-tok");

            assert_eq!(
                config_path(&Env::from_process(["TOKENTAB_CONFIG"])).unwrap(),
                cfg
            );

            // No profile chosen: the JFrog CLI default server (legacy .v4 file).
            let r = load(Flags::default()).unwrap();
            assert_eq!(
                r.source_of("config_path"),
                &Source::Env("TOKENTAB_CONFIG".into())
            );
            let ServerChoice::Remote { url, token } = &r.server else {
                panic!("{r:?}")
            };
            assert_eq!(url, "https://jf.example.com");
            assert_eq!(
                token.obtain_with(url, false).unwrap().expose_secret(),
                "jf-tok"
            );

            // The profile's token variable is picked up from the process environment.
            let mut flags = Flags::default();
            flags.server.profile = Some("work".into());
            let r = load(flags).unwrap();
            let ServerChoice::Remote { url, token } = &r.server else {
                panic!("{r:?}")
            };
            assert_eq!(url, "https://work.example.com");
            assert_eq!(
                token.obtain_with(url, false).unwrap().expose_secret(),
                "work-tok"
            );

            // `config path` and `config show` as the CLI prints them; show names sources, not tokens.
            let path = config_command(&ConfigCommand::Path, Flags::default()).unwrap();
            assert_eq!(path, format!("{}\n", cfg.display()));
            let shown = config_command(
                &ConfigCommand::Show {
                    server: Default::default(),
                },
                Flags::default(),
            )
            .unwrap();
            assert!(
                shown.contains("https://jf.example.com") && shown.contains("JFrog CLI server 'jf'"),
                "{shown}"
            );
            assert!(!shown.contains("jf-tok"), "{shown}");
            let mut flags = Flags::default();
            flags.server.profile = Some("work".into());
            let shown = config_command(
                &ConfigCommand::Show {
                    server: Default::default(),
                },
                flags,
            )
            .unwrap();
            assert!(shown.contains("from TT_LOADER_WORK_TOKEN (set)"), "{shown}");
            assert!(!shown.contains("work-tok"), "{shown}");

            // A config file named by TOKENTAB_CONFIG must exist.
            set_env("TOKENTAB_CONFIG", dir.path().join("nope.toml"));
            let e = load(Flags::default()).unwrap_err();
            assert!(matches!(e, ConfigError::Read { .. }), "{e}");
            assert!(e.to_string().contains("nope.toml"));
        },
    );
}
