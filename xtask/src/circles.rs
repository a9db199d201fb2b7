//! The house rule "no import circles between files": reads every crate's sources, draws an edge
//! from a file to each file whose module it names (`crate::…`, `super::…`, `self::…`, in `use`
//! declarations and in code), and finds the circles. A submodule naming its parent is left out:
//! that is one module split into files (the parent re-exports the child, the child uses the
//! parent's types), not a circle. Tests of xtask run it over the workspace, so a new
//! circle fails `cargo xtask test` and is named, file by file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside its crate: `["config", "account"]`; the crate root is empty.
type ModPath = Vec<String>;

/// Knots known and being broken (issue 22), each named by a file it holds: tolerated and
/// printed, so that the test still fails on any other circle, and on this knot once it is
/// gone from the list. The core's configuration reaches the parts it configures (routing,
/// policy, history, time limits, the vendors' forms), and those reach back to it through the
/// vendor registry (which validates an `AccountConfig`) and routing's and history's own use of
/// the policy's and detector's types.
const KNOWN_KNOTS: &[&str] = &["crates/core/src/config/mod.rs"];

/// The source folders checked, relative to the workspace.
pub const SOURCE_ROOTS: [&str; 7] = [
    "crates/core/src",
    "crates/sim/src",
    "crates/args/src",
    "crates/cli/src",
    "crates/docgen/src",
    "src-tauri/src",
    "xtask/src",
];

/// A knot of files that reach each other through their imports.
#[derive(Debug, PartialEq, Eq)]
pub struct Knot {
    /// One shortest circle, from a file back to it.
    pub circle: Vec<PathBuf>,
    /// Every file of the knot (each is on some circle).
    pub files: Vec<PathBuf>,
}

/// The knots of one crate's sources under `src`.
pub fn circles_in(src: &Path) -> Result<Vec<Knot>, String> {
    let files = module_files(src)?;
    let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let named = edges.entry(module.clone()).or_default();
        for path in named_paths(&strip_comments(&text)) {
            let Some(absolute) = resolve(&files, module, &path) else {
                continue;
            };
            let Some(target) = longest_module(&files, &absolute) else {
                continue;
            };
            if !names_its_ancestor(module, &target) {
                named.insert(target);
            }
        }
    }
    Ok(strongly_connected(&edges)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| Knot {
            circle: circle_through(&edges, &group)
                .into_iter()
                .map(|m| files[&m].clone())
                .collect(),
            files: group.iter().map(|m| files[m].clone()).collect(),
        })
        .collect())
}

/// Every `.rs` file of the crate with its module path.
fn module_files(src: &Path) -> Result<BTreeMap<ModPath, PathBuf>, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src");
                files.insert(module_of(relative), path);
            }
        }
    }
    Ok(files)
}

/// `config/account.rs` → config::account; `config/mod.rs` → config; `lib.rs` → the root.
fn module_of(relative: &Path) -> ModPath {
    let mut parts: ModPath = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    let at_root = parts.is_empty();
    if !(stem == "mod" || (at_root && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_string());
    }
    parts
}

/// A submodule naming its parent (or the crate root) is the normal shape of one module split
/// into files (the parent declares and re-exports it): that edge is left out. The parent
/// naming its children stays, so a circle through a re-export is still found.
fn names_its_ancestor(module: &ModPath, target: &ModPath) -> bool {
    module.starts_with(target)
}

/// Source without comments (doc comments name paths that are not imports) and without string
/// literals' contents.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The paths `text` names: every `use` path (groups like `use crate::{a, b::{c, d}}` expanded;
/// other crates' and a child module's by its bare name too), and `crate::a::b`, `super::x`,
/// `self::y` in code.
fn named_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (i, _) in text.match_indices("use ") {
        let boundary = i == 0 || !is_ident(text[..i].chars().last().unwrap_or(' '));
        if !boundary {
            continue;
        }
        let Some(end) = text[i..].find(';') else {
            continue;
        };
        let tree = compact(&text[i + 4..i + end]);
        expand(&tree, &mut Vec::new(), &mut paths);
    }
    // Paths in code: `crate::clock::now_ms()`, `super::Day`.
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts = (i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != ':')
            && ["crate::", "super::", "self::"]
                .iter()
                .any(|p| bytes[i..].starts_with(&p.chars().collect::<Vec<_>>()));
        if starts {
            let mut j = i;
            while j < bytes.len() && (is_ident(bytes[j]) || bytes[j] == ':') {
                j += 1;
            }
            let path: String = bytes[i..j].iter().collect();
            paths.push(segments(&path));
            i = j;
        } else {
            i += 1;
        }
    }
    paths
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A `use` tree on one line, without spaces but the ones around `as`: `a::{b, c as d}` →
/// `a::{b,c as d}`.
fn compact(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = String::new();
    for (n, word) in words.iter().enumerate() {
        if n > 0 && (*word == "as" || words[n - 1] == "as") {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Expands a compacted `use` tree into its paths.
fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim_start_matches("::");
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree);
            let mut full = prefix.clone();
            full.extend(segments(path));
            out.push(full);
        }
        Some(open) => {
            let head = segments(&tree[..open]);
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let depth = prefix.len();
            prefix.extend(head);
            for part in split_top_level(inner) {
                if !part.is_empty() {
                    expand(part, prefix, out);
                }
            }
            prefix.truncate(depth);
        }
    }
}

/// Splits `a,b::{c,d},e` at the commas outside braces.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The absolute module path `path` names from `module`: `super` is the parent module whether
/// the file is `a/b.rs` or `a/b/mod.rs` (both are module a::b); a bare first name is a child
/// module when the crate has it, else another crate's (`None`).
fn resolve(
    files: &BTreeMap<ModPath, PathBuf>,
    module: &ModPath,
    path: &[String],
) -> Option<ModPath> {
    let first = path.first()?.as_str();
    let mut base: ModPath = match first {
        "crate" => Vec::new(),
        _ => module.clone(),
    };
    let rest = match first {
        "crate" => &path[1..],
        "super" | "self" => path,
        child => {
            let mut as_child = module.clone();
            as_child.push(child.to_string());
            if !files.contains_key(&as_child) {
                return None;
            }
            path
        }
    };
    let mut first = true;
    for seg in rest {
        match seg.as_str() {
            "self" if first => {}
            "super" => {
                base.pop()?;
            }
            "self" | "*" => break,
            other => base.push(other.to_string()),
        }
        first = false;
    }
    Some(base)
}

/// The file module that holds `path`: its longest prefix that is a module of the crate.
fn longest_module(files: &BTreeMap<ModPath, PathBuf>, path: &ModPath) -> Option<ModPath> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| files.contains_key(p))
}

/// Tarjan's strongly connected components.
fn strongly_connected(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        edges: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<ModPath, usize>,
        low: BTreeMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on_stack: BTreeSet<ModPath>,
        groups: Vec<Vec<ModPath>>,
    }
    fn visit(s: &mut State, v: &ModPath) {
        let n = s.index.len();
        s.index.insert(v.clone(), n);
        s.low.insert(v.clone(), n);
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v.clone(), low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v.clone(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = &w == v;
                group.push(w);
                if done {
                    break;
                }
            }
            s.groups.push(group);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.groups
}

/// One circle inside a strongly connected group, from its first module back to it (breadth
/// first: the shortest).
fn circle_through(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>, group: &[ModPath]) -> Vec<ModPath> {
    let members: BTreeSet<&ModPath> = group.iter().collect();
    let start = group.iter().min().expect("a group").clone();
    let mut came_from: BTreeMap<ModPath, ModPath> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    while let Some(v) = queue.pop_front() {
        for w in edges.get(&v).into_iter().flatten() {
            if !members.contains(w) {
                continue;
            }
            if *w == start {
                let mut circle = vec![v.clone()];
                while let Some(p) = came_from.get(circle.last().expect("non-empty")) {
                    circle.push(p.clone());
                }
                circle.reverse();
                circle.push(start);
                return circle;
            }
            if !came_from.contains_key(w) && *w != start {
                came_from.insert(w.clone(), v.clone());
                queue.push_back(w.clone());
            }
        }
    }
    group.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn a_circle_through_a_re_export_is_found_and_named_file_by_file() {
        let dir = tempfile_dir("circle");
        write(
            &dir,
            &[
                ("lib.rs", "pub mod config;\npub mod http;\n"),
                (
                    "config/mod.rs",
                    "mod account;\npub use account::Account;\nuse crate::http::TIMEOUT;\n",
                ),
                (
                    "config/account.rs",
                    "pub struct Account;\nuse super::super::http;\n",
                ),
                (
                    "http.rs",
                    "// crate::nothing here: a comment\nuse crate::{config::Account, x};\n",
                ),
            ],
        );
        let knots = circles_in(&dir).unwrap();
        assert_eq!(knots.len(), 1, "{knots:?}");
        let names: Vec<String> = knots[0]
            .circle
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(names.first(), names.last());
        assert!(names.contains(&"http.rs".to_string()), "{names:?}");
        assert!(
            names.contains(&"config/mod.rs".to_string())
                || names.contains(&"config/account.rs".to_string()),
            "{names:?}"
        );
    }

    #[test]
    fn a_module_and_its_children_naming_each_other_is_no_circle() {
        let dir = tempfile_dir("family");
        write(
            &dir,
            &[
                ("lib.rs", "pub mod policy;\npub use policy::Policy;\n"),
                (
                    "policy/mod.rs",
                    "mod day;\npub use day::Day;\npub struct Policy;\n",
                ),
                (
                    "policy/day.rs",
                    "use super::Policy;\nuse crate::Policy as P;\n",
                ),
            ],
        );
        assert_eq!(circles_in(&dir).unwrap(), Vec::new());
    }

    #[test]
    fn no_source_folder_of_the_workspace_has_an_import_circle() {
        let root = crate::workspace_root();
        let mut found = Vec::new();
        let name = |p: &PathBuf| p.strip_prefix(&root).unwrap_or(p).display().to_string();
        for src in SOURCE_ROOTS {
            for knot in circles_in(&root.join(src)).unwrap() {
                let circle: Vec<String> = knot.circle.iter().map(name).collect();
                let all: Vec<String> = knot.files.iter().map(name).collect();
                let mut line = circle.join(" -> ");
                if all.len() + 1 > circle.len() {
                    line.push_str(&format!(
                        "\n    (one circle of a knot of {} files: {})",
                        all.len(),
                        all.join(", ")
                    ));
                }
                if KNOWN_KNOTS
                    .iter()
                    .any(|known| all.iter().any(|f| f == known))
                {
                    println!("known import knot, being broken: {line}");
                } else {
                    found.push(line);
                }
            }
        }
        assert!(
            found.is_empty(),
            "import circles between files (break each: move the shared item down into a module \
             both can use):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn every_known_knot_still_exists() {
        let root = crate::workspace_root();
        let mut knotted = Vec::new();
        for src in SOURCE_ROOTS {
            for knot in circles_in(&root.join(src)).unwrap() {
                knotted.extend(knot.files);
            }
        }
        for known in KNOWN_KNOTS {
            assert!(
                knotted.contains(&root.join(known)),
                "{known} is in no import circle any more: take it off KNOWN_KNOTS"
            );
        }
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-circles-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
