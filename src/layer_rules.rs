//! The layer rules of DESIGN.md ("Layout"), enforced: this test reads every `.rs` file under
//! `src/`, finds the module each `use crate::…` / `use super::…` / inline `crate::x::y` path
//! names, and fails on a forbidden arrow or on a file-level import cycle inside `service/` or
//! `tui/`, naming the file, the line and the rule.
//!
//! It is a small hand parser, not a Rust parser: comments, strings and char literals are blanked
//! out, the rest is split into identifiers and punctuation, and `use` trees (nested `{…}` groups
//! included) and `crate::` / `super::` / `self::` paths are read from that. A path resolves to
//! the deepest module of ours it names (an item's module, not the item; re-exports are not
//! followed). Arrows from a module to its own sub-modules are the module tree, not imports, and
//! are left out of the cycle check; every other edge between two files counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One path found in a file: the module it resolves to and where it was written.
struct Import {
    line: usize,
    /// As written, e.g. `crate::tui::glyphs::GlyphSet`.
    text: String,
    /// The module of ours it names (`["tui", "glyphs"]`); None for another crate.
    target: Option<Vec<String>>,
    /// Another crate's name (`clap`) when it is not ours.
    external: Option<String>,
}

struct SourceFile {
    /// Relative to the crate, e.g. `src/config/resolve.rs`.
    name: String,
    /// `["config", "resolve"]`; `["<main>"]` for the binary's root.
    module: Vec<String>,
    imports: Vec<Import>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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
fn paths(src: &str, file_module: &[String]) -> Vec<(Vec<String>, Vec<String>, usize)> {
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
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .skip(1)
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.last().map(String::as_str) {
        Some("mod") | Some("lib") => {
            parts.pop();
        }
        Some("main") if parts.len() == 1 => parts = vec!["<main>".into()],
        _ => {}
    }
    parts
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every file under src/ with its resolved imports.
fn read_tree() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    rs_files(&root.join("src"), &mut found);
    found.sort();
    let mut files: Vec<(String, Vec<String>, String)> = Vec::new();
    for p in found {
        let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
        let src = std::fs::read_to_string(&p).unwrap_or_default();
        files.push((rel.to_string_lossy().into_owned(), module_of(&rel), src));
    }
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.1.clone()).collect();
    files
        .iter()
        .map(|(name, module, src)| {
            let imports = paths(src, module)
                .into_iter()
                .filter_map(|(segs, scope, line)| resolve(&segs, &scope, &modules, line))
                .collect();
            SourceFile {
                name: name.clone(),
                module: module.clone(),
                imports,
            }
        })
        .collect()
}

/// A written path -> the deepest module of ours it names, or the other crate's name.
fn resolve(
    segs: &[String],
    scope: &[String],
    modules: &BTreeSet<Vec<String>>,
    line: usize,
) -> Option<Import> {
    let text = segs.join("::");
    let in_main = scope.first().is_some_and(|s| s == "<main>");
    let (mut base, mut rest): (Vec<String>, &[String]) = match segs.first()?.as_str() {
        "crate" => (Vec::new(), &segs[1..]),
        "tokentab" if in_main => (Vec::new(), &segs[1..]),
        "self" => (scope.to_vec(), &segs[1..]),
        "super" => (scope.to_vec(), segs),
        first => {
            let mut child = scope.to_vec();
            child.push(first.to_string());
            if !modules.contains(&child) {
                // Another crate (or a local item); only clap's name matters here.
                return first.starts_with("clap").then(|| Import {
                    line,
                    text,
                    target: None,
                    external: Some(first.to_string()),
                });
            }
            (scope.to_vec(), segs)
        }
    };
    while rest.first().is_some_and(|s| s == "super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut target = base;
    for seg in rest {
        let mut deeper = target.clone();
        deeper.push(seg.clone());
        if !modules.contains(&deeper) {
            break;
        }
        target = deeper;
    }
    Some(Import {
        line,
        text,
        target: Some(target),
        external: None,
    })
}

/// The layer a module belongs to: its first segment (`service::store` for the store).
fn layer(module: &[String]) -> String {
    match module {
        [] => "lib".into(),
        [s, st, ..] if s == "service" && st == "store" => "service::store".into(),
        [first, ..] => first.clone(),
    }
}

/// What `from` may not import (DESIGN.md "Layout"), as (layer prefix, rule text).
fn forbidden(from: &str) -> &'static [&'static str] {
    match from {
        "service" | "service::store" => &["tui", "api", "config", "commands", "cli"],
        "config" => &["tui", "service", "commands", "cli"],
        "model" => &[
            "api", "cli", "commands", "config", "secret", "service", "tui", "lib",
        ],
        "api" => &["tui", "service", "config", "commands", "cli"],
        "tui" => &["service", "commands", "cli"],
        "secret" => &["tui", "service", "api", "config", "commands", "cli"],
        _ => &[],
    }
}

/// Every broken arrow, as `file:line: rule (the path)`.
fn violations(files: &[SourceFile]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let from = if f.module == ["<main>"] {
            "main".to_string()
        } else {
            layer(&f.module)
        };
        for imp in &f.imports {
            let say = |rule: String| format!("{}:{}: {rule} (use {})", f.name, imp.line, imp.text);
            if let Some(ext) = &imp.external {
                let clap_ok = from == "main" || from == "commands" || from == "cli";
                if ext.starts_with("clap") && !clap_ok {
                    out.push(say(format!(
                        "{from} must not use clap (only cli.rs, main.rs and commands/ know clap)"
                    )));
                }
                continue;
            }
            let Some(target) = &imp.target else { continue };
            let to = layer(target);
            let to_top = target.first().cloned().unwrap_or_else(|| "lib".into());
            if to_top == from || to == from {
                continue;
            }
            if forbidden(&from).contains(&to_top.as_str()) {
                out.push(say(format!("{from} must not import {to_top}")));
            } else if from == "service::store"
                && to == "service"
                && matches!(target.get(1).map(String::as_str), Some("routes" | "state"))
            {
                out.push(say(format!(
                    "the store must not import service::{}",
                    target[1]
                )));
            }
        }
    }
    out
}

/// File-level import graph inside one layer folder (`service`, `tui`): file -> files it imports,
/// leaving out a module's arrows into its own sub-modules.
fn graph(files: &[SourceFile], top: &str) -> BTreeMap<String, BTreeSet<String>> {
    let by_module: BTreeMap<&Vec<String>, &str> =
        files.iter().map(|f| (&f.module, f.name.as_str())).collect();
    let mut g = BTreeMap::new();
    for f in files
        .iter()
        .filter(|f| f.module.first().is_some_and(|m| m == top))
    {
        let edges: BTreeSet<String> = f
            .imports
            .iter()
            .filter_map(|i| i.target.as_ref())
            .filter(|t| t.first().is_some_and(|m| m == top) && !t.starts_with(&f.module))
            .filter_map(|t| by_module.get(t).map(|n| n.to_string()))
            .collect();
        g.insert(f.name.clone(), edges);
    }
    g
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct S<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, (usize, usize)>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut S<'a>, v: &'a str) {
        s.index.insert(v, (s.next, s.next));
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                let low = s.index[w.as_str()].1.min(s.index[v].1);
                s.index.entry(v).and_modify(|e| e.1 = low);
            } else if s.on.contains(w.as_str()) {
                let low = s.index[w.as_str()].0.min(s.index[v].1);
                s.index.entry(v).and_modify(|e| e.1 = low);
            }
        }
        if s.index[v].0 == s.index[v].1 {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = S {
        g,
        index: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// A shortest cycle through the component's first file: `a.rs → b.rs → a.rs`.
fn one_cycle(g: &BTreeMap<String, BTreeSet<String>>, comp: &[String]) -> String {
    let start = &comp[0];
    let mut prev: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in g.get(v).into_iter().flatten() {
            if w == start {
                let mut path = vec![start.clone(), v.clone()];
                let mut at = v;
                while let Some(p) = prev.get(at) {
                    path.push((*p).clone());
                    at = p;
                }
                path.reverse();
                path.push(start.clone());
                path.dedup();
                return path.join(" → ");
            }
            if comp.contains(w) && !prev.contains_key(w) && w != start {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    comp.join(", ")
}

/// The store (`service/store/`) is being rewritten by another change (issue 16, item 1) that is
/// told to leave no cycle; until it lands, a cycle wholly inside it is printed, not failed.
/// Remove this allowance when the rewrite is merged.
const STORE_REWRITE: &str = "src/service/store/";

#[test]
fn layers_import_one_way() {
    let files = read_tree();
    assert!(files.len() > 50, "the source tree was not found");
    let mut broken = violations(&files);
    broken.dedup();
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

#[test]
fn no_file_import_cycles_in_service_or_tui() {
    let files = read_tree();
    let mut found = Vec::new();
    for top in ["service", "tui"] {
        let g = graph(&files, top);
        for comp in cycles(&g) {
            if comp.iter().all(|f| f.starts_with(STORE_REWRITE)) {
                // Reported, not failed: see STORE_REWRITE.
                eprintln!("note: import cycle in the store: {}", comp.join(", "));
                continue;
            }
            found.push(format!(
                "import cycle of {} files in {top}/: {}",
                comp.len(),
                one_cycle(&g, &comp)
            ));
        }
    }
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

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
