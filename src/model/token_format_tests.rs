use super::*;

#[test]
fn crc32_is_zlibs() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn base62_is_fixed_width_big_endian() {
    assert_eq!(base62_fixed(&[0; 32], BODY_LEN), "0".repeat(43));
    assert_eq!(base62_fixed(&[0, 0, 0, 61], CRC_LEN), "00000z");
    assert_eq!(base62_fixed(&[0, 0, 0, 62], CRC_LEN), "000010");
    assert_eq!(base62_fixed(&[0xFF; 4], CRC_LEN), "4gfFC3");
    // 2^256 - 1 still fits in 43 digits (the first is not a wrap-around).
    let max = base62_fixed(&[0xFF; 32], BODY_LEN);
    assert_eq!(max.len(), 43);
    assert!(max.as_bytes()[0] != b'0');
}

#[test]
fn encoded_tokens_check_and_one_changed_character_does_not() {
    let t = encode(&[7; 32]);
    assert_eq!(t.len(), TOKEN_LEN);
    assert_eq!(TOKEN_LEN, 53);
    assert!(t.starts_with("tkt_"));
    assert_eq!(shape(&t), Shape::Current);
    for i in PREFIX.len()..TOKEN_LEN {
        let mut b = t.clone().into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        let changed = String::from_utf8(b).unwrap();
        assert_eq!(shape(&changed), Shape::BadChecksum, "position {i}");
    }
    assert_eq!(shape(&t[..52]), Shape::Other);
    assert_eq!(shape(&format!("{t}0")), Shape::Other);
}

#[test]
fn legacy_secrets_keep_their_shape() {
    assert_eq!(shape(&"a".repeat(43)), Shape::Legacy);
    assert_eq!(shape(&"a".repeat(42)), Shape::Other);
    assert_eq!(shape(&format!("{}=", "a".repeat(42))), Shape::Other);
    assert!(is_well_formed(&"A-_9".repeat(11)[..43]));
    assert!(!is_well_formed("short"));
}

#[test]
fn text_search_finds_standalone_tokens_only() {
    let good = encode(&[1; 32]);
    let mut bad = good.clone().into_bytes();
    bad[10] = if bad[10] == b'x' { b'y' } else { b'x' };
    let bad = String::from_utf8(bad).unwrap();
    let legacy = "Zk3o0pQ7rS8tUv1wXy2zAb4cDe5fGh6iJk7lMn8oPqA";
    assert!(legacy_candidate(legacy));
    let text = format!(
        "TOKEN={good}\n\"{bad}\" x{good} {good}x\nold: {legacy}\nsha {}\nall lower {}\n",
        "0123456789abcdef0123456789abcdef01234567", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"
    );
    let found = find_in_text(&text);
    let shapes: Vec<(&str, Shape)> = found.iter().map(|f| (f.text, f.shape)).collect();
    assert_eq!(
        shapes,
        vec![
            (good.as_str(), Shape::Current),
            (bad.as_str(), Shape::BadChecksum),
            (legacy, Shape::Legacy),
        ]
    );
    assert_eq!(&text[found[0].at..found[0].at + TOKEN_LEN], good);
}

#[test]
fn legacy_noise_rules() {
    // The last character of 32 bytes in base64 carries 4 bits: `B` cannot end one.
    assert!(!legacy_candidate(
        "Zk3o0pQ7rS8tUv1wXy2zAb4cDe5fGh6iJk7lMn8oPqB"
    ));
    assert!(!legacy_candidate(&"Ab".repeat(22)[..43]));
}

#[test]
fn preview_is_at_most_eight_characters() {
    assert_eq!(preview("tkt_abcdefghij"), "tkt_abcd");
    assert_eq!(preview("short"), "short");
    assert_eq!(preview("ééééééééé"), "éééééééé");
}

#[test]
fn a_found_token_debugs_as_eight_characters() {
    let t = encode(&[5; 32]);
    let found = find_in_text(&t);
    let shown = format!("{found:?}");
    assert!(
        shown.contains(&t[..8]) && !shown.contains(&t[..9]),
        "{shown}"
    );
}

#[test]
fn random_bytes_round_trip() {
    for seed in [[0u8; 32], [0xFF; 32], [0x5a; 32]] {
        assert_eq!(random_bytes(&encode(&seed)), Some(seed));
    }
    assert_eq!(random_bytes(&"a".repeat(43)), None);
}
