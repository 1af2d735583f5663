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
//!
//! The arrows (see [`forbidden`]): `service` (the store included) imports none of `tui`, `api`,
//! `config`, `commands`, `cli`; `config` none of `tui`, `service`, `commands`, `cli`; `model`
//! nothing of ours; `api` none of `tui`, `service`, `config`, `commands`, `cli`; `tui` none of
//! `service`, `commands`, `cli` (so only `main` and `commands/` import both `tui` and
//! `service`); `secret` none of `tui`, `service`, `api`, `config`, `commands`, `cli`; the store
//! not `service::routes` or `service::state`; only `cli.rs`, `main.rs` and `commands/` name
//! clap.

mod cycles;
mod parse;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cycles::{cycles, graph, one_cycle};
use parse::paths;

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
            found.push(format!(
                "import cycle of {} files in {top}/: {}",
                comp.len(),
                one_cycle(&g, &comp)
            ));
        }
    }
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}
