//! The rule ledger is complete (issue 25): every rule id the simulators'
//! code names has its entry in `compat_sim::ledger::RULES` (generated from
//! compat-sim/ledger/*.yaml), every entry is named somewhere in the code,
//! and no site is left unfiled.
//!
//! What counts as naming a rule: a string literal that is a rule id
//! (`"<scope>.<rule>"`, its scope one of the ledger's or of [`SCOPES`]) in
//! compat-sim/src outside its unit tests: a refusal's constructor argument
//! (`Rejection::invalid("msg.max_tokens_required", …)`), a table's match
//! arm (`"betas.vertex"`), or, for a rule that changes an answer without
//! refusing, the comment at its site (`Ledger rule "cache.min_cacheable_tokens"`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use compat_sim::ledger::{self, Evidence, RULES};

/// Scopes a rule id may start with even before the ledger has one (so that
/// a new rule in a new scope is still seen as one).
const SCOPES: &[&str] = &[
    "anthropic",
    "foundry",
    "vertex",
    "bedrock",
    "bedrock_invoke",
    "mantle",
    "msg",
    "conv",
    "effort",
    "cache",
    "context",
    "tools",
    "web_search",
    "tool_search",
    "betas",
    "context_editing",
    "converse",
    "count_tokens",
    "tool_streaming",
    "fault",
];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file's text without its unit tests (an inline `mod tests` at the end,
/// or a whole `tests.rs`).
fn code_of(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
}

/// The rule ids a text names: `"a.b"` literals whose scope is known.
fn ids_in(text: &str, scopes: &BTreeSet<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == '"' {
            let mut j = i + 1;
            while j < bytes.len() && is_id_char(bytes[j]) {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == '"' && j > i + 1 {
                let s: String = bytes[i + 1..j].iter().collect();
                let parts: Vec<&str> = s.split('.').collect();
                if parts.len() >= 2
                    && parts.iter().all(|p| !p.is_empty())
                    && scopes.contains(parts[0])
                {
                    out.push(s);
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Rule id → the files of compat-sim/src that name it.
fn named_in_code() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut scopes: BTreeSet<&str> = SCOPES.iter().copied().collect();
    scopes.extend(RULES.iter().map(|r| r.id.split('.').next().unwrap()));
    let mut named: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().display().to_string();
        if rel.ends_with("ledger_gen.rs") {
            continue;
        }
        for id in ids_in(&code_of(&f), &scopes) {
            named.entry(id).or_default().insert(rel.clone());
        }
    }
    named
}

#[test]
fn every_rule_named_in_the_code_has_a_ledger_entry() {
    let missing: Vec<String> = named_in_code()
        .into_iter()
        .filter(|(id, _)| ledger::find(id).is_none())
        .map(|(id, files)| format!("{id} (named in {files:?})"))
        .collect();
    assert!(
        missing.is_empty(),
        "rules the code names but compat-sim/ledger/*.yaml lacks; add an entry for each \
         (README.md there) and run `cargo xtask codegen`:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_ledger_entry_is_named_in_the_code() {
    let named = named_in_code();
    let unused: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !named.contains_key(*id))
        .collect();
    assert!(
        unused.is_empty(),
        "ledger entries no code names; name each at its site (a refusal's rule argument, \
         or a `Ledger rule \"<id>\"` comment where a rule changes an answer) or remove \
         the entry:\n  {}",
        unused.join("\n  ")
    );
}

#[test]
fn no_site_is_unfiled() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let unfiled: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("wire/rejection.rs"))
        .filter(|f| {
            let code = code_of(f);
            code.contains("UNFILED") || code.contains("\"unfiled\"")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        unfiled.is_empty(),
        "sites that name no rule (UNFILED); name the ledger rule that decides them: {unfiled:?}"
    );
    assert!(
        ledger::find("unfiled").is_none(),
        "the ledger must not hold the UNFILED placeholder"
    );
}

#[test]
fn the_table_is_well_formed() {
    let mut ids = BTreeSet::new();
    for r in RULES {
        assert!(ids.insert(r.id), "duplicate rule {}", r.id);
        assert!(!r.providers.is_empty(), "{}: no provider", r.id);
        for p in r.providers {
            assert!(
                compat_sim::Api::ALL.iter().any(|a| a.id() == *p),
                "{}: unknown provider {p}",
                r.id
            );
        }
        assert!(
            r.evidence == Evidence::Inferred || !r.sources.is_empty(),
            "{}: a {} rule without sources",
            r.id,
            r.evidence.id()
        );
    }
}

#[test]
fn the_scanner_finds_ids_and_only_ids() {
    let scopes: BTreeSet<&str> = ["msg", "betas"].into_iter().collect();
    let text = r#"Rejection::invalid("msg.max_tokens_required", "max_tokens: Field required");
        // Ledger rule "betas.read_location". "output_config.effort" "msg." "a.b"
        format!("{at}.role: x") "msg.x"y"#;
    assert_eq!(
        ids_in(text, &scopes),
        ["msg.max_tokens_required", "betas.read_location", "msg.x"]
    );
}
