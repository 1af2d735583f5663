//! The thin loader: reads the real environment and files into [`Inputs`].

use std::path::PathBuf;

use super::error::ConfigError;
use super::{Env, Flags, Inputs, JfrogCliFiles, KNOWN_VARS, Resolved, Source, file, resolve};

/// `$TOKENTAB_CONFIG`, else `<config dir>/tokentab/config.toml` (`$XDG_CONFIG_HOME` on Linux).
pub fn config_path(env: &Env) -> Result<PathBuf, ConfigError> {
    config_path_with_source(env).map(|(p, _)| p)
}

fn config_path_with_source(env: &Env) -> Result<(PathBuf, Source), ConfigError> {
    if let Some(p) = env.get("TOKENTAB_CONFIG") {
        return Ok((PathBuf::from(p), Source::Env("TOKENTAB_CONFIG".into())));
    }
    let dir = dirs::config_dir().ok_or(ConfigError::NoConfigDir)?;
    Ok((dir.join("tokentab").join("config.toml"), Source::Default))
}

/// `<data dir>/tokentab`, where the embedded service keeps its database and admin token.
pub fn default_data_dir() -> Result<PathBuf, ConfigError> {
    dirs::data_dir()
        .map(|d| d.join("tokentab"))
        .ok_or(ConfigError::NoConfigDir)
}

/// `<state dir>/tokentab` (the data dir where the platform has no state dir), for the log file.
pub fn default_state_dir() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .map(|d| d.join("tokentab"))
}

/// Gathers the inputs from the process environment and the files.
pub fn load_inputs(flags: Flags) -> Result<Inputs, ConfigError> {
    let mut env = Env::from_process(KNOWN_VARS);
    let (config_path, path_source) = config_path_with_source(&env)?;
    let config_text = match std::fs::read_to_string(&config_path) {
        Ok(t) => Some(t),
        // A missing default file is normal; a missing file named by TOKENTAB_CONFIG is not.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && path_source == Source::Default => {
            None
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: config_path,
                source,
            });
        }
    };
    if let Some(text) = &config_text {
        // Profiles may name other variables for their tokens; errors surface in `resolve`.
        if let Ok(cfg) = file::parse(text, &config_path) {
            let extra: Vec<String> = cfg
                .profiles
                .values()
                .filter_map(|p| p.token_env.clone())
                .collect();
            for name in &extra {
                if let Ok(v) = std::env::var(name) {
                    env.set(name, &v);
                }
            }
        }
    }
    let home = dirs::home_dir();
    let jfrog = JfrogCliFiles::read(&env, home.as_deref())?;
    Ok(Inputs {
        flags,
        env,
        config_path,
        config_path_source: Some(path_source),
        config_text,
        jfrog,
        home,
        default_data_dir: default_data_dir()?,
    })
}

/// Loads and resolves the configuration for this process.
pub fn load(flags: Flags) -> Result<Resolved, ConfigError> {
    resolve(&load_inputs(flags)?)
}
