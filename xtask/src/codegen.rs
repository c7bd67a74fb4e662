//! `cargo xtask codegen`: writes the files derived from the repository, so that
//! a column is named once (manifest.yaml) and a case file is wired by its
//! place (rust-analyzer's xtask/codegen is the model):
//!
//! - `PROVIDER_GEN`, compat-matrix's `Provider` enum and its table facts, from
//!   manifest.yaml `providers`;
//! - `compat-tests/main.rs`, the module list of the case files, from the
//!   folders `compat-tests/<feature>/<file>.rs`;
//! - the simulator-rule ledger's table, `compat-sim/src/wire/ledger_gen.rs`,
//!   and the rule table of docs/simulators.md, from compat-sim/ledger/*.yaml
//!   (`crate::codegen_ledger`).
//!
//! The Rust files go through rustfmt. `--check` writes nothing and fails on a stale file
//! (tidy's `generated_files_are_fresh` runs it). The workspace is found at run
//! time (`CARGO_MANIFEST_DIR`, set by `cargo run`, or `--root`), never with
//! `env!`: a binary that a shared target dir hands to another checkout must not
//! write into the checkout it was built in.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context as _, bail};
use compat_matrix::manifest::{FRONTS, Manifest};

/// Where the generated `Provider` goes, relative to the workspace root (the
/// one place that names it).
pub const PROVIDER_GEN: &str = "compat-matrix/src/provider_gen.rs";
/// The `compat` test binary's root, which declares every case file.
pub const CASES_MAIN: &str = "compat-tests/main.rs";

#[derive(Debug, clap::Args)]
pub struct CodegenArgs {
    /// Write nothing; list the generated files that are stale and exit 1.
    #[arg(long)]
    check: bool,
    /// The workspace root [default: the parent of CARGO_MANIFEST_DIR, which
    /// `cargo xtask` sets].
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(args: CodegenArgs) -> anyhow::Result<ExitCode> {
    let root = match args.root {
        Some(r) => r,
        None => {
            let dir = std::env::var_os("CARGO_MANIFEST_DIR").context(
                "CARGO_MANIFEST_DIR is not set; run `cargo xtask codegen` or pass --root <workspace>",
            )?;
            Path::new(&dir)
                .parent()
                .context("CARGO_MANIFEST_DIR has no parent")?
                .to_owned()
        }
    };
    let mut stale = Vec::new();
    for (rel, text) in generate(&root)? {
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if !args.check {
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
            println!("codegen: wrote {rel}");
        }
        stale.push(rel);
    }
    if args.check && !stale.is_empty() {
        eprintln!(
            "these generated files are stale; run `cargo xtask codegen`:\n  {}",
            stale.join("\n  ")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Every generated file: (path relative to the root, its rustfmt-ed text).
pub fn generate(root: &Path) -> anyhow::Result<Vec<(&'static str, String)>> {
    use crate::codegen_ledger::{LEDGER_DIR, LEDGER_GEN, SIMULATORS_DOC};
    let manifest = Manifest::load(&root.join("manifest.yaml"))?;
    let rules = crate::codegen_ledger::load(&root.join(LEDGER_DIR))?;
    let doc = std::fs::read_to_string(root.join(SIMULATORS_DOC))
        .with_context(|| format!("reading {SIMULATORS_DOC}"))?;
    Ok(vec![
        (
            LEDGER_GEN,
            rustfmt(root, &crate::codegen_ledger::ledger_gen(&rules)?)?,
        ),
        (
            SIMULATORS_DOC,
            crate::codegen_ledger::simulators_doc(&doc, &rules)?,
        ),
        (PROVIDER_GEN, rustfmt(root, &provider_gen(&manifest)?)?),
        (
            CASES_MAIN,
            rustfmt(root, &cases_main(&root.join("compat-tests"))?)?,
        ),
    ])
}

fn rustfmt(root: &Path, text: &str) -> anyhow::Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run rustfmt; install it with `rustup component add rustfmt`")?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "rustfmt refused the generated code:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// `vertex_ai_rust_path` -> `VertexAiRustPath`.
fn variant(id: &str) -> String {
    id.split(['_', '-', '.'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// compat-core's `Provider`: one variant per manifest column, in display order.
fn provider_gen(m: &Manifest) -> anyhow::Result<String> {
    let v = |id: &str| format!("Provider::{}", variant(id));
    let mut o = String::from(PROVIDER_HEADER);
    writeln!(o, "pub enum Provider {{")?;
    for p in &m.providers {
        if p.id.starts_with(|c: char| c.is_ascii_digit()) {
            bail!(
                "providers[{}]: a column id names a Rust variant; start it with a letter",
                p.id
            );
        }
        writeln!(o, "/// {}\n{},", p.name, variant(&p.id))?;
    }
    writeln!(o, "}}\n\n{FRONT_DOC}\npub enum Front {{")?;
    for (id, what) in FRONTS {
        writeln!(o, "/// `{id}`: {what}.\n{},", variant(id))?;
    }
    writeln!(o, "}}\n\n{MODEL_SETS_DOC}")?;
    writeln!(
        o,
        "pub const MODEL_SETS: [(&str, &[&str]); {}] = [",
        m.model_sets.len()
    )?;
    for set in &m.model_sets {
        let ids: Vec<String> = set.models.iter().map(|x| format!("{:?}", x.id)).collect();
        writeln!(o, "({:?}, &[{}]),", set.id, ids.join(", "))?;
    }
    writeln!(o, "];\n\nimpl Provider {{")?;
    writeln!(o, "pub const ALL: [Provider; {}] = [", m.providers.len())?;
    for p in &m.providers {
        writeln!(o, "{},", v(&p.id))?;
    }
    writeln!(o, "];\n")?;

    // A `match self` with an arm per listed column and `_ => otherwise` for
    // the rest (no match at all when no column is listed: clippy's
    // match_single_binding).
    let arms = |pairs: Vec<(String, String)>, otherwise: &str| {
        if pairs.is_empty() {
            return otherwise.to_owned();
        }
        let mut s = String::new();
        for (from, to) in &pairs {
            let _ = writeln!(s, "{from} => {to},");
        }
        if pairs.len() < m.providers.len() {
            let _ = writeln!(s, "_ => {otherwise},");
        }
        format!("match self {{\n{s}}}")
    };
    let all = |f: &dyn Fn(&compat_matrix::manifest::Provider) -> Option<String>| {
        m.providers
            .iter()
            .filter_map(|p| f(p).map(|to| (v(&p.id), to)))
            .collect::<Vec<_>>()
    };

    writeln!(o, "{}", ID_DOC)?;
    let ids = all(&|p| Some(format!("{:?}", p.id)));
    writeln!(
        o,
        "pub fn id(self) -> &'static str {{\n{}\n}}\n",
        arms(ids, "")
    )?;

    writeln!(
        o,
        "/// The column of a manifest id.\npub fn from_id(id: &str) -> Option<Self> {{\nmatch id {{"
    )?;
    for p in &m.providers {
        writeln!(o, "{:?} => Some({}),", p.id, v(&p.id))?;
    }
    writeln!(o, "_ => None,\n}}\n}}\n")?;

    writeln!(o, "{PASSTHROUGH_OF_DOC}")?;
    let of = all(&|p| {
        p.passthrough
            .as_ref()
            .map(|t| format!("Some({})", v(&t.of)))
    });
    writeln!(
        o,
        "pub fn passthrough_of(self) -> Option<Provider> {{\n{}\n}}\n",
        arms(of, "None")
    )?;

    writeln!(o, "{PASSTHROUGH_ROUTE_DOC}")?;
    let route = all(&|p| {
        p.passthrough
            .as_ref()
            .map(|t| format!("Some({:?})", t.route))
    });
    writeln!(
        o,
        "pub fn passthrough_route(self) -> Option<&'static str> {{\n{}\n}}\n",
        arms(route, "None")
    )?;

    writeln!(o, "{NATIVE_MODE_DOC}")?;
    let native: Vec<String> = m
        .providers
        .iter()
        .filter(|p| p.passthrough.as_ref().is_some_and(|t| t.native_mode))
        .map(|p| v(&p.id))
        .collect();
    let body = if native.is_empty() {
        "false".to_owned()
    } else {
        format!("matches!(self, {})", native.join(" | "))
    };
    writeln!(o, "pub fn native_mode(self) -> bool {{\n{body}\n}}\n")?;

    writeln!(o, "{GATEWAY_MODE_ROUTE_DOC}")?;
    let gw_route = all(&|p| {
        p.gateway_mode
            .as_ref()
            .map(|g| format!("Some({:?})", g.route))
    });
    writeln!(
        o,
        "pub fn gateway_mode_route(self) -> Option<&'static str> {{\n{}\n}}\n",
        arms(gw_route, "None")
    )?;

    writeln!(o, "{ROUTE_OF_DOC}")?;
    let route_of = all(&|p| {
        p.rust_path_of
            .as_deref()
            .or(p.gateway_mode.as_ref().map(|g| g.of.as_str()))
            .map(v)
    });
    writeln!(
        o,
        "pub fn route_of(self) -> Provider {{\n{}\n}}\n",
        arms(route_of, "self")
    )?;

    writeln!(o, "{RUST_PATH_DOC}")?;
    let rust: Vec<String> = m
        .providers
        .iter()
        .filter(|p| p.rust_path_of.is_some())
        .map(|p| v(&p.id))
        .collect();
    let body = if rust.is_empty() {
        "false".to_owned()
    } else {
        format!("matches!(self, {})", rust.join(" | "))
    };
    writeln!(o, "pub fn rust_path(self) -> bool {{\n{body}\n}}\n")?;

    writeln!(o, "{SIMULATOR_DOC}")?;
    let mut sims = Vec::new();
    for p in &m.providers {
        let Some(s) = &p.simulator else {
            bail!(
                "manifest.yaml providers[{}].simulator: every column needs the simulator that stands in for it",
                p.id
            );
        };
        sims.push((v(&p.id), format!("{s:?}")));
        // Not code, but the page groups and notes columns by them: a column
        // without them would be shown ungrouped, so it is refused here.
        if p.reach.is_none() || p.format.is_none() {
            bail!(
                "manifest.yaml providers[{}]: every column needs `reach` (how the CLI reaches the gateway) and `format` (the gateway-contract format its rows exercise); the values are in the manifest's header",
                p.id
            );
        }
    }
    writeln!(
        o,
        "pub fn simulator_id(self) -> &'static str {{\n{}\n}}\n",
        arms(sims, "")
    )?;

    // A column's models, so that runtime code needs no manifest read for
    // them: the sets as one table, each column an index into it.
    writeln!(o, "{MODEL_SET_INDEX_DOC}")?;
    let index = |set: &str| m.model_sets.iter().position(|s| s.id == set);
    let default = index(compat_matrix::manifest::DEFAULT_SET);
    let mut idx = Vec::new();
    for p in &m.providers {
        let i = index(&p.model_set).context("the manifest checked every column's set")?;
        if Some(i) != default || default.is_none() {
            idx.push((v(&p.id), i.to_string()));
        }
    }
    let otherwise = default.map(|i| i.to_string()).unwrap_or_default();
    writeln!(
        o,
        "fn model_set_index(self) -> usize {{\n{}\n}}\n",
        arms(idx, &otherwise)
    )?;
    writeln!(
        o,
        "{MODEL_SET_DOC}\npub fn model_set(self) -> &'static str {{\nMODEL_SETS[self.model_set_index()].0\n}}\n"
    )?;
    writeln!(
        o,
        "{MODELS_DOC}\npub fn models(self) -> &'static [&'static str] {{\nMODEL_SETS[self.model_set_index()].1\n}}\n"
    )?;

    writeln!(o, "{FRONT_FN_DOC}")?;
    let fronts = all(&|p| {
        p.front
            .as_deref()
            .map(|f| format!("Some(Front::{})", variant(f)))
    });
    writeln!(
        o,
        "pub fn front(self) -> Option<Front> {{\n{}\n}}",
        arms(fronts, "None")
    )?;
    writeln!(o, "}}")?;
    Ok(o)
}

const PROVIDER_HEADER: &str = "\
//! [`Provider`], the matrix's columns and their facts: GENERATED by `cargo
//! xtask codegen` from manifest.yaml `providers` and `model_sets`. Do not edit; change the
//! manifest and run `cargo xtask codegen` (tidy checks this file is fresh).

/// A provider column of the matrix (manifest.yaml `providers`, in display
/// order), the same in sim and live mode. The routing table
/// (`gateway::routing`) says how LiteLLM reaches it; `simulator_id` names the
/// simulator that stands in for it in sim mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
";

const FRONT_DOC: &str = "\
/// What stands between the gateway and a column's simulator in sim mode
/// (manifest.yaml `front`; the fronts the harness knows are compat-core's
/// `manifest::FRONTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]";

const ID_DOC: &str = "/// The manifest's provider id (also the case file name in compat-tests).";

const PASSTHROUGH_OF_DOC: &str = "\
/// For a pass-through column, the provider whose wire API the CLI speaks
/// natively and the gateway forwards (Bedrock Invoke, Vertex, Foundry, Anthropic);
/// None for a column the CLI reaches on the gateway's `/v1/messages`.";

const PASSTHROUGH_ROUTE_DOC: &str = "\
/// The gateway route prefix a pass-through column's CLI must use (what
/// the harness checks each of a trial's requests entered by).";

const NATIVE_MODE_DOC: &str = "\
/// Whether the CLI runs in its native provider mode (`CLAUDE_CODE_USE_BEDROCK`,
/// ...): a pass-through column but one whose CLI is a first-party client
/// with `ANTHROPIC_BASE_URL` at the route (manifest `passthrough.cli: base_url`).";

const GATEWAY_MODE_ROUTE_DOC: &str = "\
/// For a column the CLI reaches in its gateway mode (`CLAUDE_CODE_USE_GATEWAY`),
/// the gateway route prefix its base URL points at (what the harness checks
/// each of a trial's requests entered by); None for every other column.";

const ROUTE_OF_DOC: &str = "\
/// The column whose LiteLLM route and upstream this one shares: a Rust-path
/// column runs the same route to the same provider, only through LiteLLM's
/// Rust implementation of `/v1/messages`; a gateway-mode column reaches the
/// same deployments by the gateway's Claude Code gateway route, whose
/// Messages handler is the `/v1/messages` one. Every other column is its own.";

const RUST_PATH_DOC: &str = "\
/// Whether this column runs LiteLLM's opt-in Rust `/v1/messages`
/// (litellm/rust_bridge/, switched on by `LITELLM_RUST`).";

const SIMULATOR_DOC: &str = "\
/// The id of the compat-sim `Api` that stands in for this column in sim
/// mode (`compat_sim::Api::from_id`). A pass-through column shares its native
/// provider's simulator, a Rust-path column its route's.";

const MODEL_SETS_DOC: &str = "\
/// manifest.yaml `model_sets`, in its order: (set id, the canonical ids of
/// its models, in display order). A set no column runs is listed too.";

const MODEL_SET_INDEX_DOC: &str = "\
/// The column's entry of [`MODEL_SETS`].";

const MODEL_SET_DOC: &str = "\
/// The id of the model set the column runs (manifest.yaml
/// `providers[].models`; `claude` when the column names none).";

const MODELS_DOC: &str = "\
/// The canonical ids of the models the column runs, in display order (its
/// model set's): every trial, warm-up and proxy deployment of the column is
/// one of them.";

const FRONT_FN_DOC: &str = "\
/// What the column's simulator is reached through, if anything but its
/// plain address (the Vertex pass-through: Google's TLS front; the openai
/// column: OpenAI's, at api.openai.com).";

/// The `compat` test binary's root: one module per case file, the folders'
/// names sorted. Features are the folders of compat-tests/ (not `src`,
/// `target`, `snapshots`, `tests` (cargo's integration tests, such as the
/// rehearsal's), hidden ones) that hold a `.rs` file.
fn cases_main(dir: &Path) -> anyhow::Result<String> {
    let mut features: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            !(name.starts_with('.')
                || name == "src"
                || name == "target"
                || name == "snapshots"
                || name == "tests")
        })
        .collect();
    features.sort();
    let mut modules = String::new();
    for dir in features {
        let feature = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .map(|p| {
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        if files.is_empty() {
            continue;
        }
        files.sort();
        writeln!(modules, "\n#[allow(unused_imports)]\npub mod {feature} {{")?;
        for module in files {
            writeln!(modules, "    pub mod {module};")?;
        }
        writeln!(modules, "}}")?;
    }
    Ok(format!("{CASES_HEADER}{modules}{CASES_FOOTER}"))
}

const CASES_HEADER: &str = "\
//! The `compat` test binary: `cargo test -p compat-tests [-- <filters>]`.
//!
//! GENERATED by `cargo xtask codegen` from the folder layout: one module per
//! compat-tests/<feature>/<file>.rs. Do not edit; add or remove a case file
//! and run `cargo xtask codegen`.
";

const CASES_FOOTER: &str = "
fn main() -> std::process::ExitCode {
    compat_harness::main()
}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_the_camel_case_of_the_ids() {
        assert_eq!(variant("vertex_ai_rust_path"), "VertexAiRustPath");
        assert_eq!(variant("azure"), "Azure");
        assert_eq!(variant("google"), "Google");
    }

    #[test]
    fn every_column_names_a_simulator_that_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let m = Manifest::load(&root.join("manifest.yaml")).unwrap();
        for p in &m.providers {
            let sim = p.simulator.as_deref().unwrap_or_default();
            assert!(compat_sim::Api::from_id(sim).is_some(), "{}: `{sim}`", p.id);
        }
    }

    #[test]
    fn a_column_without_a_simulator_is_refused() {
        let m = Manifest::parse(
            "features:\n  - id: f\n    name: F\nproviders:\n  - id: a\n    name: A\n\
             models:\n  - id: m\n    name: M\n    short: m\n",
            Path::new("manifest.yaml"),
        )
        .unwrap();
        let e = provider_gen(&m).unwrap_err().to_string();
        assert!(e.contains("providers[a].simulator"), "{e}");
    }

    #[test]
    fn a_column_without_reach_or_format_is_refused() {
        let text = "features:\n  - id: f\n    name: F\nproviders:\n  - id: anthropic\n    name: A\n\
             \x20   simulator: anthropic\n    reach: base_url\nmodels:\n  - id: m\n    name: M\n    short: m\n";
        let m = Manifest::parse(text, Path::new("manifest.yaml")).unwrap();
        let e = provider_gen(&m).unwrap_err().to_string();
        assert!(
            e.contains("providers[anthropic]: every column needs `reach`"),
            "{e}"
        );
        let with_format = text.replace(
            "reach: base_url",
            "reach: base_url\n    format: anthropic_messages",
        );
        let m = Manifest::parse(&with_format, Path::new("manifest.yaml")).unwrap();
        provider_gen(&m).unwrap();
    }

    #[test]
    fn a_column_of_another_set_gets_its_own_models() {
        let text = "features:\n  - id: f\n    name: F\nproviders:\n\
             \x20 - {id: anthropic, name: A, simulator: anthropic, reach: base_url, format: anthropic_messages}\n\
             \x20 - {id: openai, name: O, simulator: anthropic, reach: base_url, format: anthropic_messages, models: gpt}\n\
             models:\n  - {id: c, name: C, short: c}\n  - {id: g1, name: G1, short: g1}\n  - {id: g2, name: G2, short: g2}\n\
             model_sets:\n  claude: [c]\n  gpt: [g2, g1]\n";
        let m = Manifest::parse(text, Path::new("manifest.yaml")).unwrap();
        let code = provider_gen(&m).unwrap();
        assert!(
            code.contains("pub const MODEL_SETS: [(&str, &[&str]); 2] = [\n(\"claude\", &[\"c\"]),\n(\"gpt\", &[\"g2\", \"g1\"]),\n];"),
            "{code}"
        );
        // The default set is the fallback arm; the other column is named.
        assert!(
            code.contains("fn model_set_index(self) -> usize {\nmatch self {\nProvider::Openai => 1,\n_ => 0,\n}\n}"),
            "{code}"
        );
    }

    /// The generated table says what the manifest says, column by column.
    #[test]
    fn generated_models_are_the_manifests() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let m = Manifest::load(&root.join("manifest.yaml")).unwrap();
        for p in compat_matrix::provider::Provider::ALL {
            let want: Vec<&str> = m.models_of(p.id()).iter().map(|x| x.id.as_str()).collect();
            assert_eq!(p.models(), want, "{}", p.id());
            assert_eq!(p.model_set(), m.provider(p.id()).unwrap().model_set);
        }
    }
}
