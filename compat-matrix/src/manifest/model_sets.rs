//! manifest.yaml `model_sets`: which models a column runs. A set is an id and
//! a list of model ids (display order); a column names its set with
//! `models: <set>`, and a column without it runs [`DEFAULT_SET`]. Checked
//! strictly: an empty set, a set naming an unknown model or one model twice,
//! a model in no set and a column naming an unknown set are errors naming the
//! file, the line and the field.

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use super::{ManifestError, Model, is_id};

/// The set of a column that names none: the Claude models, as every column
/// ran before sets existed.
pub const DEFAULT_SET: &str = "claude";

/// A model set: its id and its models, in display order (the order of the
/// set's list in the manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSet {
    pub id: String,
    pub models: Vec<Model>,
}

/// `model_sets:` as written: set id -> its model ids, with their lines
/// (YAML itself refuses a set id given twice).
pub(super) type RawModelSets = IndexMap<String, Spanned<Vec<Spanned<String>>>>;

/// The sets, checked against `models` (parsed and checked before).
/// `model_lines[i]` is the line of `models[i].id`, for "in no set". Without
/// `model_sets:` the manifest has one set, [`DEFAULT_SET`], of every model in
/// list order (a fixture manifest need not spell it out).
pub(super) fn check(
    raw: Option<&RawModelSets>,
    models: &[Model],
    model_lines: &[u64],
    err: &dyn Fn(u64, String) -> ManifestError,
) -> Result<Vec<ModelSet>, ManifestError> {
    let Some(raw) = raw else {
        return Ok(vec![ModelSet {
            id: DEFAULT_SET.to_owned(),
            models: models.to_vec(),
        }]);
    };
    let mut sets = Vec::new();
    for (id, list) in raw {
        let line = list.referenced.line();
        if !is_id(id) {
            return Err(err(
                line,
                format!("model_sets.{id}: `{id}` must use only a-z, 0-9, `_`, `-` and `.`"),
            ));
        }
        if list.value.is_empty() {
            return Err(err(
                line,
                format!("model_sets.{id}: must list at least one model"),
            ));
        }
        let mut set = ModelSet {
            id: id.clone(),
            models: Vec::new(),
        };
        for m in &list.value {
            let want = m.value.trim();
            let line = m.referenced.line();
            let Some(model) = models.iter().find(|x| x.id == want) else {
                return Err(err(
                    line,
                    format!("model_sets.{id}: `{want}` is no model of `models`"),
                ));
            };
            if set.models.iter().any(|x| x.id == want) {
                return Err(err(
                    line,
                    format!("model_sets.{id}: `{want}` is listed twice"),
                ));
            }
            set.models.push(model.clone());
        }
        sets.push(set);
    }
    // A model no set names would run on no column: a typo or a leftover.
    for (m, line) in models.iter().zip(model_lines) {
        if !sets.iter().any(|s| s.models.iter().any(|x| x.id == m.id)) {
            return Err(err(
                *line,
                format!("models[{}]: in no set of `model_sets`", m.id),
            ));
        }
    }
    Ok(sets)
}

/// A column's set: the one it names (`models:`, a key of `sets`), else
/// [`DEFAULT_SET`], which must then exist.
pub(super) fn of_column(
    column: &str,
    named: Option<&Spanned<String>>,
    sets: &[ModelSet],
    err: &dyn Fn(u64, String) -> ManifestError,
    column_line: u64,
) -> Result<String, ManifestError> {
    let (want, line) = match named {
        Some(s) => (s.value.trim(), s.referenced.line()),
        None => (DEFAULT_SET, column_line),
    };
    if sets.iter().any(|s| s.id == want) {
        return Ok(want.to_owned());
    }
    let known: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
    let how = if named.is_some() {
        "names"
    } else {
        "names no set (no `models:`), so it runs"
    };
    Err(err(
        line,
        format!(
            "providers[{column}].models: the column {how} the model set `{want}`, which `model_sets` does not define (it has: {})",
            known.join(", ")
        ),
    ))
}
