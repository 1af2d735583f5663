//! `tokentab config path|show`, and the conversion of clap's flags into the config layer's own
//! plain [`Flags`] (config never sees clap).

use crate::cli::{Cli, ConfigCommand, ServerArgs, TuiArgs};
use crate::config::{
    self, ConfigError, Env, Flags, KNOWN_VARS, ServerFlags, TuiFlags, config_path,
};

/// The flags of this command line that bear on configuration.
pub fn flags(cli: &Cli) -> Flags {
    Flags {
        server: server_flags(&cli.server),
        tui: tui_flags(&cli.tui),
        log_level: cli.log_level.clone(),
    }
}

fn server_flags(a: &ServerArgs) -> ServerFlags {
    ServerFlags {
        url: a.url.clone(),
        token_file: a.token_file.clone(),
        profile: a.profile.clone(),
        server_id: a.server_id.clone(),
        cacert: a.cacert.clone(),
        insecure: a.insecure,
        readonly: a.readonly,
        data_dir: a.data_dir.clone(),
    }
}

fn tui_flags(a: &TuiArgs) -> TuiFlags {
    TuiFlags {
        no_mouse: a.no_mouse,
        clipboard: a.clipboard,
        clipboard_clear: a.clipboard_clear,
        mask_secret: a.mask_secret,
        no_color: a.no_color,
        glyphs: a.glyphs,
        refresh: a.refresh,
    }
}

/// `tokentab config path|show`: the text to print on stdout. `show` does not read the token.
pub fn config_command(cmd: &ConfigCommand, flags: Flags) -> Result<String, ConfigError> {
    match cmd {
        ConfigCommand::Path => {
            let env = Env::from_process(KNOWN_VARS);
            Ok(format!("{}\n", config_path(&env)?.display()))
        }
        ConfigCommand::Show => Ok(config::show(&config::load(flags)?)),
    }
}
