//! The hand parser of the layer test: comments, strings and char literals blanked out, the rest
//! split into identifiers and punctuation, then `use` trees (nested `{…}` groups included) and
//! `crate::` / `super::` / `self::` paths read from that, each with the inline module it is
//! written in and its line.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// Comments, string and char literals blanked out (newlines kept, so lines still count).
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r' && !prev_ident && matches!(c.get(i + 1), Some('#') | Some('"')) {
            // A raw string r"…" / r#"…"#, or a raw identifier r#name (kept as `name`).
            let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                i += 1 + hashes;
                continue;
            }
            i += 2 + hashes;
            while i < c.len() {
                if c[i] == '"' && c[i + 1..].iter().take_while(|&&h| h == '#').count() >= hashes {
                    i += 1 + hashes;
                    break;
                }
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = code.chars().collect();
    let (mut out, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// Reads one use tree at `*i` into `(segments, line)` leaves under `prefix`.
fn use_tree(
    t: &[(Tok, usize)],
    i: &mut usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, usize)>,
) {
    let mut path = prefix.to_vec();
    let line = t.get(*i).map_or(0, |x| x.1);
    loop {
        match t.get(*i).map(|x| &x.0) {
            Some(Tok::Punct('{')) => {
                *i += 1;
                while !matches!(t.get(*i).map(|x| &x.0), Some(Tok::Punct('}')) | None) {
                    use_tree(t, i, &path, out);
                    if t.get(*i).map(|x| &x.0) == Some(&Tok::Punct(',')) {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            // `a::{self, b}`: `self` is `a` itself.
            Some(Tok::Ident(name)) if name == "self" && !path.is_empty() => *i += 1,
            Some(Tok::Ident(name)) => {
                path.push(name.clone());
                *i += 1;
            }
            Some(Tok::Punct('*')) => *i += 1,
            _ => break,
        }
        match t.get(*i).map(|x| &x.0) {
            Some(Tok::Ident(a)) if a == "as" => {
                *i += 2;
                break;
            }
            Some(Tok::Path) => *i += 1,
            _ => break,
        }
    }
    out.push((path, line));
}

/// The paths a file writes, each with the module scope it is written in.
pub(super) fn paths(src: &str, file_module: &[String]) -> Vec<(Vec<String>, Vec<String>, usize)> {
    let t = tokens(&strip(src));
    let mut found = Vec::new();
    // Inline `mod name {` blocks: (module path, brace depth inside it).
    let mut scopes: Vec<(Vec<String>, usize)> = vec![(file_module.to_vec(), 0)];
    let mut depth = 0;
    let mut i = 0;
    while i < t.len() {
        let scope = scopes.last().map(|s| s.0.clone()).unwrap_or_default();
        match &t[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if scopes.len() > 1 && scopes.last().is_some_and(|s| depth < s.1) {
                    scopes.pop();
                }
            }
            Tok::Ident(k) if k == "mod" => {
                if let (Some((Tok::Ident(name), _)), Some((Tok::Punct('{'), _))) =
                    (t.get(i + 1), t.get(i + 2))
                {
                    let mut inner = scope.clone();
                    inner.push(name.clone());
                    depth += 1;
                    scopes.push((inner, depth));
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(k) if k == "use" => {
                let mut leaves = Vec::new();
                i += 1;
                while i < t.len() && t[i].0 != Tok::Punct(';') {
                    let before = i;
                    use_tree(&t, &mut i, &[], &mut leaves);
                    if i == before {
                        i += 1;
                    }
                }
                found.extend(leaves.into_iter().map(|(p, l)| (p, scope.clone(), l)));
            }
            Tok::Ident(first) if t.get(i + 1).map(|x| &x.0) == Some(&Tok::Path) => {
                let starts_path = i == 0 || !matches!(t[i - 1].0, Tok::Path | Tok::Punct('$'));
                if starts_path {
                    let (line, mut p) = (t[i].1, vec![first.clone()]);
                    let mut j = i + 1;
                    while t.get(j).map(|x| &x.0) == Some(&Tok::Path) {
                        match t.get(j + 1).map(|x| &x.0) {
                            Some(Tok::Ident(n)) => p.push(n.clone()),
                            _ => break,
                        }
                        j += 2;
                    }
                    found.push((p, scope.clone(), line));
                    i = j;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// `src/a/b.rs` -> `["a", "b"]`; `mod.rs` and `lib.rs` name their directory.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_reads_groups_and_ignores_comments_and_strings() {
        let src = "use crate::{a::b, c::{d, e as f}};\n// use crate::x;\nlet s = \"crate::y::z\";\n\
                   fn g() { crate::h::i(); super::j::k() }\nmod tests { use super::*; }\n";
        let found: Vec<String> = paths(src, &["m".into(), "n".into()])
            .into_iter()
            .map(|(p, scope, line)| format!("{}@{}:{line}", p.join("::"), scope.join("::")))
            .collect();
        assert_eq!(
            found,
            [
                "crate::a::b@m::n:1",
                "crate::c::d@m::n:1",
                "crate::c::e@m::n:1",
                "crate::h::i@m::n:4",
                "super::j::k@m::n:4",
                "super@m::n::tests:5",
            ]
        );
    }
}
