//! `manifest.yaml`: the matrix's rows (features), columns (providers) and the
//! models every cell runs on. Parsed strictly: unknown keys, empty or duplicate
//! ids and names are errors that name the file, the line and the field.

pub mod reach;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

pub use reach::{FORMATS, Format, NotOffered, REACHES, Reach};

/// A validated manifest. Order of every list is display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub features: Vec<Feature>,
    pub providers: Vec<Provider>,
    pub models: Vec<Model>,
    /// The CLI's modes the gateway offers no route for, with the evidence
    /// (manifest.yaml `not_offered`; optional, in display order).
    pub not_offered: Vec<NotOffered>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub id: String,
    pub name: String,
    /// What the row checks and how to set the feature up (the docs page
    /// shows it; optional).
    pub description: Option<String>,
    /// Documentation links for the row, as (title, url).
    pub links: Vec<(String, String)>,
}

/// A column. Its facts beyond id and name are optional here (a fixture
/// manifest needs none); `cargo xtask codegen` turns the repository's into
/// `provider::Provider`, and needs `simulator` on every column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub id: String,
    pub name: String,
    /// The id of the compat-sim `Api` that stands in for the column in sim mode.
    pub simulator: Option<String>,
    /// Set for a column the CLI reaches through one of the gateway's
    /// pass-through routes (in its native provider mode, or, with
    /// `cli: base_url`, by `ANTHROPIC_BASE_URL` at the route).
    pub passthrough: Option<Passthrough>,
    /// The column whose LiteLLM route and upstream this one shares, through
    /// LiteLLM's opt-in Rust `/v1/messages`.
    pub rust_path_of: Option<String>,
    /// What stands between the gateway and the column's simulator, one of
    /// [`FRONTS`] (`google`: Google's TLS front, for the real host names).
    pub front: Option<String>,
    /// How the CLI reaches the gateway, one of [`REACHES`]' ids (the page's
    /// column group); `cargo xtask codegen` needs it on every column.
    pub reach: Option<String>,
    /// The gateway-contract format the column's rows exercise, one of
    /// [`FORMATS`]' ids; `cargo xtask codegen` needs it on every column.
    pub format: Option<String>,
    /// Set for a column the CLI reaches in its gateway mode
    /// (`CLAUDE_CODE_USE_GATEWAY`, the Claude apps gateway protocol) at one
    /// of the gateway's routes.
    pub gateway_mode: Option<GatewayMode>,
}

/// A pass-through column's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passthrough {
    /// The column whose wire API the CLI speaks natively and the gateway forwards.
    pub of: String,
    /// The gateway route prefix the CLI must enter by (`/bedrock/`).
    pub route: String,
    /// How the CLI is pointed at the route: true (`cli: native`, the
    /// default) in its native provider mode (`CLAUDE_CODE_USE_BEDROCK`, ...);
    /// false (`cli: base_url`) as a first-party client whose
    /// `ANTHROPIC_BASE_URL` is the route (LiteLLM's `/anthropic`).
    pub native_mode: bool,
}

/// The values of `passthrough.cli`, with what each is.
pub const PASSTHROUGH_CLI: &[(&str, &str)] = &[
    (
        "native",
        "the CLI in its native provider mode, the route as the mode's base URL",
    ),
    (
        "base_url",
        "the CLI as a first-party client, `ANTHROPIC_BASE_URL` at the route",
    ),
];
/// A gateway-mode column's facts: the CLI speaks Anthropic's Messages API
/// in its gateway mode, to a route of the gateway that serves another
/// column's deployments with the same implementation (LiteLLM's
/// `/claude_code_gateway/v1/messages` is its `/v1/messages` handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayMode {
    /// The column whose deployments and upstream the route serves.
    pub of: String,
    /// The gateway route prefix the CLI's base URL points at and every
    /// request must enter by (`/claude_code_gateway/`).
    pub route: String,
}

/// The fronts the harness knows how to put before a simulator (a new one
/// needs harness code first), with what each is.
pub const FRONTS: &[(&str, &str)] = &[(
    "google",
    "Google's TLS front (`compat_sim::google_front`), at Google's host names",
)];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Canonical Claude model id, e.g. `claude-sonnet-4-6`; also the name the
    /// gateway serves the model under.
    pub id: String,
    /// Display name, e.g. `Claude Sonnet 4.6`.
    pub name: String,
    /// Short name used in trial names, e.g. `sonnet-4.6`.
    pub short: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ManifestError {
    pub file: PathBuf,
    pub line: Option<u64>,
    pub message: String,
}

impl Manifest {
    /// The repository's own manifest (`<workspace>/manifest.yaml`).
    pub fn load_default() -> Result<Self, ManifestError> {
        Self::load(&crate::paths::workspace_root().join("manifest.yaml"))
    }

    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            file: path.to_owned(),
            line: None,
            message: format!("cannot read the manifest: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates manifest text; `file` is only used in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Self, ManifestError> {
        let raw: RawManifest = serde_saphyr::from_str(text).map_err(|e| ManifestError {
            file: file.to_owned(),
            line: e.location().map(|l| l.line()),
            message: first_line(&e.to_string()),
        })?;
        let err = |line: u64, message: String| ManifestError {
            file: file.to_owned(),
            line: Some(line),
            message,
        };

        let features = check_entries("features", &raw.features, &err)?
            .into_iter()
            .zip(&raw.features)
            .map(|((id, name), raw)| Feature {
                id,
                name,
                description: raw.description.as_ref().map(|d| d.trim().to_owned()),
                links: raw
                    .links
                    .iter()
                    .map(|l| (l.title.clone(), l.url.clone()))
                    .collect(),
            })
            .collect::<Vec<_>>();
        let provider_entries: Vec<RawEntry> = raw
            .providers
            .iter()
            .map(|p| RawEntry {
                id: p.id.clone(),
                name: p.name.clone(),
                description: None,
                links: Vec::new(),
            })
            .collect();
        let ids = check_entries("providers", &provider_entries, &err)?;
        let known: HashSet<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
        let mut providers = Vec::new();
        for ((id, name), raw) in ids.iter().cloned().zip(&raw.providers) {
            let field = |f: &str| format!("providers[{id}].{f}");
            // Another column of this list, by id.
            let column = |f: &str, v: &Spanned<String>| {
                let v_ = v.value.trim();
                if v_ == id || !known.contains(v_) {
                    return Err(err(
                        v.referenced.line(),
                        format!("{}: `{v_}` is not another column of this list", field(f)),
                    ));
                }
                Ok(v_.to_owned())
            };
            let simulator = match &raw.simulator {
                Some(s) if !is_id(s.value.trim()) => {
                    return Err(err(
                        s.referenced.line(),
                        format!("{}: `{}` is not an id", field("simulator"), s.value),
                    ));
                }
                s => s.as_ref().map(|s| s.value.trim().to_owned()),
            };
            let passthrough = match &raw.passthrough {
                None => None,
                Some(p) => {
                    let route = p.route.value.trim();
                    if !(route.len() > 2 && route.starts_with('/') && route.ends_with('/')) {
                        return Err(err(
                            p.route.referenced.line(),
                            format!(
                                "{}: `{route}` must be a route prefix like `/bedrock/`",
                                field("passthrough.route")
                            ),
                        ));
                    }
                    let native_mode = match &p.cli {
                        None => true,
                        Some(c) if c.value.trim() == "native" => true,
                        Some(c) if c.value.trim() == "base_url" => false,
                        Some(c) => {
                            let names: Vec<&str> =
                                PASSTHROUGH_CLI.iter().map(|(k, _)| *k).collect();
                            return Err(err(
                                c.referenced.line(),
                                format!(
                                    "{}: unknown value `{}` (one of: {})",
                                    field("passthrough.cli"),
                                    c.value,
                                    names.join(", ")
                                ),
                            ));
                        }
                    };
                    Some(Passthrough {
                        of: column("passthrough.of", &p.of)?,
                        route: route.to_owned(),
                        native_mode,
                    })
                }
            };
            let gateway_mode = match &raw.gateway_mode {
                None => None,
                Some(g) => {
                    let route = g.route.value.trim();
                    if !(route.len() > 2 && route.starts_with('/') && route.ends_with('/')) {
                        return Err(err(
                            g.route.referenced.line(),
                            format!(
                                "{}: `{route}` must be a route prefix like `/claude_code_gateway/`",
                                field("gateway_mode.route")
                            ),
                        ));
                    }
                    // One way in per column: the harness's route check and
                    // the CLI's environment each read exactly one of them.
                    if raw.passthrough.is_some() || raw.rust_path_of.is_some() {
                        return Err(err(
                            g.of.referenced.line(),
                            format!(
                                "{}: a column is reached in gateway mode, through a pass-through or by a Rust path, not several",
                                field("gateway_mode")
                            ),
                        ));
                    }
                    Some(GatewayMode {
                        of: column("gateway_mode.of", &g.of)?,
                        route: route.to_owned(),
                    })
                }
            };
            let rust_path_of = match &raw.rust_path_of {
                None => None,
                Some(v) => Some(column("rust_path_of", v)?),
            };
            let front = match &raw.front {
                None => None,
                Some(f) if FRONTS.iter().any(|(k, _)| *k == f.value.trim()) => {
                    Some(f.value.trim().to_owned())
                }
                Some(f) => {
                    let names: Vec<&str> = FRONTS.iter().map(|(k, _)| *k).collect();
                    return Err(err(
                        f.referenced.line(),
                        format!(
                            "{}: unknown front `{}` (the harness knows: {})",
                            field("front"),
                            f.value,
                            names.join(", ")
                        ),
                    ));
                }
            };
            // One of a fixed list (reach.rs), named in the error.
            let listed = |f: &str, v: &Option<Spanned<String>>, known: &[&str]| match v {
                None => Ok(None),
                Some(v) if known.contains(&v.value.trim()) => Ok(Some(v.value.trim().to_owned())),
                Some(v) => Err(err(
                    v.referenced.line(),
                    format!("{}: {}", field(f), reach::unknown(f, v.value.trim(), known)),
                )),
            };
            let reach_ids: Vec<&str> = REACHES.iter().map(|r| r.id).collect();
            let format_ids: Vec<&str> = FORMATS.iter().map(|f| f.id).collect();
            let reach = listed("reach", &raw.reach, &reach_ids)?;
            let format = listed("format", &raw.format, &format_ids)?;
            providers.push(Provider {
                id,
                name,
                simulator,
                passthrough,
                rust_path_of,
                front,
                reach,
                format,
                gateway_mode,
            });
        }

        let model_entries: Vec<RawEntry> = raw
            .models
            .iter()
            .map(|m| RawEntry {
                id: m.id.clone(),
                name: m.name.clone(),
                description: None,
                links: Vec::new(),
            })
            .collect();
        let ids_names = check_entries("models", &model_entries, &err)?;
        let mut shorts = HashSet::new();
        let mut models = Vec::new();
        for ((id, name), raw) in ids_names.into_iter().zip(&raw.models) {
            let short = raw.short.value.trim().to_owned();
            let line = raw.short.referenced.line();
            if short.is_empty() {
                return Err(err(line, format!("models[{id}].short: must not be empty")));
            }
            if !shorts.insert(short.clone()) {
                return Err(err(
                    line,
                    format!("models[{id}].short: duplicate short name `{short}`"),
                ));
            }
            models.push(Model { id, name, short });
        }
        for (what, n) in [
            ("features", features.len()),
            ("providers", providers.len()),
            ("models", models.len()),
        ] {
            if n == 0 {
                return Err(ManifestError {
                    file: file.to_owned(),
                    line: None,
                    message: format!("`{what}` must list at least one entry"),
                });
            }
        }
        let mut not_offered = Vec::new();
        for (i, raw) in raw.not_offered.iter().enumerate() {
            let n = NotOffered {
                mode: raw.mode.value.trim().to_owned(),
                name: raw.name.trim().to_owned(),
                why: raw.why.trim().to_owned(),
                evidence: raw.evidence.trim().to_owned(),
            };
            reach::check_not_offered(&n)
                .map_err(|m| err(raw.mode.referenced.line(), format!("not_offered[{i}].{m}")))?;
            if not_offered.iter().any(|o: &NotOffered| o.mode == n.mode) {
                return Err(err(
                    raw.mode.referenced.line(),
                    format!("not_offered[{i}].mode: duplicate mode `{}`", n.mode),
                ));
            }
            not_offered.push(n);
        }
        Ok(Manifest {
            features,
            providers,
            models,
            not_offered,
        })
    }

    pub fn feature(&self, id: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.id == id)
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    pub fn model(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    pub fn model_by_short(&self, short: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.short == short)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    features: Vec<RawEntry>,
    providers: Vec<RawProvider>,
    models: Vec<RawModel>,
    #[serde(default)]
    not_offered: Vec<RawNotOffered>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotOffered {
    mode: Spanned<String>,
    name: String,
    why: String,
    evidence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    id: Spanned<String>,
    name: Spanned<String>,
    /// Accepted and ignored, as on every list of the manifest.
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted for symmetry with features; nothing reads it"
    )]
    description: Option<String>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted for symmetry with features; nothing reads it"
    )]
    links: Vec<RawLink>,
    #[serde(default)]
    simulator: Option<Spanned<String>>,
    #[serde(default)]
    passthrough: Option<RawPassthrough>,
    #[serde(default)]
    rust_path_of: Option<Spanned<String>>,
    #[serde(default)]
    front: Option<Spanned<String>>,
    #[serde(default)]
    reach: Option<Spanned<String>>,
    #[serde(default)]
    format: Option<Spanned<String>>,
    gateway_mode: Option<RawGatewayMode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGatewayMode {
    of: Spanned<String>,
    route: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPassthrough {
    of: Spanned<String>,
    route: Spanned<String>,
    #[serde(default)]
    cli: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    name: Spanned<String>,
    /// Features only (the docs page's row description); ignored elsewhere.
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    links: Vec<RawLink>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawLink {
    title: String,
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    id: Spanned<String>,
    name: Spanned<String>,
    short: Spanned<String>,
}

/// Ids must be non-empty snake/kebab identifiers (they become folder, file and
/// trial names); names must be non-empty; both unique within their list.
fn check_entries(
    list: &str,
    entries: &[RawEntry],
    err: &dyn Fn(u64, String) -> ManifestError,
) -> Result<Vec<(String, String)>, ManifestError> {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let id = e.id.value.trim();
        let id_line = e.id.referenced.line();
        if id.is_empty() {
            return Err(err(id_line, format!("{list}[{i}].id: must not be empty")));
        }
        if !is_id(id) {
            return Err(err(
                id_line,
                format!(
                    "{list}[{i}].id: `{id}` must use only a-z, 0-9, `_`, `-` and `.` (it names folders, files and trials)"
                ),
            ));
        }
        if !ids.insert(id.to_owned()) {
            return Err(err(id_line, format!("{list}[{i}].id: duplicate id `{id}`")));
        }
        let name = e.name.value.trim();
        let name_line = e.name.referenced.line();
        if name.is_empty() {
            return Err(err(
                name_line,
                format!("{list}[{id}].name: must not be empty"),
            ));
        }
        if !names.insert(name.to_owned()) {
            return Err(err(
                name_line,
                format!("{list}[{id}].name: duplicate name `{name}`"),
            ));
        }
        out.push((id.to_owned(), name.to_owned()));
    }
    Ok(out)
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '.'
        })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, String> {
        Manifest::parse(text, Path::new("manifest.yaml")).map_err(|e| e.to_string())
    }

    const GOOD: &str = "\
features:
  - id: tool_use
    name: Tool use
providers:
  - id: anthropic
    name: Anthropic
models:
  - id: claude-haiku-4-5
    name: Claude Haiku 4.5
    short: haiku-4.5
";

    #[test]
    fn repository_manifest_is_valid_and_ordered() {
        let m = Manifest::load_default().unwrap();
        // Every row has its folder of cases (adding a row is a manifest
        // entry and a folder; nothing here lists them).
        let root = crate::paths::workspace_root().join("compat-tests");
        for f in &m.features {
            assert!(root.join(&f.id).is_dir(), "no compat-tests/{}/", f.id);
        }
        // Every column the code knows, in `Provider::ALL`'s (display) order.
        let cols: Vec<_> = m.providers.iter().map(|p| p.id.as_str()).collect();
        let known: Vec<_> = crate::provider::Provider::ALL
            .iter()
            .map(|p| p.id())
            .collect();
        assert_eq!(cols, known);
        assert_eq!(m.models.len(), 3);
        // `cargo xtask codegen` maps every column to its simulator.
        for p in &m.providers {
            assert!(p.simulator.is_some(), "providers[{}].simulator", p.id);
            assert!(p.reach.is_some(), "providers[{}].reach", p.id);
            assert!(p.format.is_some(), "providers[{}].format", p.id);
        }
        let modes: Vec<_> = m.not_offered.iter().map(|n| n.mode.as_str()).collect();
        assert!(modes.contains(&"CLAUDE_CODE_USE_MANTLE"), "{modes:?}");
        // Evidence in the repository exists (URLs are not fetched).
        let root = crate::paths::workspace_root();
        for n in &m.not_offered {
            let path = n.evidence.split('#').next().unwrap_or_default();
            assert!(
                n.evidence.starts_with("https://") || root.join(path).exists(),
                "not_offered[{}].evidence: no {path}",
                n.mode
            );
        }
    }

    #[test]
    fn reach_format_and_not_offered_parse_and_are_checked() {
        let text = GOOD.replace(
            "    name: Anthropic\n",
            "    name: Anthropic\n    reach: base_url\n    format: anthropic_messages\n",
        ) + "not_offered:\n  - mode: CLAUDE_CODE_USE_MANTLE\n    name: Mantle mode\n    why: No route.\n    evidence: docs/columns/mantle_passthrough.md\n";
        let m = parse(&text).unwrap();
        let p = &m.providers[0];
        assert_eq!(
            (p.reach.as_deref(), p.format.as_deref()),
            (Some("base_url"), Some("anthropic_messages"))
        );
        assert_eq!(m.not_offered[0].mode, "CLAUDE_CODE_USE_MANTLE");
        assert_eq!(parse(GOOD).unwrap().not_offered, vec![]);
        assert_eq!(
            parse(&text.replace("reach: base_url", "reach: baseurl")).unwrap_err(),
            "manifest.yaml:7: providers[anthropic].reach: unknown reach `baseurl` (one of: base_url, route, native_mode, rust_path)"
        );
        assert!(
            parse(&text.replace("format: anthropic_messages", "format: openai"))
                .unwrap_err()
                .starts_with(
                    "manifest.yaml:8: providers[anthropic].format: unknown format `openai`"
                )
        );
        assert_eq!(
            parse(&text.replace("mode: CLAUDE_CODE_USE_MANTLE", "mode: mantle")).unwrap_err(),
            "manifest.yaml:14: not_offered[0].mode: `mantle` must be the CLI's environment variable (A-Z, 0-9, `_`)"
        );
    }

    const COLUMNS: &str = "\
features:
  - id: tool_use
    name: Tool use
providers:
  - id: bedrock_invoke
    name: Bedrock (Invoke)
    simulator: bedrock_invoke
  - id: bedrock_passthrough
    name: Bedrock (pass-through)
    simulator: bedrock_invoke
    passthrough: {of: bedrock_invoke, route: /bedrock/}
    front: google
  - id: bedrock_rust_path
    name: Bedrock (Rust path)
    simulator: bedrock_invoke
    rust_path_of: bedrock_invoke
  - id: bedrock_gateway
    name: Bedrock (gateway mode)
    simulator: bedrock_invoke
    gateway_mode: {of: bedrock_invoke, route: /claude_code_gateway/}
models:
  - id: claude-haiku-4-5
    name: Claude Haiku 4.5
    short: haiku-4.5
";

    #[test]
    fn column_facts_parse() {
        let m = parse(COLUMNS).unwrap();
        let [invoke, pass, rust, gw] = &m.providers[..] else {
            panic!("{:?}", m.providers)
        };
        assert_eq!(invoke.simulator.as_deref(), Some("bedrock_invoke"));
        assert_eq!((&invoke.passthrough, &invoke.rust_path_of), (&None, &None));
        assert_eq!(
            pass.passthrough,
            Some(Passthrough {
                of: "bedrock_invoke".into(),
                route: "/bedrock/".into(),
                native_mode: true,
            })
        );
        assert_eq!(pass.front.as_deref(), Some("google"));
        // `cli: base_url`: the first-party CLI at the route, not its native mode.
        let by_url =
            parse(&COLUMNS.replace("route: /bedrock/}", "route: /bedrock/, cli: base_url}"))
                .unwrap();
        assert!(
            !by_url.providers[1]
                .passthrough
                .as_ref()
                .unwrap()
                .native_mode
        );
        assert_eq!(rust.rust_path_of.as_deref(), Some("bedrock_invoke"));
        assert_eq!(rust.gateway_mode, None);
        assert_eq!(
            gw.gateway_mode,
            Some(GatewayMode {
                of: "bedrock_invoke".into(),
                route: "/claude_code_gateway/".into()
            })
        );
        assert_eq!((&gw.passthrough, &gw.rust_path_of), (&None, &None));
        assert_eq!(parse(GOOD).unwrap().providers[0].simulator, None);
    }

    #[test]
    fn bad_column_facts_name_line_and_field() {
        for (from, to, message) in [
            (
                "of: bedrock_invoke",
                "of: vertex_ai",
                "manifest.yaml:11: providers[bedrock_passthrough].passthrough.of: `vertex_ai` is not another column of this list",
            ),
            (
                "route: /bedrock/",
                "route: bedrock",
                "manifest.yaml:11: providers[bedrock_passthrough].passthrough.route: `bedrock` must be a route prefix like `/bedrock/`",
            ),
            (
                "route: /bedrock/}",
                "route: /bedrock/, cli: rust}",
                "manifest.yaml:11: providers[bedrock_passthrough].passthrough.cli: unknown value `rust` (one of: native, base_url)",
            ),
            (
                "rust_path_of: bedrock_invoke",
                "rust_path_of: bedrock_rust_path",
                "manifest.yaml:16: providers[bedrock_rust_path].rust_path_of: `bedrock_rust_path` is not another column of this list",
            ),
            (
                "route: /claude_code_gateway/",
                "route: claude_code_gateway",
                "manifest.yaml:20: providers[bedrock_gateway].gateway_mode.route: `claude_code_gateway` must be a route prefix like `/claude_code_gateway/`",
            ),
            (
                "gateway_mode: {of: bedrock_invoke",
                "gateway_mode: {of: bedrock_gateway",
                "manifest.yaml:20: providers[bedrock_gateway].gateway_mode.of: `bedrock_gateway` is not another column of this list",
            ),
            (
                "    gateway_mode: {of",
                "    rust_path_of: bedrock_invoke\n    gateway_mode: {of",
                "manifest.yaml:21: providers[bedrock_gateway].gateway_mode: a column is reached in gateway mode, through a pass-through or by a Rust path, not several",
            ),
            (
                "front: google",
                "front: azure",
                "manifest.yaml:12: providers[bedrock_passthrough].front: unknown front `azure` (the harness knows: google)",
            ),
            (
                "simulator: bedrock_invoke\n  - id: bedrock_passthrough",
                "simulator: Bedrock Invoke\n  - id: bedrock_passthrough",
                "manifest.yaml:7: providers[bedrock_invoke].simulator: `Bedrock Invoke` is not an id",
            ),
        ] {
            let text = COLUMNS.replace(from, to);
            assert_ne!(text, COLUMNS, "{from}");
            assert_eq!(parse(&text).unwrap_err(), message);
        }
        let text = COLUMNS.replace("    front: google\n", "    fronts: google\n");
        let e = parse(&text).unwrap_err();
        assert!(
            e.starts_with("manifest.yaml:12:") && e.contains("fronts"),
            "{e}"
        );
    }

    #[test]
    fn good_manifest_parses() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.models[0].short, "haiku-4.5");
    }

    #[test]
    fn duplicate_id_names_line_and_field() {
        let text = GOOD.replace(
            "providers:\n",
            "  - id: tool_use\n    name: Other\nproviders:\n",
        );
        assert_eq!(
            parse(&text).unwrap_err(),
            "manifest.yaml:4: features[1].id: duplicate id `tool_use`"
        );
    }

    #[test]
    fn empty_name_names_line_and_field() {
        let text = GOOD.replace("name: Anthropic", "name: \"\"");
        assert_eq!(
            parse(&text).unwrap_err(),
            "manifest.yaml:6: providers[anthropic].name: must not be empty"
        );
    }

    #[test]
    fn unknown_key_is_rejected_with_its_line() {
        let text = GOOD.replace(
            "    name: Tool use\n",
            "    name: Tool use\n    colour: red\n",
        );
        let e = parse(&text).unwrap_err();
        assert!(e.starts_with("manifest.yaml:4:"), "{e}");
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn missing_section_is_rejected() {
        let text = GOOD.split("models:").next().unwrap();
        let e = parse(text).unwrap_err();
        assert!(e.contains("models"), "{e}");
    }

    #[test]
    fn bad_id_characters_are_rejected() {
        let text = GOOD.replace("id: tool_use", "id: Tool Use");
        let e = parse(&text).unwrap_err();
        assert!(
            e.contains("features[0].id: `Tool Use` must use only"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_short_model_name() {
        let text = format!("{GOOD}  - id: claude-x\n    name: X\n    short: haiku-4.5\n");
        let e = parse(&text).unwrap_err();
        assert_eq!(
            e,
            "manifest.yaml:13: models[claude-x].short: duplicate short name `haiku-4.5`"
        );
    }
}
