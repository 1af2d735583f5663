//! OSC 52 "set clipboard" sequences, built in zeroizing memory.
//!
//! Plain: `ESC ] 52 ; c ; <base64> ESC \`. Under GNU screen (`$STY`) the OSC is wrapped in DCS
//! strings (`ESC P … ESC \`) that screen passes through to the outer terminal; screen limits the
//! length of one DCS string, so the base64 is cut into 76-byte chunks, each in its own DCS, and the
//! inner OSC ends with BEL (an `ESC \` would end the DCS instead).
//!
//! What cannot be wiped: once written, the bytes sit in the pty, in screen or tmux, in the
//! terminal emulator and in any session recorder. Only our own buffer is zeroized.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

const OSC52_START: &[u8] = b"\x1b]52;c;";
const ST: &[u8] = b"\x1b\\";
const DCS_START: &[u8] = b"\x1bP";
const BEL: u8 = 0x07;
/// Chunk size for screen's DCS strings (as vim-oscyank does).
pub const SCREEN_CHUNK: usize = 76;
/// Largest base64 payload we send: about the smallest limit among terminals that honour OSC 52
/// (hterm's 100 000 bytes; tmux 1 MiB, kitty 8 MB). Tokens are far smaller.
pub const MAX_B64_PAYLOAD: usize = 100_000;

/// The sequence that puts `data` on the terminal's clipboard, or `None` if it is too large.
pub fn set_sequence(data: &[u8], screen: bool) -> Option<Zeroizing<Vec<u8>>> {
    let b64_len = base64::encoded_len(data.len(), true)?;
    if b64_len > MAX_B64_PAYLOAD {
        return None;
    }
    // Exact-capacity buffers, so nothing is reallocated (and left unwiped) while filling them.
    let mut b64 = Zeroizing::new(vec![0u8; b64_len]);
    let written = STANDARD.encode_slice(data, &mut b64[..]).ok()?;
    b64.truncate(written);
    Some(wrap(&b64, screen))
}

/// The sequence that empties the terminal's clipboard (an empty, valid base64 payload). Blind:
/// the clipboard cannot be read back to check what it held.
pub fn clear_sequence(screen: bool) -> Vec<u8> {
    wrap(&[], screen).to_vec()
}

fn wrap(b64: &[u8], screen: bool) -> Zeroizing<Vec<u8>> {
    if !screen {
        let mut out = Zeroizing::new(Vec::with_capacity(OSC52_START.len() + b64.len() + ST.len()));
        out.extend_from_slice(OSC52_START);
        out.extend_from_slice(b64);
        out.extend_from_slice(ST);
        return out;
    }
    let chunks = b64.len().div_ceil(SCREEN_CHUNK).max(1);
    let cap = DCS_START.len()
        + OSC52_START.len()
        + b64.len()
        + (chunks - 1) * (ST.len() + DCS_START.len())
        + 1
        + ST.len();
    let mut out = Zeroizing::new(Vec::with_capacity(cap));
    out.extend_from_slice(DCS_START);
    out.extend_from_slice(OSC52_START);
    for (i, chunk) in b64.chunks(SCREEN_CHUNK).enumerate() {
        if i > 0 {
            out.extend_from_slice(ST);
            out.extend_from_slice(DCS_START);
        }
        out.extend_from_slice(chunk);
    }
    out.push(BEL);
    out.extend_from_slice(ST);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_screen_shapes() {
        assert_eq!(
            &set_sequence(b"hello", false).unwrap()[..],
            b"\x1b]52;c;aGVsbG8=\x1b\\"
        );
        assert_eq!(
            &set_sequence(b"hello", true).unwrap()[..],
            b"\x1bP\x1b]52;c;aGVsbG8=\x07\x1b\\"
        );
        assert_eq!(clear_sequence(false), b"\x1b]52;c;\x1b\\");
        assert_eq!(clear_sequence(true), b"\x1bP\x1b]52;c;\x07\x1b\\");
        assert!(set_sequence(&vec![b'a'; 80_000], false).is_none());
    }

    #[test]
    fn screen_chunks_are_76_bytes() {
        let data = vec![b'x'; 120]; // 160 base64 bytes: 76 + 76 + 8
        let seq = set_sequence(&data, true).unwrap();
        let b64 = STANDARD.encode(&data);
        let mut expected = b"\x1bP\x1b]52;c;".to_vec();
        expected.extend_from_slice(&b64.as_bytes()[..76]);
        expected.extend_from_slice(b"\x1b\\\x1bP");
        expected.extend_from_slice(&b64.as_bytes()[76..152]);
        expected.extend_from_slice(b"\x1b\\\x1bP");
        expected.extend_from_slice(&b64.as_bytes()[152..]);
        expected.extend_from_slice(b"\x07\x1b\\");
        assert_eq!(&seq[..], &expected[..]);
        assert_eq!(seq.capacity(), seq.len(), "no reallocation while building");
    }
}
