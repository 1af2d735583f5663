//! Candidates in files, directories and stdin: every line searched with
//! [`token_format::find_in_text`]. Directories are walked recursively (symbolic links not
//! followed, `.git` skipped: `--git` reads history through git itself).

use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::model::token_format::{self, Shape};

/// Files larger than this are skipped (and said).
const MAX_FILE: u64 = 256 * 1024 * 1024;

/// One token-like string and where it was.
pub struct Candidate {
    /// `file:line`, `-:line` (stdin) or `commit:file:line` (history).
    pub location: String,
    pub secret: Zeroizing<String>,
    pub shape: Shape,
}

/// What a walk found, and what it could not read.
#[derive(Default)]
pub struct Walked {
    pub candidates: Vec<Candidate>,
    pub files: u64,
    pub problems: Vec<String>,
}

impl Walked {
    /// Adds the candidates in `text`, each located as `prefix:line`.
    pub fn search(&mut self, prefix: &str, text: &str) {
        for (n, line) in text.lines().enumerate() {
            self.search_line(prefix, n + 1, line);
        }
    }

    pub fn search_line(&mut self, prefix: &str, line_no: usize, line: &str) {
        for f in token_format::find_in_text(line) {
            self.candidates.push(Candidate {
                location: format!("{prefix}:{line_no}"),
                secret: Zeroizing::new(f.text.to_owned()),
                shape: f.shape,
            });
        }
    }
}

/// Scans `paths` (`-` is stdin).
pub fn walk(paths: &[PathBuf], out: &mut Walked) {
    for p in paths {
        if p.as_os_str() == "-" {
            let mut bytes = Zeroizing::new(Vec::new());
            match std::io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => {
                    out.files += 1;
                    out.search("-", &String::from_utf8_lossy(&bytes));
                }
                Err(e) => out.problems.push(format!("stdin: {e}")),
            }
        } else {
            visit(p, out, true);
        }
    }
}

fn visit(path: &Path, out: &mut Walked, named: bool) {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            out.problems.push(format!("{}: {e}", path.display()));
            return;
        }
    };
    // A link named on the command line is followed; one met in a walk is not.
    let meta = if meta.file_type().is_symlink() && named {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                out.problems.push(format!("{}: {e}", path.display()));
                return;
            }
        }
    } else {
        meta
    };
    if meta.is_dir() {
        if !named && path.file_name().is_some_and(|n| n == ".git") {
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(e) => e,
            Err(e) => {
                out.problems.push(format!("{}: {e}", path.display()));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        children.sort();
        for c in children {
            visit(&c, out, false);
        }
    } else if meta.is_file() {
        if meta.len() > MAX_FILE {
            out.problems.push(format!(
                "{}: larger than {} MiB, skipped",
                path.display(),
                MAX_FILE >> 20
            ));
            return;
        }
        match std::fs::read(path) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                out.files += 1;
                out.search(
                    &path.display().to_string(),
                    &String::from_utf8_lossy(&bytes),
                );
            }
            Err(e) => out.problems.push(format!("{}: {e}", path.display())),
        }
    }
}
