//! The layering rules of ARCHITECTURE.md ("Layers"), checked over the
//! source: every `crate::`, `super::` and `self::` path in `app/src` (in
//! `use` trees, in code, and in macro bodies such as `view!`) is an edge
//! from its file to the file of the module it names.
//!
//! 1. No circle: the files' import graph is acyclic.
//! 2. Floors: `error`, `entities`, `platform`, `ui`, `ledger`, the
//!    features, `site`, `root`, then `lib.rs`; a file imports only from its own
//!    module and from floors below its own (features may import features).
//! 3. Pages (`pages.rs`, `*_pages.rs`) are imported by `root.rs` alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// The floor of a top-level module; features share one.
fn floor(top: &str) -> u8 {
    match top {
        "error" => 0,
        "entities" => 1,
        "platform" => 2,
        "ui" => 3,
        "ledger" => 4,
        "site" => 6,
        "root" => 7,
        "lib" => 8,
        _ => 5,
    }
}

/// A source file and the module path it defines (`auth/mod.rs` is
/// `["auth"]`, `auth/links.rs` is `["auth", "links"]`, `lib.rs` is `[]`).
struct Source {
    file: String,
    module: Vec<String>,
    is_dir_module: bool,
    syntax: syn::File,
}

fn sources(root: &Path) -> Vec<Source> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read app/src") {
            let path: PathBuf = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let file = path
                    .strip_prefix(root)
                    .expect("under app/src")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("read a source file");
                let syntax = syn::parse_file(&text)
                    .unwrap_or_else(|err| panic!("{file} does not parse: {err}"));
                let mut module: Vec<String> = file
                    .trim_end_matches(".rs")
                    .split('/')
                    .map(str::to_owned)
                    .collect();
                let is_dir_module =
                    matches!(module.last().map(String::as_str), Some("mod" | "lib"));
                if is_dir_module {
                    module.pop();
                }
                found.push(Source {
                    file,
                    module,
                    is_dir_module,
                    syntax,
                });
            }
        }
    }
    found.sort_by(|a, b| a.file.cmp(&b.file));
    found
}

/// Every path a file names that may point into the crate, each with the
/// inline modules (`mod tests { ... }`) it sits in, which `super` and
/// `self` are relative to.
#[derive(Default)]
struct Paths {
    found: Vec<(Vec<String>, Vec<String>)>,
    children: BTreeSet<String>,
    inline: Vec<String>,
}

impl Paths {
    fn push(&mut self, path: Vec<String>) {
        self.found.push((self.inline.clone(), path));
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let mut full = prefix.clone();
                full.push(name.ident.to_string());
                self.push(full);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                full.push(rename.ident.to_string());
                self.push(full);
            }
            syn::UseTree::Glob(_) => self.push(prefix.clone()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    /// `crate :: a :: b` sequences inside a macro's tokens (`view!` bodies
    /// name components by path).
    fn tokens(&mut self, tokens: TokenStream) {
        let flat: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Ident(ident)
                    if matches!(ident.to_string().as_str(), "crate" | "super" | "self") =>
                {
                    let mut path = vec![ident.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (flat.get(j), flat.get(j + 1), flat.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        path.push(next.to_string());
                        j += 3;
                    }
                    if path.len() > 1 {
                        self.push(path);
                    }
                    i = j.max(i + 1);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_none() {
            if self.inline.is_empty() {
                self.children.insert(item.ident.to_string());
            }
            return;
        }
        self.inline.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.inline.pop();
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    // `pub(super)` names who may see an item, not a module the file uses.
    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// The file-to-file import graph.
fn graph(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let by_module: BTreeMap<Vec<String>, String> = sources
        .iter()
        .map(|s| (s.module.clone(), s.file.clone()))
        .collect();
    let resolve = |segments: &[String]| {
        (1..=segments.len())
            .rev()
            .find_map(|n| by_module.get(&segments[..n]).cloned())
    };
    let mut edges = BTreeMap::new();
    for source in sources {
        let mut paths = Paths::default();
        paths.visit_file(&source.syntax);
        let mut to = BTreeSet::new();
        for (inline, path) in &paths.found {
            let Some(first) = path.first() else { continue };
            let here: Vec<String> = source.module.iter().chain(inline).cloned().collect();
            let segments: Vec<String> = match first.as_str() {
                "crate" => path[1..].to_vec(),
                "self" => here.iter().chain(&path[1..]).cloned().collect(),
                "super" => {
                    let mut base = here.clone();
                    let ups = path.iter().take_while(|s| *s == "super").count();
                    base.truncate(base.len().saturating_sub(ups));
                    base.into_iter()
                        .chain(path[ups..].iter().cloned())
                        .collect()
                }
                // `use child::Item` in a folder's mod.rs names a child.
                name if source.is_dir_module
                    && inline.is_empty()
                    && paths.children.contains(name) =>
                {
                    source.module.iter().chain(path).cloned().collect()
                }
                _ => continue,
            };
            if let Some(file) = resolve(&segments) {
                if file != source.file {
                    to.insert(file);
                }
            }
        }
        edges.insert(source.file.clone(), to);
    }
    edges
}

/// One circle of the graph, if it has any.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn walk(
        at: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        trail: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(at.to_owned(), Mark::Open);
        trail.push(at.to_owned());
        for next in edges.get(at).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let from = trail.iter().position(|f| f == next).unwrap_or(0);
                    let mut found = trail[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(found) = walk(next, edges, marks, trail) {
                        return Some(found);
                    }
                }
            }
        }
        trail.pop();
        marks.insert(at.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for start in edges.keys() {
        if !marks.contains_key(start) {
            if let Some(found) = walk(start, edges, &mut marks, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

fn top(file: &str) -> &str {
    file.split('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".rs")
}

fn is_page(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    name == "pages.rs" || name.ends_with("_pages.rs")
}

/// Every rule the graph breaks, as sentences.
fn breaches(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(circle) = circle(edges) {
        found.push(format!("import circle: {}", circle.join(" -> ")));
    }
    for (from, targets) in edges {
        for to in targets {
            let (a, b) = (top(from), top(to));
            if a != b && floor(b) >= floor(a) && !(floor(a) == 5 && floor(b) == 5) {
                found.push(format!("{from} imports {to}: `{b}` is not below `{a}`"));
            }
            if is_page(to) && from != "root.rs" {
                found.push(format!(
                    "{from} imports the page file {to}: only root.rs does"
                ));
            }
        }
    }
    found
}

#[test]
fn the_source_keeps_its_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = sources(&root);
    let edges = graph(&sources);
    // The check must see the app's real shape, or it proves nothing.
    assert!(edges.len() > 100, "only {} files found", edges.len());
    assert!(
        edges["root.rs"].contains("withdrawals/pages.rs"),
        "root.rs should be seen importing the withdrawals page"
    );
    assert!(
        edges["site/landing.rs"].contains("auth/context.rs"),
        "paths inside use trees should be seen"
    );
    let found = breaches(&edges);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn a_circle_a_floor_breach_and_a_page_import_are_each_caught() {
    let edges = |pairs: &[(&str, &str)]| {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            edges
                .entry((*from).into())
                .or_default()
                .insert((*to).into());
            edges.entry((*to).into()).or_default();
        }
        edges
    };
    let clean = edges(&[
        ("root.rs", "payouts/pages.rs"),
        ("payouts/pages.rs", "payouts/mod.rs"),
        ("payouts/mod.rs", "withdrawals/mod.rs"),
        ("withdrawals/mod.rs", "ledger/money.rs"),
        ("ledger/money.rs", "ui/mod.rs"),
        ("ui/mod.rs", "error.rs"),
    ]);
    assert!(breaches(&clean).is_empty(), "{:?}", breaches(&clean));

    let circled = edges(&[
        ("payouts/mod.rs", "paypal/mod.rs"),
        ("paypal/mod.rs", "payouts/mod.rs"),
    ]);
    assert!(breaches(&circled)[0].starts_with("import circle: "));

    let upwards = edges(&[("ui/header.rs", "root.rs")]);
    assert_eq!(
        breaches(&upwards),
        ["ui/header.rs imports root.rs: `root` is not below `ui`"]
    );

    let page = edges(&[("settings/pages.rs", "incentives/pages.rs")]);
    assert_eq!(
        breaches(&page),
        ["settings/pages.rs imports the page file incentives/pages.rs: only root.rs does"]
    );
}

#[test]
fn paths_in_macro_bodies_and_relative_children_count() {
    let file: syn::File = syn::parse_str(
        "mod header;\nuse header::Header;\nfn f() { view! { <crate::ui::Pager page=1 /> } }\n\
         mod tests { use super::f; }\npub(super) fn g() {}",
    )
    .unwrap();
    let mut paths = Paths::default();
    paths.visit_file(&file);
    let at_top = |path: &[&str]| (Vec::new(), path.iter().map(|s| s.to_string()).collect());
    assert!(paths.found.contains(&at_top(&["header", "Header"])));
    assert!(paths.found.contains(&at_top(&["crate", "ui", "Pager"])));
    assert!(paths
        .found
        .contains(&(vec!["tests".to_owned()], vec!["super".into(), "f".into()])));
    assert!(paths.children.contains("header"));
    // A visibility restriction is no import.
    assert!(!paths
        .found
        .iter()
        .any(|(inline, path)| inline.is_empty() && path == &["super".to_owned()]));
}
