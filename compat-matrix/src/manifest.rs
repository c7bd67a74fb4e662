//! `manifest.yaml`: the matrix's rows (features), columns (providers) and the
//! models every cell runs on. Parsed strictly: unknown keys, empty or duplicate
//! ids and names are errors that name the file, the line and the field.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

/// A validated manifest. Order of every list is display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub features: Vec<Feature>,
    pub providers: Vec<Provider>,
    pub models: Vec<Model>,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub id: String,
    pub name: String,
}

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
        let providers = check_entries("providers", &raw.providers, &err)?
            .into_iter()
            .map(|(id, name)| Provider { id, name })
            .collect::<Vec<_>>();

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
        Ok(Manifest {
            features,
            providers,
            models,
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
    providers: Vec<RawEntry>,
    models: Vec<RawModel>,
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
        if !id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' || c == '.'
        }) {
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
