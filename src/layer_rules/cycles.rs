//! The file-level import graph inside one layer folder, its strongly connected components
//! (Tarjan) and one shortest cycle through each, for the message.

use std::collections::{BTreeMap, BTreeSet};

use super::SourceFile;

/// File-level import graph inside one layer folder (`service`, `tui`): file -> files it imports,
/// leaving out a module's arrows into its own sub-modules.
pub(super) fn graph(files: &[SourceFile], top: &str) -> BTreeMap<String, BTreeSet<String>> {
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
pub(super) fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
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
pub(super) fn one_cycle(g: &BTreeMap<String, BTreeSet<String>>, comp: &[String]) -> String {
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
