//! What a command reports besides its result: its [`Failure`] (message on stderr as
//! `tokentab: …`, and the exit code: 0 ok, 1 API or server error, 2 usage; a closed stdout is a
//! quiet 0) and JSON on stdout ([`write_json`]). Shared by `tokens`, `tokens audit` and `admin`.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::api::ApiError;
use crate::model::sanitize::sanitize_line;

use super::connect::ConnectError;

/// What went wrong, and which exit code it earns.
#[derive(Debug)]
pub(crate) enum Failure {
    Usage(String),
    Api(ApiError),
    Other(String),
    /// stdout was closed by its reader (`| head -1`): nothing more to say, exit 0.
    ClosedPipe,
}

impl Failure {
    pub(crate) fn report(&self) -> ExitCode {
        let (msg, code) = match self {
            Failure::Usage(m) => (m.clone(), 2),
            Failure::Api(e) => (e.user_message(), 1),
            Failure::Other(m) => (m.clone(), 1),
            Failure::ClosedPipe => return ExitCode::SUCCESS,
        };
        eprintln!("tokentab: {}", sanitize_line(&msg));
        ExitCode::from(code)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::InvalidArgument { message } => Failure::Usage(message),
            e => Failure::Api(e),
        }
    }
}

impl From<ConnectError> for Failure {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Usage(m) => Failure::Usage(m),
            ConnectError::Failed(m) => Failure::Other(m),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure::ClosedPipe;
        }
        Failure::Other(format!("cannot write the output: {e}"))
    }
}

/// `value` as JSON (indented when `pretty`), then a newline.
pub(crate) fn write_json(
    out: &mut impl Write,
    value: &impl Serialize,
    pretty: bool,
) -> Result<(), Failure> {
    let written = if pretty {
        serde_json::to_writer_pretty(&mut *out, value)
    } else {
        serde_json::to_writer(&mut *out, value)
    };
    written.map_err(|e| match e.io_error_kind() {
        Some(std::io::ErrorKind::BrokenPipe) => Failure::ClosedPipe,
        _ => Failure::Other(format!("cannot write JSON: {e}")),
    })?;
    writeln!(out)?;
    Ok(())
}
