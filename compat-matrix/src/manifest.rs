//! `manifest.yaml`: the matrix's rows (features), columns (providers), the
//! models and the model sets a column runs. Parsed strictly: unknown keys,
//! empty or duplicate ids and names are errors that name the file, the line
//! and the field.

pub mod model_sets;
pub mod reach;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

pub use model_sets::{DEFAULT_SET, ModelSet};
pub use reach::{FORMATS, Format, NotOffered, REACHES, Reach};

/// A validated manifest. Order of every list is display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub features: Vec<Feature>,
    pub providers: Vec<Provider>,
    /// Every model of the manifest, whichever column runs it. A column's
    /// models are [`Manifest::models_of`], never this list.
    pub models: Vec<Model>,
    /// The model sets (manifest.yaml `model_sets`; without it, one set
    /// [`DEFAULT_SET`] of every model), in the manifest's order.
    pub model_sets: Vec<ModelSet>,
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
    /// [`FRONTS`] (`google`: Google's TLS front, for the real host names;
    /// `openai`: OpenAI's, at api.openai.com).
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
    /// The id of the model set the column runs (`models:`, default
    /// [`DEFAULT_SET`]); its models are [`Manifest::models_of`].
    pub model_set: String,
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
pub const FRONTS: &[(&str, &str)] = &[
    (
        "google",
        "Google's TLS front (`compat_sim::host_front`), at Google's host names",
    ),
    // i29 (part route): the openai column's way to its simulator as
    // `https://api.openai.com/v1`, LiteLLM's default api_base.
    (
        "openai",
        "OpenAI's TLS front (`compat_sim::host_front`), at api.openai.com",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Canonical model id, e.g. `claude-sonnet-4-6` or `gpt-5.6-terra`; also
    /// the name the gateway serves the model under.
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
                // Checked below, once the sets are known.
                model_set: String::new(),
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
        let model_lines: Vec<u64> = raw.models.iter().map(|m| m.id.referenced.line()).collect();
        let model_sets = model_sets::check(raw.model_sets.as_ref(), &models, &model_lines, &err)?;
        for (p, raw) in providers.iter_mut().zip(&raw.providers) {
            p.model_set = model_sets::of_column(
                &p.id,
                raw.models.as_ref(),
                &model_sets,
                &err,
                raw.id.referenced.line(),
            )?;
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
            model_sets,
            not_offered,
        })
    }

    /// The models column `provider_id` runs, in display order: THE way to
    /// get a column's models (empty for an id that is no column).
    pub fn models_of(&self, provider_id: &str) -> &[Model] {
        self.provider(provider_id)
            .and_then(|p| self.model_set(&p.model_set))
            .map_or(&[], |s| &s.models)
    }

    pub fn model_set(&self, id: &str) -> Option<&ModelSet> {
        self.model_sets.iter().find(|s| s.id == id)
    }

    /// The models some column runs, in the order of `models`: the models a
    /// matrix built from this manifest lists (a set no column uses yet, like
    /// `gpt` before its columns, adds none).
    pub fn models_in_use(&self) -> Vec<&Model> {
        self.models
            .iter()
            .filter(|m| {
                self.providers
                    .iter()
                    .any(|p| self.models_of(&p.id).iter().any(|x| x.id == m.id))
            })
            .collect()
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
    model_sets: Option<model_sets::RawModelSets>,
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
    /// The id of a model set (`model_sets`).
    #[serde(default)]
    models: Option<Spanned<String>>,
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
mod tests;
