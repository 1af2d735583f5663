//! `--git`: the added lines of every commit of every ref (`git log --all -p -U0`), read through
//! the git CLI a line at a time, each candidate located as `<commit 12>:<file>:<line>`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use super::walk::Walked;

/// Searches the history of the repository at `repo`.
pub fn history(repo: &Path, out: &mut Walked) {
    let spawned = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "log",
            "--all",
            "-p",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--format=commit %H",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            out.problems
                .push(format!("{}: cannot run git: {e}", repo.display()));
            return;
        }
    };
    // stderr drained on a thread of its own: a full pipe would stop git mid-log.
    let stderr = child.stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut why = String::new();
            let _ = err.read_to_string(&mut why);
            why
        })
    });
    let read = match child.stdout.take() {
        Some(stdout) => search_log(BufReader::new(stdout), out),
        None => Ok(()),
    };
    let why = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    match (child.wait(), read) {
        (Ok(st), Ok(())) if st.success() => {}
        (_, Err(e)) => out
            .problems
            .push(format!("{}: reading git log: {e}", repo.display())),
        _ => out.problems.push(format!(
            "{}: git log failed: {}",
            repo.display(),
            why.lines().next().unwrap_or("")
        )),
    }
}

/// Walks `git log -p -U0` text: `commit <sha>`, `+++ b/<file>`, `@@ -a,b +c,d @@`, `+line`.
fn search_log(mut input: impl BufRead, out: &mut Walked) -> std::io::Result<()> {
    let mut commit = String::new();
    let mut file = String::new();
    let mut line_no = 0usize;
    let mut buf = Zeroizing::new(Vec::new());
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim_end_matches(['\n', '\r']);
        if let Some(sha) = line.strip_prefix("commit ") {
            commit = sha.chars().take(12).collect();
        } else if let Some(f) = line.strip_prefix("+++ ") {
            file = f.strip_prefix("b/").unwrap_or(f).to_owned();
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            line_no = hunk_start(hunk).unwrap_or(0);
        } else if let Some(added) = line.strip_prefix('+') {
            out.search_line(&format!("{commit}:{file}"), line_no, added);
            line_no += 1;
        }
    }
}

/// The new side's first line of a hunk header (`-a,b +c,d @@ …` → c).
fn hunk_start(hunk: &str) -> Option<usize> {
    let plus = hunk.split_whitespace().find(|w| w.starts_with('+'))?;
    plus[1..].split(',').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_are_located_in_their_commit_and_file() {
        let t = crate::model::token_format::encode(&[3; 32]);
        let log = format!(
            "commit 0123456789abcdef0123\n\ndiff --git a/x b/x\n--- a/x\n+++ b/conf/x.env\n\
             @@ -0,0 +7,2 @@\n+nothing\n+TOKEN={t}\ncommit fedcba\n--- a/y\n+++ /dev/null\n\
             @@ -1 +0,0 @@\n-TOKEN={t}\n"
        );
        let mut w = Walked::default();
        search_log(log.as_bytes(), &mut w).unwrap();
        assert_eq!(w.candidates.len(), 1);
        assert_eq!(w.candidates[0].location, "0123456789ab:conf/x.env:8");
    }
}
