use super::*;

fn csv(text: &str) -> Result<Vec<ParsedRow>, Vec<ImportRowError>> {
    parse(text.as_bytes(), Format::Csv)
}

fn lines(errors: &[ImportRowError]) -> Vec<u64> {
    errors.iter().map(|e| e.line).collect()
}

#[test]
fn csv_rows_in_any_column_order_with_tags_and_quotes() {
    let rows = csv("fleet,device_name,tags,device_uuid,description\r\n\
         rpi,Pi one,arm64; prod,d-0001-0001,\"the first, \"\"best\"\" one\"\r\n\
         \n\
         rpi,Pi two,,,\n")
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(
        rows[0].device,
        NewDevice {
            device_uuid: Some("d-0001-0001".into()),
            device_name: "Pi one".into(),
            fleet: "rpi".into(),
            tags: vec!["arm64".into(), "prod".into()],
            description: "the first, \"best\" one".into(),
        }
    );
    assert_eq!(rows[1].line, 4, "the blank line counts");
    assert_eq!(rows[1].device.device_uuid, None);
    assert!(rows[1].device.tags.is_empty());
}

#[test]
fn a_quoted_field_spanning_lines_keeps_the_file_numbering() {
    let e = csv("device_name,fleet,description\n\"two\nlines\",rpi,x\nok,rpi bad,y\n").unwrap_err();
    assert_eq!(lines(&e), [2, 4]);
    assert_eq!(e[0].field.as_deref(), Some("device_name"));
    assert!(e[0].message.contains("U+000A"), "{e:?}");
    assert_eq!(e[1].field.as_deref(), Some("fleet"));
}

#[test]
fn header_rules() {
    for (text, says) in [
        ("", "empty"),
        (
            "device_name,fleet,colour\nx,y,z\n",
            "unknown column \"colour\"",
        ),
        ("device_name\nx\n", "no \"fleet\" column"),
        ("device_name,fleet,fleet\n", "twice"),
    ] {
        let e = csv(text).unwrap_err();
        assert_eq!(e.len(), 1, "{text:?}");
        assert_eq!(e[0].line, 1);
        assert!(e[0].message.contains(says), "{text:?}: {e:?}");
    }
}

#[test]
fn every_bad_row_is_reported_in_file_order() {
    let mut text = String::from("device_uuid,device_name,fleet,tags\n");
    for i in 2..=20 {
        let row = match i {
            3 => "d-1,,rpi,\n".to_owned(),
            5 => "d-5,five,rpi,a b\n".to_owned(),
            7 => "d-2,dup,rpi,\n".to_owned(),
            9 => "d-9,nine,rpi\n".to_owned(),
            11 => "d-11,\"bad\"quote,rpi,\n".to_owned(),
            13 => "d-13,\u{202e}evil,rpi,\n".to_owned(),
            _ => format!("d-{i},dev {i},rpi,t{i}\n"),
        };
        text.push_str(&row);
    }
    let e = csv(&text).unwrap_err();
    assert_eq!(lines(&e), [3, 5, 7, 9, 11, 13], "{e:#?}");
    assert!(e[2].message.contains("also on line 2"), "{e:?}");
    assert_eq!(e[2].field.as_deref(), Some("device_uuid"));
    assert_eq!(e[1].field.as_deref(), Some("tags"));
    assert!(e[3].message.contains("3 fields; the header has 4"));
    assert!(e[5].message.contains("U+202E"));
}

#[test]
fn an_unclosed_quote_is_reported_at_its_record() {
    let e = csv("device_name,fleet\nok,rpi\n\"open,rpi\nmore\n").unwrap_err();
    assert_eq!(lines(&e), [3]);
    assert!(e[0].message.contains("not closed"));
}

#[test]
fn bounds() {
    let many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let long = "n".repeat(129);
    let text = format!(
        "device_name,fleet,tags\n{long},rpi,\nok,rpi,{}\nok,{},\n",
        many.join(";"),
        "f".repeat(65)
    );
    let e = csv(&text).unwrap_err();
    assert_eq!(lines(&e), [2, 3, 4]);
    assert!(e[0].message.starts_with("device_name: is longer than 128"));
    assert!(e[1].message.starts_with("tags: 101 tags"));
    assert_eq!(e[2].field.as_deref(), Some("fleet"));
}

#[test]
fn too_many_rows() {
    let mut text = String::from("device_name,fleet\n");
    for _ in 0..=MAX_ROWS {
        text.push_str("x,rpi\n");
    }
    let e = csv(&text).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, MAX_ROWS as u64 + 2);
    assert!(e[0].message.contains("more than 100000 rows"));
}

#[test]
fn jsonl_rows_and_their_faults() {
    let text = "{\"device_name\":\"a\",\"fleet\":\"rpi\",\"tags\":[\"x\"]}\n\
                \r\n\
                {\"device_name\":\"b\",\"fleet\":\"rpi\",\"colour\":1}\n\
                [1]\n\
                {\"device_name\":\"c\",\"fleet\":\"rpi\",\"tags\":\"x\"}\n\
                {oops\n\
                {\"fleet\":\"rpi\"}\n\
                {\"device_uuid\":\"d-1\",\"device_name\":\"d\",\"fleet\":\"rpi\"}\n";
    let e = parse(text.as_bytes(), Format::Jsonl).unwrap_err();
    assert_eq!(lines(&e), [3, 4, 5, 6, 7], "{e:#?}");
    assert!(e[0].message.contains("colour: unknown field"));
    assert_eq!(e[2].field.as_deref(), Some("tags"));
    assert!(e[3].message.starts_with("invalid JSON"));
    assert!(e[4].message.contains("device_name: is required"));
    let ok = parse(
        b"\n{\"device_name\":\"a\",\"fleet\":\"rpi\"}\n",
        Format::Jsonl,
    )
    .unwrap();
    assert_eq!(ok[0].line, 2);
}

#[test]
fn formats_are_detected() {
    assert_eq!(Format::detect(Some("text/csv"), b"a,b"), Some(Format::Csv));
    assert_eq!(Format::detect(None, b"a,b"), Some(Format::Csv));
    assert_eq!(
        Format::detect(Some("application/x-ndjson"), b""),
        Some(Format::Jsonl)
    );
    assert_eq!(
        Format::detect(Some("application/json"), b" \n{\"a\":1}"),
        Some(Format::Jsonl)
    );
    assert_eq!(Format::detect(Some("application/json"), b"a,b"), None);
    assert_eq!(Format::detect(Some("image/png"), b"x"), None);
}

#[test]
fn not_utf8_names_its_line() {
    let e = csv_bytes(b"device_name,fleet\nok,rpi\n\xff,rpi\n");
    assert_eq!(lines(&e), [3]);
}

fn csv_bytes(b: &[u8]) -> Vec<ImportRowError> {
    parse(b, Format::Csv).unwrap_err()
}
