//! clap definitions of `tokentab scan` (issue 20), nothing else.

use std::path::PathBuf;

use clap::Args;

use super::ServerArgs;

/// `tokentab scan [PATH…|-]`.
#[derive(Debug, Args, Clone, Default)]
#[command(
    after_help = "Finds tokentab tokens in files, directories (recursively; .git \
    skipped) and stdin (-), then asks the server which are live, sending only their SHA-256 \
    (POST /tokentab/api/v1/tokens/lookup, admin token). New tokens (tkt_…) are found by their \
    checksum; old 43-character tokens only when the server knows them.\n\
    Prints file:line, status, token id, owner, description and at most the first 8 \
    characters of each live token (--all: revoked, expired, unknown and look-alikes too).\n\
    Exit: 0 no live token, 1 a live token found (or, when the server cannot say, a token \
    with a valid checksum), 2 usage, I/O, refused or failed lookup."
)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also walk the history of the git repository at each PATH (`git log --all -p`).
    #[arg(long)]
    pub git: bool,
    /// Revoke the live tokens found (asks on the terminal, or --yes).
    #[arg(long)]
    pub revoke: bool,
    /// With --revoke: do not ask.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also list what is not live: revoked, expired, unknown, and look-alikes whose checksum
    /// fails.
    #[arg(long)]
    pub all: bool,
    /// Do not ask any server: report tokens by their checksum alone.
    #[arg(long, conflicts_with = "revoke")]
    pub offline: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}
