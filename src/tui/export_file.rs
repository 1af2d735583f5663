//! Writing a CSV export (runs on a blocking thread, never on the UI task). An existing file is
//! left alone unless `overwrite`: the check is the open itself (`create_new`), so nothing can
//! slip in between a check and the write.

use std::fs::OpenOptions;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::model::Token;
use crate::model::csv::write_tokens;

use super::msg::{ExportError, Exported};

pub fn write_csv_file(
    path: &str,
    tokens: &[Token],
    now: DateTime<Utc>,
    overwrite: bool,
) -> Result<Exported, ExportError> {
    let mut open = OpenOptions::new();
    open.write(true);
    if overwrite {
        open.create(true).truncate(true);
    } else {
        open.create_new(true);
    }
    let file = open.open(path).map_err(|e| match e.kind() {
        ErrorKind::AlreadyExists => ExportError::Exists,
        _ => ExportError::Failed(format!("{path}: {e}")),
    })?;
    let mut w = BufWriter::new(file);
    let rows = write_tokens(&mut w, tokens, now)
        .and_then(|n| w.flush().map(|()| n))
        .map_err(|e| ExportError::Failed(format!("{path}: {e}")))?;
    let shown = std::fs::canonicalize(Path::new(path))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_owned());
    Ok(Exported { rows, path: shown })
}
