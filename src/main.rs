//! Composition root: parse the CLI, install hooks, dispatch.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use tokentab::cli::{Cli, Command, CompletionShell};
use tokentab::commands::config::{config_command, flags, take_subcommand_client_flags};
use tokentab::commands::{launch, logging};
use tokentab::config;

fn main() -> ExitCode {
    // Keep secrets out of core dumps and away from same-user ptrace (issue 4). Checked from
    // outside by tests/it/no_leak/non_dumpable.rs.
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        // Before raw mode and before any output: a person (or a script's log) learns that the
        // protection the README promises is missing here, and the command still runs.
        eprintln!("tokentab: warning: could not mark the process non-dumpable: {e}");
    }
    let _ = color_eyre::install();
    let mut cli = Cli::parse();
    take_subcommand_client_flags(&mut cli);
    match &cli.command {
        Some(Command::Completions { shell }) => return completions(*shell),
        Some(Command::Man) => return man(),
        Some(Command::Config(cmd)) => {
            return match config_command(cmd, flags(&cli)) {
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
        (Some(Command::Tokens(cmd)), Some((cfg, _))) => {
            if let Err(e) = logging::to_stderr(cli.log_level.as_deref()) {
                eprintln!("tokentab: {e}");
                return ExitCode::from(2);
            }
            rt.block_on(tokentab::commands::tokens::run(cmd, &cfg))
        }
        (Some(Command::Admin(cmd)), Some((cfg, _))) => {
            if let Err(e) = logging::to_stderr(cli.log_level.as_deref()) {
                eprintln!("tokentab: {e}");
                return ExitCode::from(2);
            }
            rt.block_on(tokentab::commands::admin::run(cmd, &cfg))
        }
        (Some(Command::Scan(args)), Some((cfg, _))) => {
            if let Err(e) = logging::to_stderr(cli.log_level.as_deref()) {
                eprintln!("tokentab: {e}");
                return ExitCode::from(2);
            }
            rt.block_on(tokentab::commands::scan::run(args, &cfg))
        }
        (_, Some((cfg, inputs))) => rt.block_on(launch::run_tui(&cfg, inputs)),
        (_, None) => ExitCode::FAILURE,
    }
}

/// Flags > env > config file > JFrog CLI config > embedded service; the inputs stay for
/// switching servers inside the tab.
fn resolve(cli: &Cli) -> Result<(config::Resolved, config::Inputs), ExitCode> {
    config::load_inputs(flags(cli))
        .and_then(|inputs| Ok((config::resolve(&inputs)?, inputs)))
        .map_err(|e| {
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
