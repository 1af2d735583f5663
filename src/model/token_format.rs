//! The shape of a tokentab secret, shared by the service (generate, refuse early), `tokentab
//! scan` (find in text) and the scanner rules in `assets/scanners/`. No I/O.
//!
//! **Current format** (since issue 20), GitHub's idea: a fixed prefix, the secret, a checksum.
//!
//! ```text
//! tkt_ <43 base62: 32 CSPRNG bytes, big-endian, zero-padded> <6 base62: CRC32 of those 43 chars>
//! ```
//!
//! 53 ASCII characters, all `[A-Za-z0-9_]`, so a double click selects the whole token. The
//! base62 alphabet is `0-9A-Za-z` (digit value order); the CRC is CRC-32/ISO-HDLC (zlib's
//! `crc32`, IEEE polynomial) of the 43 body characters, written as a fixed-width 6-digit base62
//! number. A scanner can thus tell a real token from a look-alike offline: 1 look-alike in
//! 2^32 passes the check.
//!
//! **Legacy format** (before issue 20): 32 random bytes as URL-safe base64 without padding,
//! 43 characters. Still valid everywhere; recognised in text only under the strict rule of
//! [`legacy_candidate`].

/// Every new secret starts with this.
pub const PREFIX: &str = "tkt_";
/// Base62 digits of the 32 random bytes (62^43 > 2^256).
pub const BODY_LEN: usize = 43;
/// Base62 digits of the CRC32 (62^6 > 2^32).
pub const CRC_LEN: usize = 6;
/// The whole current-format token.
pub const TOKEN_LEN: usize = PREFIX.len() + BODY_LEN + CRC_LEN;
/// A legacy secret: 32 bytes as URL-safe base64, unpadded.
pub const LEGACY_LEN: usize = 43;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a string is, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `tkt_…` with a checksum that holds.
    Current,
    /// `tkt_` + 49 base62 characters whose checksum fails: mistyped, truncated or forged.
    BadChecksum,
    /// 43 URL-safe base64 characters: a token from before the prefix.
    Legacy,
    /// Anything else.
    Other,
}

/// The current-format token for 32 random bytes.
pub fn encode(random: &[u8; 32]) -> String {
    let mut out = String::with_capacity(TOKEN_LEN);
    out.push_str(PREFIX);
    let body = base62_fixed(random, BODY_LEN);
    out.push_str(&body);
    out.push_str(&checksum(&body));
    out
}

/// The 6-character checksum of a 43-character body.
pub fn checksum(body: &str) -> String {
    base62_fixed(&crc32(body.as_bytes()).to_be_bytes(), CRC_LEN)
}

/// What `s` is, as a whole string (a bearer secret).
pub fn shape(s: &str) -> Shape {
    if let Some(rest) = s.strip_prefix(PREFIX) {
        if rest.len() != BODY_LEN + CRC_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Shape::Other;
        }
        let (body, crc) = rest.split_at(BODY_LEN);
        return if checksum(body) == crc {
            Shape::Current
        } else {
            Shape::BadChecksum
        };
    }
    if s.len() == LEGACY_LEN && s.bytes().all(is_b64url) {
        Shape::Legacy
    } else {
        Shape::Other
    }
}

/// Whether `s` may be one of our secrets: current with a good checksum, or legacy.
pub fn is_well_formed(s: &str) -> bool {
    matches!(shape(s), Shape::Current | Shape::Legacy)
}

/// A token-like string found in text. Its `Debug` shows at most 8 characters of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// Byte offset in the text.
    pub at: usize,
    pub text: &'a str,
    /// [`Shape::Current`], [`Shape::BadChecksum`] or [`Shape::Legacy`].
    pub shape: Shape,
}

impl std::fmt::Debug for Found<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Found")
            .field("at", &self.at)
            .field("text", &format_args!("{}…", preview(self.text)))
            .field("shape", &self.shape)
            .finish()
    }
}

/// Every current-format token in `text` (checksum good or not, [`Found::shape`] says), and
/// every legacy candidate ([`legacy_candidate`]). Tokens must stand alone: the characters
/// either side may not be token characters (`[A-Za-z0-9_-]`).
pub fn find_in_text(text: &str) -> Vec<Found<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_b64url(bytes[i]) {
            i += 1;
            continue;
        }
        // A run of token characters: [i, end).
        let end = i + bytes[i..].iter().take_while(|b| is_b64url(**b)).count();
        let word = &text[i..end];
        if word.starts_with(PREFIX) && word.len() == TOKEN_LEN {
            if let s @ (Shape::Current | Shape::BadChecksum) = shape(word) {
                out.push(Found {
                    at: i,
                    text: word,
                    shape: s,
                });
            }
        } else if legacy_candidate(word) {
            out.push(Found {
                at: i,
                text: word,
                shape: Shape::Legacy,
            });
        }
        i = end;
    }
    out
}

/// Whether a standalone 43-character word is "clearly" a legacy token, to keep noise down:
/// all URL-safe base64; its last character one of the 16 that 32 bytes can end with (the
/// last character carries 4 bits and two zero bits); at least one digit, one upper- and
/// one lower-case letter (a random one lacks one of these about once in 1,400). Such a
/// candidate is still only *reported* when the server knows it (`tokentab scan`).
pub fn legacy_candidate(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == LEGACY_LEN
        && b.iter().all(|c| is_b64url(*c))
        && b"AEIMQUYcgkosw048".contains(&b[LEGACY_LEN - 1])
        && b.iter().any(u8::is_ascii_digit)
        && b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
}

/// The 32 random bytes behind a current-format token (checksum holding); None otherwise.
pub fn random_bytes(token: &str) -> Option<[u8; 32]> {
    if shape(token) != Shape::Current {
        return None;
    }
    let body = &token.as_bytes()[PREFIX.len()..PREFIX.len() + BODY_LEN];
    // Big-endian base62 to 256 bits: multiply-accumulate over 32 bytes.
    let mut out = [0u8; 32];
    for &c in body {
        let mut carry = ALPHABET.iter().position(|a| *a == c)? as u32;
        for byte in out.iter_mut().rev() {
            let cur = u32::from(*byte) * 62 + carry;
            *byte = (cur & 0xFF) as u8;
            carry = cur >> 8;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(out)
}

/// At most the first 8 characters of a secret, for display: never more.
pub fn preview(secret: &str) -> &str {
    let end = secret
        .char_indices()
        .nth(8)
        .map_or(secret.len(), |(i, _)| i);
    &secret[..end]
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `bytes` as a big-endian number in base62, left-padded with `0` to `width` digits.
fn base62_fixed(bytes: &[u8], width: usize) -> String {
    let mut num: Vec<u8> = bytes.to_vec();
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        let mut rem: u32 = 0;
        for byte in num.iter_mut() {
            let cur = (rem << 8) | u32::from(*byte);
            *byte = (cur / 62) as u8;
            rem = cur % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    String::from_utf8(digits).unwrap_or_default()
}

/// CRC-32/ISO-HDLC (zlib, PNG, Ethernet).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
#[path = "token_format_tests.rs"]
mod tests;
