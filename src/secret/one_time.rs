//! The one-time secret: a freshly generated token, held only until the secret view closes.
//!
//! `OneTimeSecret` has no Debug, Display, Serialize or Clone. It is deserialized straight from the
//! create response into zeroizing memory, borrowed to draw and to copy, and wiped when dropped.
//!
//! What cannot be wiped from here (best effort, stated honestly): reqwest/hyper/rustls buffers that
//! carried the response, serde_json's scratch buffer (only used for escaped strings), ratatui's
//! cell buffers until the next full redraw, arboard's internal copy (replaced on clear), and
//! whatever the terminal, tmux or the system clipboard keep.

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

pub struct OneTimeSecret {
    value: Zeroizing<String>,
}

/// Longest token we accept (JFrog JWTs are ~1 KB; reference tokens 64 chars).
pub const MAX_SECRET_LEN: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the server returned an empty token")]
    Empty,
    #[error("the server returned a token longer than {MAX_SECRET_LEN} characters")]
    TooLong,
    #[error("the server returned a token with characters other than printable ASCII; refused")]
    NotPrintable,
}

impl OneTimeSecret {
    /// Takes ownership of `value` (the String's buffer is the one that will be wiped) and checks
    /// it is printable ASCII, so nothing hostile can reach a clipboard or a terminal.
    pub fn new(value: String) -> Result<Self, SecretError> {
        let value = Zeroizing::new(value);
        if value.is_empty() {
            return Err(SecretError::Empty);
        }
        if value.len() > MAX_SECRET_LEN {
            return Err(SecretError::TooLong);
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SecretError::NotPrintable);
        }
        Ok(OneTimeSecret { value })
    }

    /// Borrow the secret to draw or copy it. Keep the borrow short; never store the `&str`.
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// A non-secret fingerprint for display: first 4 and last 4 characters around an ellipsis,
    /// or nothing for short secrets.
    pub fn fingerprint(&self) -> String {
        let v = self.expose();
        if v.len() < 24 {
            return String::new();
        }
        format!("{}…{}", &v[..4], &v[v.len() - 4..])
    }

    /// SHA-256 of the secret, to recognise it later (clipboard clear) without keeping it.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.value.as_bytes()).into()
    }
}

impl<'de> Deserialize<'de> for OneTimeSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // serde_json hands an exact-capacity String for unescaped strings; it moves into the
        // zeroizing wrapper without reallocation.
        let s = String::deserialize(d)?;
        OneTimeSecret::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_printable() {
        assert!(OneTimeSecret::new("ab\u{1b}[2J".into()).is_err());
        assert!(OneTimeSecret::new("a b".into()).is_err());
        assert!(OneTimeSecret::new(String::new()).is_err());
        assert!(OneTimeSecret::new("é".into()).is_err());
        let s = OneTimeSecret::new("abcdefghijklmnopqrstuvwxyz".into()).unwrap();
        assert_eq!(s.fingerprint(), "abcd…wxyz");
        assert_eq!(s.expose().len(), 26);
    }

    #[test]
    fn deserializes_and_errors_do_not_echo_the_value() {
        #[derive(Deserialize)]
        struct R {
            access_token: OneTimeSecret,
        }
        let r: R = serde_json::from_str(r#"{"access_token":"tok_123"}"#).unwrap();
        assert_eq!(r.access_token.expose(), "tok_123");
        let err = serde_json::from_str::<R>("{\"access_token\":\"sec\\u001bret\"}")
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains("sec"), "{err}");
    }
}
