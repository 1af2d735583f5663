//! Composition root: parse the CLI, install hooks, dispatch.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use tokentab::cli::{Cli, Command, CompletionShell, ServerArgs, TuiArgs};
use tokentab::commands::connect::{connect, create_private_dir, data_dir};
use tokentab::commands::logging;
use tokentab::tui::TuiOptions;

fn main() -> ExitCode {
    // Keep secrets out of core dumps and away from same-user ptrace (issue 4).
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let _ = color_eyre::install();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Completions { shell }) => return completions(shell),
        Some(Command::Man) => return man(),
        Some(Command::Config(_)) => {
            eprintln!("tokentab: config: not available yet");
            return ExitCode::from(2);
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
    match cli.command {
        Some(Command::Serve(args)) => {
            rt.block_on(tokentab::service::run_serve(args, cli.server.data_dir))
        }
        Some(Command::Tokens(cmd)) => {
            if let Err(e) = logging::to_stderr(cli.log_level.as_deref()) {
                eprintln!("tokentab: {e}");
                return ExitCode::from(2);
            }
            rt.block_on(tokentab::commands::tokens::run(cmd, &cli.server, &cli.tui))
        }
        _ => rt.block_on(run_tui(&cli.server, &cli.tui, cli.log_level.as_deref())),
    }
}

async fn run_tui(server: &ServerArgs, tui: &TuiArgs, log_level: Option<&str>) -> ExitCode {
    // The log file lives in the data dir; without one the TUI runs without a log.
    if let Ok(dir) = data_dir(server) {
        let logged = create_private_dir(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| logging::to_file(&dir, log_level));
        if let Err(e) = logged {
            eprintln!("tokentab: warning: {e}");
        }
    }
    let conn = match connect(server).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tokentab: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let opts = TuiOptions {
        client: conn.client.clone(),
        server_label: conn.label.clone(),
        embedded: conn.embedded.is_some(),
        profile: server.profile.clone(),
        mouse: !tui.no_mouse,
        readonly: server.readonly,
        clipboard_mode: tui.clipboard.unwrap_or_default(),
        clipboard_clear_secs: tui.clipboard_clear.unwrap_or(30),
        mask_secret: tui.mask_secret,
        no_color: tui.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    };
    let result = tokentab::tui::run(opts).await;
    conn.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokentab: {e:?}");
            ExitCode::FAILURE
        }
    }
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
