//! The shape of the house, checked: no import cycle between the modules of `src/`, no file over
//! 800 lines, no function over 120 lines. A newcomer finds a node's whole behaviour in one file
//! only while these hold (docs/modules.md).
//!
//! The import graph is read from the source text: module A depends on module B when A names an
//! item of B through `crate::`, `super::` or `self::` (in a `use` line or inline), or through a
//! bare path to one of its own child modules. A child naming an item of its own ancestor is not
//! an edge: a parent and its children are one unit (Rust's privacy treats them so), and the
//! parent is where their shared types live (`nodes/mod.rs` holds the `Node` trait its children
//! implement). Test modules (`#[cfg(test)] mod tests { … }`) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/` (the CLI binaries aside) with the module path it defines.
fn modules() -> BTreeMap<Module, PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).expect("under src/").with_extension("");
            let mut parts: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if parts == ["lib"] || parts == ["main"] {
                parts.clear();
            } else if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The source without comments and without a trailing `#[cfg(test)] mod … { … }`.
fn code_of(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("a readable source file");
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    match code.find("#[cfg(test)]\nmod ").or_else(|| code.find("#[cfg(test)]\n    mod ")) {
        Some(i) => code[..i].to_string(),
        None => code,
    }
}

/// Paths like `crate::sim::engine::Time`, `super::msg::{Msg, Payload}`, `self::keys::X`, each
/// expanded over one level of braces.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start).map(|i| i + from) {
            from = i + start.len();
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':') {
                continue;
            }
            let end =
                code[i..].find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).map_or(code.len(), |e| e + i);
            let base: Vec<String> = code[i..end].split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
            if code[end..].starts_with('{') {
                let inner_end = code[end..].find('}').map_or(code.len(), |e| e + end);
                for item in code[end + 1..inner_end].split(',') {
                    let item = item.split(" as ").next().unwrap_or("").trim();
                    let mut p = base.clone();
                    p.extend(item.split("::").filter(|s| !s.is_empty() && *s != "self").map(str::to_string));
                    out.push(p);
                }
            } else {
                out.push(base);
            }
        }
    }
    out
}

/// The module a path names, from inside `here`: the longest prefix that is a module file.
fn resolve(here: &Module, path: &[String], mods: &BTreeMap<Module, PathBuf>) -> Option<Module> {
    let mut cur = here.clone();
    let mut rest = path;
    while let Some(seg) = rest.first() {
        match seg.as_str() {
            "crate" => cur.clear(),
            "super" => {
                cur.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = &rest[1..];
    }
    let full: Module = cur.iter().cloned().chain(rest.iter().cloned()).collect();
    (0..=full.len()).rev().map(|n| full[..n].to_vec()).find(|m| mods.contains_key(m))
}

/// The import edges between modules (see the file's doc for what counts).
fn edges(mods: &BTreeMap<Module, PathBuf>) -> BTreeSet<(Module, Module)> {
    let mut out = BTreeSet::new();
    for (here, path) in mods {
        let code = code_of(path);
        let mut targets: Vec<Module> = paths_in(&code).iter().filter_map(|p| resolve(here, p, mods)).collect();
        // Bare paths to a child module (`boxes::BrokerLayer`, `use app::App` in a parent).
        for child in mods.keys().filter(|k| k.len() == here.len() + 1 && k.starts_with(here)) {
            let name = format!("{}::", child.last().expect("a child has a name"));
            let named = code.match_indices(&name).any(|(i, _)| {
                i == 0 || !code.as_bytes()[i - 1].is_ascii_alphanumeric() && !b"_:".contains(&code.as_bytes()[i - 1])
            });
            if named {
                targets.push(child.clone());
            }
        }
        for t in targets {
            let ancestor = here.starts_with(&t);
            if !t.is_empty() && t != *here && !ancestor {
                out.insert((here.clone(), t));
            }
        }
    }
    out
}

/// A cycle reachable from `start`, if any (depth-first search with colours).
fn find_cycle(adj: &BTreeMap<Module, Vec<Module>>) -> Option<Vec<Module>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        Open,
        Done,
    }
    fn visit(
        v: &Module,
        adj: &BTreeMap<Module, Vec<Module>>,
        colour: &mut BTreeMap<Module, Colour>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        colour.insert(v.clone(), Colour::Open);
        stack.push(v.clone());
        for w in adj.get(v).into_iter().flatten() {
            match colour.get(w) {
                Some(Colour::Open) => {
                    let at = stack.iter().position(|m| m == w).expect("an open module is on the stack");
                    return Some(stack[at..].to_vec());
                }
                Some(Colour::Done) => {}
                None => {
                    if let Some(c) = visit(w, adj, colour, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        colour.insert(v.clone(), Colour::Done);
        None
    }
    let mut colour = BTreeMap::new();
    for v in adj.keys() {
        if !colour.contains_key(v) {
            if let Some(c) = visit(v, adj, &mut colour, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn name(m: &Module) -> String {
    std::iter::once("crate".to_string()).chain(m.iter().cloned()).collect::<Vec<_>>().join("::")
}

/// No two modules of `src/` import each other, directly or through others.
#[test]
fn no_import_cycle() {
    let mods = modules();
    let edges = edges(&mods);
    assert!(edges.len() > 100, "the import graph looks empty ({} edges): is the parser broken?", edges.len());
    let mut adj: BTreeMap<Module, Vec<Module>> = BTreeMap::new();
    for (a, b) in &edges {
        adj.entry(a.clone()).or_default().push(b.clone());
    }
    if let Some(cycle) = find_cycle(&adj) {
        let shown: Vec<String> = cycle.iter().map(name).collect();
        panic!("import cycle: {} -> {}", shown.join(" -> "), shown[0]);
    }
}

/// The checker above can fail: a made-up graph with a cycle is caught.
#[test]
fn a_cycle_is_caught() {
    let m = |s: &str| vec![s.to_string()];
    let mut adj = BTreeMap::new();
    adj.insert(m("a"), vec![m("b")]);
    adj.insert(m("b"), vec![m("c")]);
    adj.insert(m("c"), vec![m("a")]);
    assert_eq!(find_cycle(&adj).map(|c| c.len()), Some(3));
    adj.insert(m("c"), vec![]);
    assert_eq!(find_cycle(&adj), None);
}

/// No source file over 800 lines: a file is read whole by a newcomer.
#[test]
fn no_file_over_800_lines() {
    let long: Vec<String> = modules()
        .values()
        .filter_map(|p| {
            let n = fs::read_to_string(p).expect("readable").lines().count();
            (n > 800).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
}

/// No function over 120 lines (a `fn` line to the closing brace at its own indentation).
#[test]
fn no_function_over_120_lines() {
    let mut long = Vec::new();
    for path in modules().values() {
        let text = fs::read_to_string(path).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn ", "const fn ", "pub const fn "]
                .iter()
                .any(|p| trimmed.starts_with(p));
            if !is_fn || line.trim_end().ends_with(';') {
                continue;
            }
            let indent = &line[..line.len() - trimmed.len()];
            let close = format!("{indent}}}");
            let end = lines[i + 1..].iter().position(|l| l.starts_with(&close)).map_or(lines.len(), |e| e + i + 1);
            if end - i + 1 > 120 {
                long.push(format!("{}:{} ({} lines)", path.display(), i + 1, end - i + 1));
            }
        }
    }
    assert!(long.is_empty(), "functions over 120 lines: {long:?}");
}
