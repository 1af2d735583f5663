//! Candidates in files, directories and stdin: every line searched with
//! [`token_format::find_in_text`]. Directories are walked recursively (symbolic links not
//! followed, `.git` skipped: `--git` reads history through git itself).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::model::token_format::{self, Shape};

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
    /// Adds the candidates of `input`, read a line at a time (memory bounded by the longest
    /// line; each line wiped after use).
    pub fn search_reader(&mut self, prefix: &str, mut input: impl BufRead) -> std::io::Result<()> {
        let mut line = Zeroizing::new(Vec::new());
        let mut n = 0;
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            n += 1;
            self.search_line(prefix, n, &String::from_utf8_lossy(&line));
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
            out.files += 1;
            if let Err(e) = out.search_reader("-", std::io::stdin().lock()) {
                out.problems.push(format!("stdin: {e}"));
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
        let read = std::fs::File::open(path).and_then(|f| {
            out.files += 1;
            out.search_reader(
                &path.display().to_string(),
                std::io::BufReader::with_capacity(64 * 1024, f),
            )
        });
        if let Err(e) = read {
            out.problems.push(format!("{}: {e}", path.display()));
        }
    }
}
