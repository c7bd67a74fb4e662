//! The import graph of the workspace's files, for tidy's `no_circle_of_imports`:
//! which file of a crate names which other file of the same crate, read from
//! the text (std only; no tool of this machine is needed).
//!
//! A file's module path comes from its place (`src/a/b.rs` and `src/a/b/mod.rs`
//! are `crate::a::b`; `lib.rs`/`main.rs` are `crate`). Its edges are the paths
//! `crate::…`, `super::…` and `self::…` it spells in `use` items and in
//! expressions, after comments, string and char literals and `#[cfg(test)]
//! mod … { … }` blocks are blanked out. Each path goes to the file that
//! defines its longest prefix. A crate root's `pub use` is the crate's face,
//! not an edge: a path through it (`crate::Ctx`) goes on to the file the name
//! is re-exported from; after `use crate::env;`, `env::x` is a path into
//! env.rs too. `$crate::` paths are not edges (a macro expands in its
//! caller), nor are paths between crates (cargo refuses those cycles itself).

use std::collections::{BTreeMap, BTreeSet};

/// One Rust file: its path relative to the workspace root (with `/`) and its text.
pub struct Source {
    pub path: String,
    pub text: String,
}

/// Files and the names each one takes from another file of its crate.
pub struct Graph {
    pub files: Vec<String>,
    /// (from, to) indexes into `files` -> the names `from` takes from `to`.
    pub edges: BTreeMap<(usize, usize), BTreeSet<String>>,
}

/// (crate directory, module path) of a library/binary source file; None for
/// a file outside any `src/`, or under `src/bin/` (each of those is a crate
/// root of its own, whose `crate::` is the binary).
fn module_of(path: &str) -> Option<(String, Vec<String>)> {
    let (krate, rel) = match path.strip_prefix("src/") {
        Some(rel) => ("", rel),
        None => path.split_once("/src/")?,
    };
    if rel.starts_with("bin/") {
        return None;
    }
    let rel = rel.strip_suffix(".rs")?;
    let mut segs: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if segs == ["lib"] || segs == ["main"] {
        segs.clear();
    } else if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    Some((krate.to_owned(), segs))
}

/// The code of a file with comments, string and char literals blanked out
/// (newlines kept, so a position still has its line), and the names of the
/// `#[cfg(test)]` child modules it declares, inline (blanked too) or in files.
pub fn strip(text: &str) -> (String, Vec<String>) {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(i + k).copied().unwrap_or('\0');
        if at(0) == '/' && at(1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if at(0) == '/' && at(1) == '*' {
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
        } else if let Some(hashes) = raw_string_start(&c, i) {
            // r"…", r#"…"#, br"…": no escapes; ends at a quote and as many #.
            i += hashes.1;
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes.0))
                .collect();
            while i < c.len() && !c[i..].starts_with(&close) {
                blank(&mut out, c[i]);
                i += 1;
            }
            i += close.len();
            out.push(' ');
        } else if at(0) == '"' || (at(0) == 'b' && at(1) == '"' && !ident_char(prev(&c, i))) {
            i += if at(0) == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if at(0) == '\'' && (at(1) == '\\' || at(2) == '\'') {
            // A char literal ('x', '\n', '\''); a lifetime ('a) has no closing quote.
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    strip_test_modules(&out)
}

fn prev(c: &[char], i: usize) -> char {
    if i == 0 { ' ' } else { c[i - 1] }
}

fn ident_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// At a raw string's start: (number of #, length of the opening `r#…"`).
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    if ident_char(prev(c, i)) {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|ch| **ch == '#').count();
    j += hashes;
    (c.get(j) == Some(&'"')).then_some((hashes, j + 1 - i))
}

/// Blanks `#[cfg(test)] [attributes] [pub] mod NAME { … }` blocks; returns the
/// text and the names of every `#[cfg(test)]` module, inline or in a file.
fn strip_test_modules(code: &str) -> (String, Vec<String>) {
    let mut out: Vec<char> = code.chars().collect();
    let mut names = Vec::new();
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + marker.len() <= out.len() {
        if out[i..].starts_with(&marker) {
            let start = i;
            let toks = tokens(&out[i + marker.len()..].iter().collect::<String>());
            // Skip further attributes and `pub`, then expect `mod NAME`.
            let mut t = 0;
            while toks.get(t).is_some_and(|x| x == "#") {
                let mut depth = 0;
                t += 1;
                while let Some(x) = toks.get(t) {
                    t += 1;
                    match x.as_str() {
                        "[" => depth += 1,
                        "]" => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            if toks.get(t).is_some_and(|x| x == "pub") {
                t += 1;
            }
            if toks.get(t).is_some_and(|x| x == "mod") {
                if let Some(name) = toks.get(t + 1) {
                    names.push(name.clone());
                }
                if toks.get(t + 2).is_some_and(|x| x == "{") {
                    let mut j = start + marker.len();
                    while out[j] != '{' {
                        j += 1;
                    }
                    let mut depth = 0;
                    for (k, ch) in out.iter_mut().enumerate().skip(start) {
                        match *ch {
                            '{' if k >= j => depth += 1,
                            '}' if k >= j => depth -= 1,
                            _ => {}
                        }
                        if *ch != '\n' {
                            *ch = ' ';
                        }
                        if k >= j && depth == 0 {
                            break;
                        }
                    }
                }
            }
            i = start + marker.len();
        } else {
            i += 1;
        }
    }
    (out.into_iter().collect(), names)
}

/// Identifiers, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let c: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_whitespace() {
            i += 1;
        } else if ident_char(c[i]) {
            let s = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            toks.push(c[s..i].iter().collect());
        } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
            toks.push("::".to_owned());
            i += 2;
        } else {
            toks.push(c[i].to_string());
            i += 1;
        }
    }
    toks
}

/// A path a file spells: its segments from `crate`/`super`/`self` on, and,
/// for a `use` leaf, the name it binds; `pub_use` for a `pub use` item.
#[derive(Debug, PartialEq)]
pub struct PathUse {
    pub segs: Vec<String>,
    pub binds: Option<String>,
    pub pub_use: bool,
}

/// Every `use` leaf and every path of an expression (`a::b…`, not a field's
/// or a method's) in stripped code, `use` groups expanded
/// (`use crate::a::{b, c::d}` is `crate::a::b` and `crate::a::c::d`).
pub fn paths(code: &str) -> Vec<PathUse> {
    let t = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if t[i] == "use" {
            let pub_use = i > 0 && (t[i - 1] == "pub" || t[i - 1] == ")");
            let mut leaves = Vec::new();
            i = use_tree(&t, i + 1, Vec::new(), &mut leaves);
            // Every leaf: a crate root's `pub use a::B` names its child `a`.
            for (segs, binds) in leaves {
                out.push(PathUse {
                    segs,
                    binds,
                    pub_use,
                });
            }
        } else if t[i].starts_with(|c: char| c.is_alphabetic() || c == '_')
            && t[i].chars().all(ident_char)
            && t.get(i + 1).is_some_and(|x| x == "::")
            && (i == 0 || !matches!(t[i - 1].as_str(), "::" | "$" | "."))
        {
            let mut segs = vec![t[i].clone()];
            i += 1;
            while t.get(i).is_some_and(|x| x == "::")
                && t.get(i + 1).is_some_and(|x| x.chars().all(ident_char))
            {
                segs.push(t[i + 1].clone());
                i += 2;
            }
            out.push(PathUse {
                segs,
                binds: None,
                pub_use: false,
            });
        } else {
            i += 1;
        }
    }
    out
}

/// Parses one use tree from `t[i]`, appending (path, bound name) leaves;
/// returns the index after it.
fn use_tree(
    t: &[String],
    mut i: usize,
    mut prefix: Vec<String>,
    leaves: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    if t.get(i).is_some_and(|x| x == "::") {
        i += 1; // `use ::std::…`
    }
    loop {
        match t.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                while t.get(i).is_some_and(|x| x != "}") {
                    i = use_tree(t, i, prefix.clone(), leaves);
                    if t.get(i).is_some_and(|x| x == ",") {
                        i += 1;
                    }
                }
                return i + 1;
            }
            Some("*") => {
                leaves.push((prefix, Some("*".to_owned())));
                return i + 1;
            }
            Some(id) if id.chars().all(ident_char) => {
                if id == "self" && !prefix.is_empty() {
                    // `use a::{self}` binds `a` itself.
                } else {
                    prefix.push(id.to_owned());
                }
                i += 1;
                if t.get(i).is_some_and(|x| x == "::") {
                    i += 1;
                    continue;
                }
                let mut binds = prefix.last().cloned();
                if t.get(i).is_some_and(|x| x == "as") {
                    binds = t.get(i + 1).cloned();
                    i += 2;
                }
                leaves.push((prefix, binds));
                return i;
            }
            _ => return i + 1,
        }
    }
}

/// Whether `a::x` in the file of module `m` counts as a path into `m::a`'s
/// file (a parent naming its child without `self::`). Off: issue 24 counts
/// `crate::`/`super::`/`self::` paths only. On, main at 109bfc1 shows four
/// more circles of a parent and its children (matrix.rs <-> matrix/v2.rs,
/// bedrock/mod.rs <-> converse.rs, publisher/mod.rs <-> git.rs, validate.rs;
/// compat-tests lib.rs <-> harness.rs <-> env.rs, relay.rs, background.rs).
const CHILD_PATHS: bool = false;

/// Builds the graph of the given files (other files are ignored).
pub fn graph(sources: &[Source]) -> Graph {
    struct File {
        krate: String,
        module: Vec<String>,
        uses: Vec<PathUse>,
    }
    let mut files: Vec<File> = Vec::new();
    let mut names = Vec::new();
    let mut test_modules: BTreeSet<(String, Vec<String>)> = BTreeSet::new();
    for s in sources {
        let Some((krate, module)) = module_of(&s.path) else {
            continue;
        };
        let (code, tests) = strip(&s.text);
        for t in tests {
            let mut m = module.clone();
            m.push(t);
            test_modules.insert((krate.clone(), m));
        }
        files.push(File {
            krate,
            module,
            uses: paths(&code),
        });
        names.push(s.path.clone());
    }
    // Files of `#[cfg(test)] mod x;` are tests: not part of the graph.
    let keep: Vec<bool> = files
        .iter()
        .map(|f| {
            !(1..=f.module.len())
                .any(|n| test_modules.contains(&(f.krate.clone(), f.module[..n].to_vec())))
        })
        .collect();
    let find = |krate: &str, abs: &[String]| -> Option<(usize, usize)> {
        (0..files.len())
            .filter(|&j| keep[j] && files[j].krate == krate && abs.starts_with(&files[j].module))
            .map(|j| (j, files[j].module.len()))
            .max_by_key(|&(_, n)| n)
    };
    // A crate root's re-exports: name -> absolute path of what it names.
    let mut face: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for f in files.iter().filter(|f| f.module.is_empty()) {
        for u in f.uses.iter().filter(|u| u.pub_use) {
            if let (Some(abs), Some(b)) = (absolute(&f.module, &u.segs, true), &u.binds) {
                face.insert((f.krate.clone(), b.clone()), abs);
            }
        }
    }
    let is_module = |krate: &str, m: &[String]| {
        files
            .iter()
            .zip(&keep)
            .any(|(f, k)| *k && f.krate == krate && f.module == m)
    };
    let mut edges: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        // `use crate::env;` makes `env::x` a path into env.rs.
        let mut aliases: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for u in &f.uses {
            if let (Some(abs), Some(b)) = (absolute(&f.module, &u.segs, false), &u.binds)
                && is_module(&f.krate, &abs)
            {
                aliases.insert(b, abs);
            }
        }
        for u in &f.uses {
            if u.pub_use && f.module.is_empty() {
                continue;
            }
            let first = u.segs[0].as_str();
            let child: Vec<String> = f.module.iter().chain([&u.segs[0]]).cloned().collect();
            let abs = if let Some(abs) = absolute(&f.module, &u.segs, false) {
                abs
            } else if let Some(via) = aliases.get(first) {
                via.iter().chain(&u.segs[1..]).cloned().collect()
            } else if CHILD_PATHS && is_module(&f.krate, &child) {
                f.module.iter().chain(&u.segs).cloned().collect()
            } else {
                continue;
            };
            let mut abs = abs;
            let mut target = find(&f.krate, &abs);
            for _ in 0..4 {
                // Through the crate's face to the file that defines the name.
                let Some((0, _)) = target.filter(|&(j, _)| files[j].module.is_empty()) else {
                    break;
                };
                let Some(via) = abs
                    .first()
                    .and_then(|n| face.get(&(f.krate.clone(), n.clone())))
                else {
                    break;
                };
                abs = via.iter().chain(&abs[1..]).cloned().collect();
                target = find(&f.krate, &abs);
            }
            let Some((j, n)) = target else { continue };
            if j == i {
                continue;
            }
            let name = abs
                .get(n)
                .or(files[j].module.last())
                .cloned()
                .unwrap_or_else(|| "crate".to_owned());
            edges.entry((i, j)).or_default().insert(name);
        }
    }
    let mut index = vec![usize::MAX; files.len()];
    let mut kept = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        if keep[i] {
            index[i] = kept.len();
            kept.push(name);
        }
    }
    Graph {
        files: kept,
        edges: edges
            .into_iter()
            .map(|((a, b), n)| ((index[a], index[b]), n))
            .collect(),
    }
}

/// A path's absolute module path, from the module of the file that spells it;
/// a path that starts with a plain name only when `relative` (it may name an
/// external crate; a crate root's face reads it as a child module).
fn absolute(module: &[String], segs: &[String], relative: bool) -> Option<Vec<String>> {
    let (mut base, mut rest) = match segs.first()?.as_str() {
        "crate" => (Vec::new(), &segs[1..]),
        "self" | "super" => (module.to_vec(), &segs[1..]),
        _ if relative => (module.to_vec(), segs),
        _ => return None,
    };
    if segs[0] == "super" {
        base.pop()?;
    }
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

impl Graph {
    /// Strongly connected components (Tarjan), each as sorted file indexes.
    pub fn components(&self) -> Vec<Vec<usize>> {
        let n = self.files.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in self.edges.keys() {
            next[a].push(b);
        }
        let mut st = Tarjan {
            next,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            counter: 0,
            out: Vec::new(),
        };
        for v in 0..n {
            if st.index[v].is_none() {
                st.visit(v);
            }
        }
        st.out
    }

    /// Each file's floor: 1 for a file that imports nothing, else one above
    /// the highest file it imports (files of one circle share a floor).
    pub fn floors(&self) -> Vec<usize> {
        let comps = self.components();
        let mut comp_of = vec![0; self.files.len()];
        for (k, c) in comps.iter().enumerate() {
            for &v in c {
                comp_of[v] = k;
            }
        }
        // Tarjan emits a component after every component it reaches.
        let mut floor = vec![1; comps.len()];
        for (k, c) in comps.iter().enumerate() {
            for &(a, b) in self.edges.keys() {
                if c.contains(&a) && comp_of[b] != k {
                    floor[k] = floor[k].max(floor[comp_of[b]] + 1);
                }
            }
        }
        (0..self.files.len()).map(|v| floor[comp_of[v]]).collect()
    }
}

impl Graph {
    /// The edges from a file under `dir` (a path prefix ending in `/`) to a
    /// file outside it, as "from -> to: names" (empty when `dir` is a floor
    /// of its own).
    pub fn no_edges_leave(&self, dir: &str) -> Vec<String> {
        self.edges
            .iter()
            .filter(|((a, b), _)| {
                self.files[*a].starts_with(dir) && !self.files[*b].starts_with(dir)
            })
            .map(|((a, b), names)| {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                format!(
                    "{} -> {}: {}",
                    self.files[*a],
                    self.files[*b],
                    names.join(", ")
                )
            })
            .collect()
    }
}

struct Tarjan {
    next: Vec<Vec<usize>>,
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    out: Vec<Vec<usize>>,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for w in self.next[v].clone() {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = self.stack.pop().expect("v is on the stack");
                self.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            comp.sort_unstable();
            self.out.push(comp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(code: &str) -> Vec<String> {
        paths(&strip(code).0)
            .into_iter()
            .map(|p| p.segs.join("::"))
            .collect()
    }

    #[test]
    fn a_use_group_is_expanded() {
        assert_eq!(
            segs("use crate::a::{b, c::d, e::{self, f as g}};"),
            [
                "crate::a::b",
                "crate::a::c::d",
                "crate::a::e",
                "crate::a::e::f"
            ]
        );
    }

    #[test]
    fn super_and_self_paths_in_expressions_count() {
        assert_eq!(
            segs("fn f() { super::x::run(); let y = self::z::Y; }"),
            ["super::x::run", "self::z::Y"]
        );
    }

    #[test]
    fn paths_in_comments_strings_and_test_modules_do_not_count() {
        let code = r##"
            // use crate::a::B;
            /* crate::c::D /* nested crate::e */ */
            /// A doc line naming crate::f::G.
            const S: &str = "crate::h::I";
            const R: &str = r#"use crate::j::K; "quoted""#;
            const C: char = '"';
            fn f<'a>(x: &'a str) -> &'a str { x }
            macro_rules! m { () => { $crate::l::M } }
            #[cfg(test)]
            mod tests { use crate::n::O; fn t() { crate::p::Q(); } }
            #[cfg(test)]
            mod more_tests;
            use crate::real::Thing;
        "##;
        assert_eq!(segs(code), ["crate::real::Thing"]);
        assert_eq!(strip(code).1, ["tests", "more_tests"]);
    }

    fn src(path: &str, text: &str) -> Source {
        Source {
            path: path.to_owned(),
            text: text.to_owned(),
        }
    }

    fn edges(g: &Graph) -> Vec<String> {
        g.edges
            .iter()
            .map(|((a, b), n)| {
                let n: Vec<&str> = n.iter().map(String::as_str).collect();
                format!("{} -> {}: {}", g.files[*a], g.files[*b], n.join(", "))
            })
            .collect()
    }

    #[test]
    fn paths_resolve_to_the_longest_prefix_and_through_the_crate_face() {
        let g = graph(&[
            src("k/src/lib.rs", "mod a; mod b; pub use a::x::Ctx;"),
            src("k/src/a/mod.rs", "pub mod x; use super::b::inner::F;"),
            src(
                "k/src/a/x.rs",
                "pub struct Ctx; use crate::b; fn f() { super::G }",
            ),
            src("k/src/b.rs", "use crate::Ctx; mod inner { pub struct F; }"),
            src("k/src/bin/tool.rs", "use crate::b::X;"),
            src("k/tests/t.rs", "use crate::b::X;"),
        ]);
        assert_eq!(
            edges(&g),
            [
                "k/src/a/mod.rs -> k/src/b.rs: inner",
                "k/src/a/x.rs -> k/src/a/mod.rs: G",
                "k/src/a/x.rs -> k/src/b.rs: b",
                "k/src/b.rs -> k/src/a/x.rs: Ctx",
            ]
        );
        let circles: Vec<Vec<&str>> = g
            .components()
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| c.iter().map(|&i| g.files[i].as_str()).collect())
            .collect();
        assert_eq!(circles, [["k/src/a/mod.rs", "k/src/a/x.rs", "k/src/b.rs"]]);
    }

    #[test]
    fn a_floor_of_its_own_has_no_edge_leaving_it() {
        let tree = |wire_body: &str| {
            graph(&[
                src("s/src/lib.rs", "mod wire; mod rules;"),
                src("s/src/wire/mod.rs", "pub mod body;"),
                src("s/src/wire/body.rs", wire_body),
                src("s/src/rules.rs", "use crate::wire::body::Json;"),
            ])
        };
        let g = tree("pub struct Json; use super::Frame;");
        assert!(g.no_edges_leave("s/src/wire/").is_empty());
        let g = tree("pub struct Json; use crate::rules::Rule;");
        assert_eq!(
            g.no_edges_leave("s/src/wire/"),
            ["s/src/wire/body.rs -> s/src/rules.rs: Rule"]
        );
    }

    #[test]
    fn a_module_brought_in_by_use_carries_its_names() {
        let g = graph(&[
            src("k/src/lib.rs", "mod env; mod warm;"),
            src("k/src/env.rs", "pub fn warm_up() {}"),
            src(
                "k/src/warm.rs",
                "use crate::env; use std::fmt; fn f() { env::warm_up(); fmt::Debug; x.env::y; }",
            ),
        ]);
        assert_eq!(edges(&g), ["k/src/warm.rs -> k/src/env.rs: env, warm_up"]);
    }

    #[test]
    fn floors_count_up_from_files_that_import_nothing() {
        let g = graph(&[
            src("k/src/lib.rs", "mod a; mod b; mod c;"),
            src("k/src/a.rs", "use crate::b::B;"),
            src("k/src/b.rs", "use crate::c::C;"),
            src("k/src/c.rs", ""),
            src("k/src/t.rs", "#[cfg(test)] mod tests;"),
            src("k/src/t/tests.rs", "use crate::a::A;"),
        ]);
        let floors: Vec<(String, usize)> = g.files.iter().cloned().zip(g.floors()).collect();
        assert_eq!(
            floors,
            [
                ("k/src/lib.rs".to_owned(), 1),
                ("k/src/a.rs".to_owned(), 3),
                ("k/src/b.rs".to_owned(), 2),
                ("k/src/c.rs".to_owned(), 1),
                ("k/src/t.rs".to_owned(), 1),
            ]
        );
    }
}
