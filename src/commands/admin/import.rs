//! `tokentab admin devices import --project P FILE [--dry-run] [--format csv|jsonl]`: many
//! devices at once, all rows or none. The server checks every row; a bad one is listed on
//! stderr with its line (`line 17: fleet: …`) and nothing is imported (exit 1).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use crate::api::Client;
use crate::api::admin::{ImportError, ImportFormat};
use crate::cli::admin::{ImportArgs, ImportFileFormat};
use crate::commands::report::Failure;
use crate::model::admin::{ChangeKind, ImportReport, ImportRowError};
use crate::model::counts::thousands;
use crate::model::device_import::{self, Format};

use super::devices::device_write_refused;
use super::{clean, print_json, print_text};

/// The server's limit on an import body.
pub const MAX_IMPORT_BYTES: u64 = 16 * 1024 * 1024;

/// The file's bytes and format, read before connecting.
pub(super) struct ImportInput {
    bytes: Vec<u8>,
    format: ImportFormat,
}

/// Reads FILE (`-`: standard input), at most [`MAX_IMPORT_BYTES`], and picks its format.
pub(super) fn read_input(args: &ImportArgs) -> Result<ImportInput, Failure> {
    let shown = args.file.display().to_string();
    let stdin = args.file.as_os_str() == "-";
    let reader: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(&args.file)
            .map_err(|e| Failure::Usage(format!("cannot read {shown}: {e}")))?;
        Box::new(f)
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Usage(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(Failure::Usage(format!(
            "{shown} is larger than 16 MiB, the most one import takes: split it"
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::Usage(format!(
            "{shown} is empty: nothing to import"
        )));
    }
    let format = match args.format {
        Some(ImportFileFormat::Csv) => ImportFormat::Csv,
        Some(ImportFileFormat::Jsonl) => ImportFormat::JsonLines,
        None => format_of((!stdin).then_some(args.file.as_path()), &bytes),
    };
    Ok(ImportInput { bytes, format })
}

/// From the extension (`.csv`, `.jsonl`, `.ndjson`), else JSON Lines when the first
/// non-blank character is `{`, else CSV.
fn format_of(path: Option<&Path>, bytes: &[u8]) -> ImportFormat {
    let ext = path
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => ImportFormat::Csv,
        Some("jsonl" | "ndjson") => ImportFormat::JsonLines,
        _ => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            match body.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{') => ImportFormat::JsonLines,
                _ => ImportFormat::Csv,
            }
        }
    }
}

pub(super) async fn run(
    c: &Client,
    args: &ImportArgs,
    input: ImportInput,
    json: bool,
) -> Result<ExitCode, Failure> {
    // A dry run's ids for rows without one are thrown away: those rows are shown by name.
    let generated = if args.dry_run && !json {
        rows_without_id(&input)
    } else {
        HashMap::new()
    };
    let answer = c
        .import_devices(&args.project, input.bytes, input.format, args.dry_run)
        .await;
    let report = match answer {
        Ok(r) => r,
        Err(ImportError::Api(e)) => return Err(device_write_refused(e)),
        Err(ImportError::BadRows { message, rows }) => {
            let head = super::strip_code(&message);
            let head = if head.trim().is_empty() {
                format!(
                    "{} bad rows; nothing was imported",
                    thousands(rows.len() as u64)
                )
            } else {
                head.to_owned()
            };
            let mut text = format!("tokentab: {}\n", clean(&head));
            for r in &rows {
                text.push_str(&row_line(r));
            }
            eprint!("{}", clean_lines(&text));
            return Ok(ExitCode::from(1));
        }
    };
    if json {
        return print_json(&report);
    }
    let mut text = String::new();
    if report.dry_run {
        for ch in &report.changes {
            let kind = match ch.kind {
                ChangeKind::Add => "add",
                ChangeKind::Update => "update",
            };
            let fields = if ch.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", ch.fields.join(", "))
            };
            let what = match generated.get(&ch.line) {
                Some(name) if ch.kind == ChangeKind::Add => format!("{name:?} (a new id)"),
                _ => ch.device_uuid.clone(),
            };
            text.push_str(&clean(&format!("line {}: {kind} {what}{fields}", ch.line)));
            text.push('\n');
        }
    }
    text.push_str(&summary(&report));
    print_text(&text)
}

/// `line 17: fleet: unknown fleet "x" in project "p"` (the field named once: the server's
/// message may start with it already).
fn row_line(r: &ImportRowError) -> String {
    match r.field.as_deref() {
        Some(f) if !r.message.starts_with(&format!("{f}:")) => {
            format!("line {}: {f}: {}\n", r.line, r.message)
        }
        _ => format!("line {}: {}\n", r.line, r.message),
    }
}

/// The file's rows without a device_uuid: line -> device name.
fn rows_without_id(input: &ImportInput) -> HashMap<u64, String> {
    let format = match input.format {
        ImportFormat::Csv => Format::Csv,
        ImportFormat::JsonLines => Format::Jsonl,
    };
    device_import::parse_all(&input.bytes, format)
        .0
        .into_iter()
        .filter(|r| r.device.device_uuid.is_none())
        .map(|r| (r.line, r.device.device_name))
        .collect()
}

/// Each line sanitised on its own (the newlines between them kept).
fn clean_lines(text: &str) -> String {
    text.lines().map(|l| format!("{}\n", clean(l))).collect()
}

/// `would add 9,997, update 3 (dry run)` / `added 9,997, updated 3`, with the unchanged rows
/// when there are some.
fn summary(r: &ImportReport) -> String {
    let (add, update, keep) = if r.dry_run {
        ("would add", "update", "leave")
    } else {
        ("added", "updated", "left")
    };
    let mut s = format!(
        "{add} {}, {update} {}",
        thousands(r.added),
        thousands(r.updated)
    );
    if r.unchanged > 0 {
        s.push_str(&format!(", {keep} {} unchanged", thousands(r.unchanged)));
    }
    if r.dry_run {
        s.push_str(" (dry run)");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extension_then_content() {
        let p = |s: &str| Some(Path::new(s).to_path_buf());
        let f = |path: Option<std::path::PathBuf>, b: &[u8]| format_of(path.as_deref(), b);
        assert_eq!(f(p("a.csv"), b"{"), ImportFormat::Csv);
        assert_eq!(f(p("a.JSONL"), b"x"), ImportFormat::JsonLines);
        assert_eq!(f(p("a.ndjson"), b"x"), ImportFormat::JsonLines);
        assert_eq!(f(p("a.txt"), b"\n  {\"a\":1}"), ImportFormat::JsonLines);
        assert_eq!(f(None, b"\xEF\xBB\xBF{"), ImportFormat::JsonLines);
        assert_eq!(f(None, b"device_name,fleet\n"), ImportFormat::Csv);
    }

    #[test]
    fn row_lines_name_the_field_once() {
        let r = |field: Option<&str>, message: &str| ImportRowError {
            line: 17,
            field: field.map(str::to_owned),
            message: message.into(),
        };
        assert_eq!(
            row_line(&r(Some("fleet"), "fleet: unknown fleet \"x\"")),
            "line 17: fleet: unknown fleet \"x\"\n"
        );
        assert_eq!(
            row_line(&r(Some("tags"), "too many")),
            "line 17: tags: too many\n"
        );
        assert_eq!(row_line(&r(None, "not CSV")), "line 17: not CSV\n");
    }

    #[test]
    fn summaries() {
        let mut r = ImportReport {
            project: "demo".into(),
            dry_run: true,
            rows: 10_000,
            added: 9_997,
            updated: 3,
            unchanged: 0,
            changes: vec![],
        };
        assert_eq!(summary(&r), "would add 9,997, update 3 (dry run)\n");
        r.dry_run = false;
        r.unchanged = 2;
        assert_eq!(summary(&r), "added 9,997, updated 3, left 2 unchanged\n");
    }
}
