//! Composition root: parse the CLI, install hooks, dispatch.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use tokentab::cli::{Cli, Command, CompletionShell, ConfigCommand, ServerArgs, TokensCommand};
use tokentab::commands::{launch, logging};
use tokentab::config::{self, Flags};

fn main() -> ExitCode {
    // Keep secrets out of core dumps and away from same-user ptrace (issue 4).
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let _ = color_eyre::install();
    let mut cli = Cli::parse();
    if let Some(sub) = client_flags_of_subcommand(&mut cli.command) {
        overlay(&mut cli.server, sub);
    }
    match &cli.command {
        Some(Command::Completions { shell }) => return completions(*shell),
        Some(Command::Man) => return man(),
        Some(Command::Config(cmd)) => {
            return match config::config_command(cmd, Flags::from(&cli)) {
                Ok(text) => {
                    let mut out = std::io::stdout().lock();
                    finish(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
                }
                Err(e) => {
                    eprintln!("tokentab: {e}");
                    ExitCode::from(2)
                }
            };
        }
        _ => {}
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokentab: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let resolved = match &cli.command {
        Some(Command::Serve(_)) => None,
        _ => match resolve(&cli) {
            Ok(cfg) => Some(cfg),
            Err(code) => return code,
        },
    };
    match (cli.command, resolved) {
        (Some(Command::Serve(args)), _) => rt.block_on(tokentab::commands::serve::run(
            args,
            cli.server.data_dir,
            cli.log_level.as_deref(),
        )),
        (Some(Command::Tokens(cmd)), Some(cfg)) => {
            if let Err(e) = logging::to_stderr(cli.log_level.as_deref()) {
                eprintln!("tokentab: {e}");
                return ExitCode::from(2);
            }
            rt.block_on(tokentab::commands::tokens::run(cmd, &cfg))
        }
        (_, Some(cfg)) => rt.block_on(launch::run_tui(&cfg)),
        (_, None) => ExitCode::FAILURE,
    }
}

/// The client flags given after a subcommand (`tokens list --url …`), taken out of it.
fn client_flags_of_subcommand(command: &mut Option<Command>) -> Option<ServerArgs> {
    let taken = std::mem::take;
    match command.as_mut()? {
        Command::Tokens(TokensCommand::List(a)) => Some(taken(&mut a.server)),
        Command::Tokens(TokensCommand::Create(a)) => Some(taken(&mut a.server)),
        Command::Tokens(TokensCommand::Revoke { server, .. }) => Some(taken(server)),
        Command::Config(ConfigCommand::Show { server }) => Some(taken(server)),
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

/// Flags > env > config file > JFrog CLI config > embedded service.
fn resolve(cli: &Cli) -> Result<config::Resolved, ExitCode> {
    config::load(Flags::from(cli)).map_err(|e| {
        eprintln!("tokentab: {e}");
        ExitCode::from(2)
    })
}

fn completions(shell: CompletionShell) -> ExitCode {
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    // Into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tokentab", &mut buf);
    let mut out = std::io::stdout().lock();
    finish(out.write_all(&buf).and_then(|()| out.flush()))
}

fn man() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let rendered = clap_mangen::Man::new(Cli::command()).render(&mut out);
    finish(rendered.and_then(|()| out.flush()))
}

fn finish(r: std::io::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokentab: cannot write: {e}");
            ExitCode::FAILURE
        }
    }
}
