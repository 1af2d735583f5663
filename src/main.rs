//! Composition root: parse the CLI, install hooks, dispatch.

use std::process::ExitCode;

use clap::Parser;
use tokentab::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        _ => {
            eprintln!("tokentab: not wired yet");
            ExitCode::from(2)
        }
    }
}
