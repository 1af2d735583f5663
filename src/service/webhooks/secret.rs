//! `--webhook-secret-file`: the HMAC key, read from a file only its owner can read (a key in
//! argv would be in every `ps` listing). Never printed: no `Debug` shows it.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

/// Fewer bytes than this are refused: `openssl rand -hex 32` makes a good one.
pub const MIN_SECRET: usize = 16;

/// The webhook key.
pub struct WebhookSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

impl WebhookSecret {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// A key given in code (tests, the embedded service never has one).
    pub fn from_bytes(b: &[u8]) -> WebhookSecret {
        WebhookSecret(Zeroizing::new(b.to_vec()))
    }

    /// Reads `path`: refused when group or others may read it, when empty or shorter than
    /// [`MIN_SECRET`] bytes. One trailing newline (`echo` adds one) is not part of the key.
    pub fn read(path: &Path) -> Result<WebhookSecret, String> {
        let shown = path.display();
        let mut f = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // On the open handle: the file cannot be swapped between check and read.
            let mode = f
                .metadata()
                .map_err(|e| format!("cannot read {shown}: {e}"))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(format!(
                    "{shown} can be read by others (mode {:o}): it holds the webhook secret. \
                     Run `chmod 600 {shown}`",
                    mode & 0o777
                ));
            }
        }
        let mut buf = Zeroizing::new(Vec::new());
        f.read_to_end(&mut buf)
            .map_err(|e| format!("cannot read {shown}: {e}"))?;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        if buf.len() < MIN_SECRET {
            return Err(format!(
                "{shown}: the webhook secret must be at least {MIN_SECRET} bytes \
                 (make one with `openssl rand -hex 32`)"
            ));
        }
        Ok(WebhookSecret(buf))
    }
}
