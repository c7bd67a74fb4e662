//! The one cell view and the comparisons built on it: every cell of a matrix
//! of either schema (`CellView`, read by the publisher's history too), the
//! summary of what a publish changes (`describe_changes`), and the commit
//! message's flips, per model as the regression gate reads them
//! (`flips`, over `gate::compare`, the one per-model comparison).

use std::path::Path;

use crate::matrix::v2::{AnyMatrix, CellStatusV2};
use crate::status::CellStatus;

/// One cell of a matrix of either schema, as the change summaries see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellView<'a> {
    pub feature: &'a str,
    pub provider: &'a str,
    /// The wire name (`pass`, `fail`, `partial`, `unverified`, ...).
    pub status: &'static str,
    /// The error (fail, partial, unverified) or reason (not_applicable).
    pub detail: Option<&'a str>,
    /// v2: when the cell's status last changed (its `history.changed_at`).
    pub changed_at: Option<&'a str>,
}

/// Every cell of `m`, row by row.
pub fn cells(m: &AnyMatrix) -> Vec<CellView<'_>> {
    let mut out = Vec::new();
    match m {
        AnyMatrix::V1(m) => {
            for f in &m.features {
                for (p, c) in &f.providers {
                    let detail = match c {
                        CellStatus::Fail { error } => Some(error.as_str()),
                        CellStatus::NotApplicable { reason } => Some(reason.as_str()),
                        _ => None,
                    };
                    out.push(CellView {
                        feature: &f.id,
                        provider: p,
                        status: c.name(),
                        detail,
                        changed_at: None,
                    });
                }
            }
        }
        AnyMatrix::V2(m) => {
            for f in &m.features {
                for (p, c) in &f.providers {
                    out.push(CellView {
                        feature: &f.id,
                        provider: p,
                        status: c.status.name(),
                        detail: detail_v2(&c.status),
                        changed_at: c.history.as_ref().map(|h| h.changed_at.as_str()),
                    });
                }
            }
        }
    }
    out
}

fn detail_v2(s: &CellStatusV2) -> Option<&str> {
    match s {
        CellStatusV2::Fail { error }
        | CellStatusV2::Partial { error, .. }
        | CellStatusV2::Unverified { error, .. } => Some(error),
        CellStatusV2::NotApplicable { reason } => Some(reason),
        _ => None,
    }
}

/// (litellm_version, claude_code_version, providers, generated_at).
fn header(m: &AnyMatrix) -> (&str, &str, &[String], &str) {
    match m {
        AnyMatrix::V1(m) => (
            &m.litellm_version,
            &m.claude_code_version,
            &m.providers,
            &m.generated_at,
        ),
        AnyMatrix::V2(m) => (
            &m.litellm_version,
            &m.claude_code_version,
            &m.providers,
            &m.generated_at,
        ),
    }
}

/// One line per difference between the published matrix (`old`, the file's
/// text if it exists; schema v1 or v2) and the new one: versions,
/// rows/columns, cell statuses.
pub fn describe_changes(old: Option<&str>, new: &AnyMatrix) -> Vec<String> {
    let Some(old) = old else {
        return vec!["new file: the docs repo has no matrix at this path yet".into()];
    };
    let old = match AnyMatrix::parse(old, Path::new("published matrix")) {
        Ok(m) => m,
        Err(e) => {
            return vec![format!(
                "the published file is not a valid matrix ({e}); it is replaced"
            )];
        }
    };
    let (ol, oc, op, og) = header(&old);
    let (nl, nc, np, ng) = header(new);
    let mut out = Vec::new();
    if let (AnyMatrix::V1(_), AnyMatrix::V2(_)) | (AnyMatrix::V2(_), AnyMatrix::V1(_)) = (&old, new)
    {
        let v = |m: &AnyMatrix| if matches!(m, AnyMatrix::V1(_)) { 1 } else { 2 };
        out.push(format!("schema_version: {} -> {}", v(&old), v(new)));
    }
    for (what, a, b) in [("litellm_version", ol, nl), ("claude_code_version", oc, nc)] {
        if a != b {
            out.push(format!("{what}: {a} -> {b}"));
        }
    }
    if op != np {
        out.push(format!("providers: {op:?} -> {np:?}"));
    }
    let old_cells = cells(&old);
    let new_cells = cells(new);
    let mut row_seen: Vec<&str> = Vec::new();
    for c in &new_cells {
        if !old_cells.iter().any(|o| o.feature == c.feature) {
            if !row_seen.contains(&c.feature) {
                row_seen.push(c.feature);
                out.push(format!("new row: {}", c.feature));
            }
            continue;
        }
        let (f, p) = (c.feature, c.provider);
        match old_cells.iter().find(|o| o.feature == f && o.provider == p) {
            Some(o) if o.status == c.status && o.detail == c.detail => {}
            Some(o) if o.status == c.status => {
                out.push(format!("{f} × {p}: {} (message changed)", c.status))
            }
            Some(o) => out.push(format!("{f} × {p}: {} -> {}", o.status, c.status)),
            None => out.push(format!("{f} × {p}: new cell, {}", c.status)),
        }
    }
    let mut removed: Vec<&str> = Vec::new();
    for o in &old_cells {
        if !new_cells.iter().any(|c| c.feature == o.feature) && !removed.contains(&o.feature) {
            removed.push(o.feature);
            out.push(format!("removed row: {}", o.feature));
        }
    }
    if out.is_empty() && og != ng {
        out.push(format!(
            "same results, newer run: generated_at {og} -> {ng}"
        ));
    }
    out
}

/// The commit message's flip lines, one entry per changed cell: its status
/// change, `feature/provider: old -> new`, then (indented) each model whose
/// verdict changed, per model and per failure signature as the regression
/// gate reads them (`crate::gate::compare`, live semantics: a flaky
/// model reads as passing): `claude-haiku-4-5: pass -> fail (first line of
/// its error)`, `claude-opus-4-7: failing differently: was `...`, now
/// `...``, `fail -> pass`. A cell whose status changed with no model verdict
/// to show (unverified, not applicable) keeps the first line of its error
/// after the status. A cell whose status is the same but a model's verdict
/// changed (a partial cell where another model fails now) is listed too.
/// No lines on a first publish (`old` is `None`).
pub fn flips(old: Option<&AnyMatrix>, new: &AnyMatrix) -> Vec<String> {
    use crate::gate::Judgement;
    let Some(old) = old else {
        return Vec::new();
    };
    let report = crate::gate::compare(old, new, crate::results::Mode::Live);
    let old_cells = cells(old);
    cells(new)
        .into_iter()
        .filter_map(|c| {
            let o = old_cells
                .iter()
                .find(|o| o.feature == c.feature && o.provider == c.provider)?;
            let models: Vec<String> = report
                .entries
                .iter()
                .filter(|e| e.feature == c.feature && e.provider == c.provider)
                .filter_map(|e| {
                    let error = || {
                        e.error
                            .as_deref()
                            .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
                            .map(|l| format!(" ({})", shorten(l.trim())))
                            .unwrap_or_default()
                    };
                    let what = match &e.judgement {
                        Judgement::Regression => format!("pass -> fail{}", error()),
                        Judgement::FailingDifferently { before, now } => format!(
                            "failing differently: was `{}`, now `{}`",
                            shorten(before),
                            shorten(now)
                        ),
                        Judgement::NewlyPassing => "fail -> pass".to_owned(),
                        Judgement::NotInBaseline { failing: true, .. } => {
                            format!("{} -> fail{}", e.before.name(), error())
                        }
                        _ => return None,
                    };
                    Some(format!("  {}: {what}", e.model))
                })
                .collect();
            if o.status == c.status && models.is_empty() {
                return None;
            }
            let why = match (c.status, models.is_empty()) {
                ("fail" | "partial" | "unverified", true) => c
                    .detail
                    .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
                    .map(|l| format!(" ({})", shorten(l.trim())))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let mut line = format!(
                "{}/{}: {} -> {}{why}",
                c.feature, c.provider, o.status, c.status
            );
            for m in models {
                line.push('\n');
                line.push_str(&m);
            }
            Some(line)
        })
        .collect()
}

/// Cells named in [`bump_summary`]'s line before "and N more".
pub const BUMP_CELLS_SHOWN: usize = 5;

/// The commit message's line on a version bump, when the run's versions moved
/// since `old`: `LiteLLM 1.108.7 → 1.110.2: 3 cells changed (tool_use ×
/// bedrock_invoke: pass → fail, …)`, or `...: no cell changed status`.
/// Counts the cells whose status changed (as the page's Δ marks do), in
/// table order, naming the first [`BUMP_CELLS_SHOWN`]. `None` when neither
/// version moved (the change, if any, is not a bump's).
pub fn bump_summary(old: &AnyMatrix, new: &AnyMatrix) -> Option<String> {
    let bump = crate::matrix::v2::ChangedWith::between(old.versions(), new.versions())?;
    let old_cells = cells(old);
    let changed: Vec<String> = cells(new)
        .into_iter()
        .filter_map(|c| {
            let o = old_cells
                .iter()
                .find(|o| o.feature == c.feature && o.provider == c.provider)?;
            (o.status != c.status).then(|| {
                format!(
                    "{} × {}: {} → {}",
                    c.feature, c.provider, o.status, c.status
                )
            })
        })
        .collect();
    let what = match changed.len() {
        0 => return Some(format!("{}: no cell changed status", bump.text())),
        1 => "1 cell changed".to_owned(),
        n => format!("{n} cells changed"),
    };
    let mut named = changed[..changed.len().min(BUMP_CELLS_SHOWN)].join(", ");
    if changed.len() > BUMP_CELLS_SHOWN {
        named.push_str(&format!(
            ", … and {} more",
            changed.len() - BUMP_CELLS_SHOWN
        ));
    }
    Some(format!("{}: {what} ({named})", bump.text()))
}

/// A message cut to one short line's length (160 characters).
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
