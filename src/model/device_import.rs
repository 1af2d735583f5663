//! The device import file (`POST /api/v2/{project}/devices/import`, `tokentab admin devices
//! import FILE`): CSV (RFC 4180, header `device_uuid,device_name,fleet,tags,description` in any
//! order, `device_uuid`, `tags` and `description` optional, tags separated by `;`) or JSON
//! Lines (one `NewDevice` object a line, blank lines skipped). Pure: bytes in, rows or every
//! bad row (file line, field, reason) out. Line numbers are the file's: the CSV header is line
//! 1 and a quoted field spanning lines keeps the numbering. The checks of one device's fields
//! ([`check_device`], [`device_from_json`]) are the ones `POST …/devices` uses too.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::admin::{ImportRowError, NewDevice};
use super::entity::validate_name;
use super::sanitize::text_field_problem;

/// Most rows one import takes.
pub const MAX_ROWS: usize = 100_000;
pub const MAX_DEVICE_NAME: usize = 128;
pub const MAX_TAGS: usize = 100;
pub const MAX_TAG_LEN: usize = 64;
/// As a token description (`service::routes::token_create::MAX_DESCRIPTION`).
pub const MAX_DESCRIPTION: usize = 1024;

/// The columns (and JSON fields) of a row.
pub const COLUMNS: [&str; 5] = ["device_uuid", "device_name", "fleet", "tags", "description"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// The format a body is in: JSON Lines for `application/x-ndjson` / `application/jsonl`
    /// or when its first non-blank byte is `{`; CSV for `text/csv`, `text/plain`,
    /// `application/octet-stream` or no type. None for any other type.
    pub fn detect(media_type: Option<&str>, body: &[u8]) -> Option<Format> {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        match media_type {
            Some("application/x-ndjson" | "application/jsonl" | "application/x-jsonlines") => {
                Some(Format::Jsonl)
            }
            _ if first == Some(&b'{') => Some(Format::Jsonl),
            None | Some("text/csv" | "text/plain" | "application/octet-stream") => {
                Some(Format::Csv)
            }
            Some(_) => None,
        }
    }
}

/// One good row: its line in the file and the device it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    pub line: u64,
    pub device: NewDevice,
}

/// A bad field: which, and why (the message starts with the field's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl std::fmt::Display) -> FieldError {
    FieldError {
        field,
        message: format!("{field}: {message}"),
    }
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), FieldError> {
    text_field_problem(text, max).map_or(Ok(()), |why| Err(bad(field, why)))
}

/// The shape rules of one device: id (when given) and fleet as names in a scope item, a
/// printable name of 1–128 characters, at most 100 tags of 1–64 characters without spaces,
/// `;` or `,`, a description as long as a token's.
pub fn check_device(d: &NewDevice) -> Result<(), FieldError> {
    if let Some(id) = &d.device_uuid {
        validate_name("device id", id).map_err(|e| bad("device_uuid", e))?;
    }
    if d.device_name.trim().is_empty() {
        return Err(bad("device_name", "is empty"));
    }
    check_text("device_name", &d.device_name, MAX_DEVICE_NAME)?;
    validate_name("fleet name", &d.fleet).map_err(|e| bad("fleet", e))?;
    if d.tags.len() > MAX_TAGS {
        return Err(bad(
            "tags",
            format!("{} tags; at most {MAX_TAGS} per device", d.tags.len()),
        ));
    }
    for t in &d.tags {
        check_text("tags", t, MAX_TAG_LEN)?;
        if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c == ';' || c == ',') {
            return Err(bad(
                "tags",
                format!(
                    "\"{}\" is not valid: 1 to {MAX_TAG_LEN} characters without spaces, ';' or ','",
                    super::entity::shown(t)
                ),
            ));
        }
    }
    check_text("description", &d.description, MAX_DESCRIPTION)
}

fn string_field(map: &Map<String, Value>, key: &'static str) -> Result<Option<String>, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(key, "must be a string")),
    }
}

/// A device from a JSON object: unknown fields and wrong types refused by name, `device_name`
/// and `fleet` required. Shapes are checked by [`check_device`] after.
pub fn device_from_json(map: &Map<String, Value>) -> Result<NewDevice, FieldError> {
    if let Some(k) = map.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
        return Err(FieldError {
            field: "(unknown)",
            message: format!(
                "{}: unknown field; the fields are {}",
                super::entity::shown(k),
                COLUMNS.join(", ")
            ),
        });
    }
    let tags = match map.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("tags", "must be an array of strings"))?,
        Some(_) => return Err(bad("tags", "must be an array of strings")),
    };
    Ok(NewDevice {
        device_uuid: string_field(map, "device_uuid")?.filter(|s| !s.is_empty()),
        device_name: string_field(map, "device_name")?
            .ok_or_else(|| bad("device_name", "is required"))?,
        fleet: string_field(map, "fleet")?.ok_or_else(|| bad("fleet", "is required"))?,
        tags,
        description: string_field(map, "description")?.unwrap_or_default(),
    })
}

/// The rows of an import file, or every bad row in file order (nothing half-read).
pub fn parse(bytes: &[u8], format: Format) -> Result<Vec<ParsedRow>, Vec<ImportRowError>> {
    let (good, bad) = parse_all(bytes, format);
    if bad.is_empty() { Ok(good) } else { Err(bad) }
}

/// The good rows and the bad ones, both in file order: with bad rows, the good ones are still
/// worth checking against the database (unknown fleets), so one answer names every bad row.
/// A fault of the whole file (header, encoding, too many rows) leaves no good rows.
pub fn parse_all(bytes: &[u8], format: Format) -> (Vec<ParsedRow>, Vec<ImportRowError>) {
    match parse_rows(bytes, format) {
        Ok(found) => found,
        Err(fatal) => (Vec::new(), fatal),
    }
}

type Found = (Vec<ParsedRow>, Vec<ImportRowError>);

fn parse_rows(bytes: &[u8], format: Format) -> Result<Found, Vec<ImportRowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            return Err(vec![row_error(line, None, "is not UTF-8 text")]);
        }
    };
    let rows = match format {
        Format::Csv => csv_rows(text)?,
        Format::Jsonl => jsonl_rows(text),
    };
    let mut errors = Vec::new();
    let mut good = Vec::with_capacity(rows.len());
    let mut seen: HashMap<String, u64> = HashMap::new();
    if rows.len() > MAX_ROWS {
        let line = match &rows[MAX_ROWS] {
            Ok(r) => r.line,
            Err(e) => e.line,
        };
        return Err(vec![row_error(
            line,
            None,
            &format!("more than {MAX_ROWS} rows: split the file"),
        )]);
    }
    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Err(e) = check_device(&row.device) {
            errors.push(row_error(row.line, Some(e.field), &e.message));
            continue;
        }
        if let Some(id) = &row.device.device_uuid {
            if let Some(first) = seen.get(id) {
                errors.push(row_error(
                    row.line,
                    Some("device_uuid"),
                    &format!("device_uuid: \"{id}\" is also on line {first}"),
                ));
                continue;
            }
            seen.insert(id.clone(), row.line);
        }
        good.push(row);
    }
    Ok((good, errors))
}

fn row_error(line: u64, field: Option<&str>, message: &str) -> ImportRowError {
    ImportRowError {
        line,
        field: field.filter(|f| *f != "(unknown)").map(str::to_owned),
        message: message.to_owned(),
    }
}

fn jsonl_rows(text: &str) -> Vec<Result<ParsedRow, ImportRowError>> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let row = match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => device_from_json(&map)
                .map(|device| ParsedRow { line, device })
                .map_err(|e| row_error(line, Some(e.field), &e.message)),
            Ok(_) => Err(row_error(line, None, "each line must be a JSON object")),
            Err(e) => Err(row_error(line, None, &format!("invalid JSON: {e}"))),
        };
        out.push(row);
    }
    out
}

/// One CSV record: the line it starts on and its fields (None when a quote was misplaced).
struct Record {
    line: u64,
    fields: Result<Vec<String>, &'static str>,
}

/// RFC 4180 records with their starting lines; blank lines are skipped. LF or CRLF ends.
fn csv_records(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line: u64 = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut fault: Option<&'static str> = None;
        let mut quoted_field = false;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('\n') => {
                    line += 1;
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    quoted_field = false;
                }
                Some('"') if field.is_empty() && !quoted_field => {
                    quoted_field = true;
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        match c {
                            '"' if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            '"' => {
                                closed = true;
                                break;
                            }
                            '\n' => {
                                line += 1;
                                field.push('\n');
                            }
                            c => field.push(c),
                        }
                    }
                    if !closed {
                        fault.get_or_insert("a quoted field is not closed");
                    }
                }
                Some('"') => {
                    fault.get_or_insert(
                        "a quote inside a field: quote the whole field and double the quote (\"\")",
                    );
                }
                Some(c) => {
                    if quoted_field && !c.is_whitespace() {
                        fault.get_or_insert("text after a closing quote");
                    }
                    field.push(c);
                }
            }
        }
        let blank = fields.len() == 1 && fields[0].trim().is_empty() && !quoted_field;
        if !blank || fault.is_some() {
            out.push(Record {
                line: start,
                fields: fault.map_or(Ok(fields), Err),
            });
        }
    }
    out
}

type Rows = Vec<Result<ParsedRow, ImportRowError>>;

fn csv_rows(text: &str) -> Result<Rows, Vec<ImportRowError>> {
    let mut records = csv_records(text).into_iter();
    let Some(header) = records.next() else {
        return Err(vec![row_error(1, None, "the file is empty")]);
    };
    let header_line = header.line;
    let names = header
        .fields
        .map_err(|why| vec![row_error(header_line, None, why)])?;
    let mut columns: Vec<usize> = Vec::with_capacity(names.len());
    for name in &names {
        let name = name.trim().to_ascii_lowercase();
        let Some(i) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(vec![row_error(
                header_line,
                None,
                &format!(
                    "unknown column \"{}\": the columns are {}",
                    super::entity::shown(&name),
                    COLUMNS.join(",")
                ),
            )]);
        };
        if columns.contains(&i) {
            return Err(vec![row_error(
                header_line,
                None,
                &format!("column \"{name}\" appears twice"),
            )]);
        }
        columns.push(i);
    }
    for required in [1, 2] {
        if !columns.contains(&required) {
            return Err(vec![row_error(
                header_line,
                None,
                &format!(
                    "the header has no \"{}\" column (required: device_name,fleet)",
                    COLUMNS[required]
                ),
            )]);
        }
    }
    Ok(records
        .map(|r| {
            let fields = r.fields.map_err(|why| row_error(r.line, None, why))?;
            if fields.len() != columns.len() {
                return Err(row_error(
                    r.line,
                    None,
                    &format!("{} fields; the header has {}", fields.len(), columns.len()),
                ));
            }
            let mut d = NewDevice::default();
            for (value, col) in fields.into_iter().zip(&columns) {
                match col {
                    0 => d.device_uuid = Some(value.trim().to_owned()).filter(|v| !v.is_empty()),
                    1 => d.device_name = value.trim().to_owned(),
                    2 => d.fleet = value.trim().to_owned(),
                    3 => {
                        d.tags = value
                            .split(';')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_owned)
                            .collect()
                    }
                    _ => d.description = value,
                }
            }
            Ok(ParsedRow {
                line: r.line,
                device: d,
            })
        })
        .collect())
}

#[cfg(test)]
#[path = "device_import_tests.rs"]
mod tests;
