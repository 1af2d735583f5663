//! `tokentab config path|show`, and the conversion of clap's flags into the config layer's own
//! plain [`Flags`] (config never sees clap).

use crate::cli::{Cli, Command, ConfigCommand, ServerArgs, TokensCommand, TuiArgs};
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
        accessible: a.accessible,
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
        ConfigCommand::Show { .. } => Ok(config::show(&config::load(flags)?)),
    }
}

/// Client flags given after a subcommand (`tokens list --url …`) win over the same flags given
/// before it; afterwards `cli.server` holds them all.
pub fn take_subcommand_client_flags(cli: &mut Cli) {
    if let Some(sub) = client_flags_of_subcommand(&mut cli.command) {
        overlay(&mut cli.server, sub);
    }
}

/// The client flags given after a subcommand, taken out of it.
fn client_flags_of_subcommand(command: &mut Option<Command>) -> Option<ServerArgs> {
    let taken = std::mem::take;
    match command.as_mut()? {
        Command::Tokens(TokensCommand::List(a)) => Some(taken(&mut a.server)),
        Command::Tokens(TokensCommand::Create(a)) => Some(taken(&mut a.server)),
        Command::Tokens(TokensCommand::Audit(a)) => Some(taken(&mut a.server)),
        Command::Tokens(TokensCommand::Revoke { server, .. }) => Some(taken(server)),
        Command::Tokens(TokensCommand::Rotate { server, .. }) => Some(taken(server)),
        Command::Config(ConfigCommand::Show { server }) => Some(taken(server)),
        Command::Admin(cmd) => Some(taken(&mut cmd.common_mut().server)),
        Command::Scan(a) => Some(taken(&mut a.server)),
        _ => None,
    }
}

/// Flags given after the subcommand win over the same flags given before it.
fn overlay(base: &mut ServerArgs, later: ServerArgs) {
    let ServerArgs {
        url,
        token_file,
        profile,
        server_id,
        cacert,
        insecure,
        readonly,
        data_dir,
    } = later;
    base.url = url.or(base.url.take());
    base.token_file = token_file.or(base.token_file.take());
    base.profile = profile.or(base.profile.take());
    base.server_id = server_id.or(base.server_id.take());
    base.cacert = cacert.or(base.cacert.take());
    base.insecure |= insecure;
    base.readonly |= readonly;
    base.data_dir = data_dir.or(base.data_dir.take());
}
