//! Human renderings of a matrix (schema v1 or v2): a terminal table and
//! Markdown (for PR comments and CI job summaries). Both list the cells'
//! errors and reasons below the grid, since a grid cell has no room.

use std::fmt::Write as _;

use crate::manifest::Manifest;
use crate::matrix::Matrix;
use crate::matrix::v2::{AnyMatrix, CellStatusV2, CellV2, MatrixV2, ModelStatus};
use crate::status::CellStatus;

/// A grid cell: its symbol, and what to say below the grid (label, text).
type ViewCell = (&'static str, Option<(String, String)>);

/// What both schema versions render as: a grid of symbols and, per cell,
/// what to say below the grid.
struct View {
    providers: Vec<String>,
    /// (feature name, one cell per provider).
    rows: Vec<(String, Vec<ViewCell>)>,
    litellm_version: String,
    claude_code_version: String,
    generated_at: String,
}

fn symbol(s: &CellStatus) -> &'static str {
    match s {
        CellStatus::Pass => "✓ pass",
        CellStatus::Fail { .. } => "✗ FAIL",
        CellStatus::NotApplicable { .. } => "— n/a",
        CellStatus::NotTested => "? not tested",
    }
}

fn symbol_v2(s: &CellStatusV2) -> &'static str {
    match s {
        CellStatusV2::Pass => "✓ pass",
        CellStatusV2::Flaky => "≈ flaky",
        CellStatusV2::Partial { .. } => "◐ PARTIAL",
        CellStatusV2::Fail { .. } => "✗ FAIL",
        CellStatusV2::Unverified { .. } => "◌ unverified",
        CellStatusV2::NotApplicable { .. } => "— n/a",
        CellStatusV2::NotTested => "? not tested",
    }
}

/// A red cell whose every failing model rests only on inferred simulator
/// rules (`crate::rule_evidence`) gets a mark readable without colour.
fn symbol_cell(c: &CellV2) -> &'static str {
    let failing: Vec<_> = c
        .models
        .values()
        .filter(|r| r.status == ModelStatus::Fail)
        .collect();
    let inferred = !failing.is_empty()
        && failing
            .iter()
            .all(|r| r.evidence.as_ref().is_some_and(|e| e.only_inferred()));
    match (&c.status, inferred) {
        (CellStatusV2::Fail { .. }, true) => "✗ FAIL (inferred)",
        (CellStatusV2::Partial { .. }, true) => "◐ PARTIAL (inferred)",
        (s, _) => symbol_v2(s),
    }
}

/// The deep dive's line for each failing model that rests only on inferred
/// simulator rules.
fn inferred_lines(c: &CellV2) -> String {
    c.models
        .iter()
        .filter(|(_, r)| r.status == ModelStatus::Fail)
        .filter_map(|(id, r)| {
            let e = r.evidence.as_ref().filter(|e| e.only_inferred())?;
            Some(format!(
                "\n{id}: rests on an unverified simulator rule: {}; a live probe settles it",
                e.rules.join(", ")
            ))
        })
        .collect()
}

/// An unverified cell's note when the sim environment, not the provider or
/// the harness, left a model without a verdict.
fn sim_environment(c: &CellV2) -> &'static str {
    if c.models
        .values()
        .any(|r| r.class == Some(crate::status::FailureClass::SimEnvironment))
    {
        " (sim environment, not the gateway)"
    } else {
        ""
    }
}

impl View {
    fn v1(m: &Matrix) -> View {
        View {
            providers: m.providers.clone(),
            rows: m
                .features
                .iter()
                .map(|f| {
                    let cells = m
                        .providers
                        .iter()
                        .map(|p| match f.providers.get(p) {
                            Some(s) => {
                                let detail = match s {
                                    CellStatus::Fail { error } => {
                                        Some(("fail".into(), error.clone()))
                                    }
                                    CellStatus::NotApplicable { reason } => {
                                        Some(("n/a".into(), reason.clone()))
                                    }
                                    _ => None,
                                };
                                (symbol(s), detail)
                            }
                            None => ("?", None),
                        })
                        .collect();
                    (f.name.clone(), cells)
                })
                .collect(),
            litellm_version: m.litellm_version.clone(),
            claude_code_version: m.claude_code_version.clone(),
            generated_at: m.generated_at.clone(),
        }
    }

    fn v2(m: &MatrixV2) -> View {
        View {
            providers: m.providers.clone(),
            rows: m
                .features
                .iter()
                .map(|f| {
                    let cells = m
                        .providers
                        .iter()
                        .map(|p| match f.providers.get(p) {
                            Some(c) => {
                                let detail = match &c.status {
                                    CellStatusV2::Fail { error } => Some((
                                        "fail".into(),
                                        format!("{error}{}", inferred_lines(c)),
                                    )),
                                    CellStatusV2::Partial {
                                        error,
                                        passing_models,
                                    } => Some((
                                        format!("partial; passing: {}", passing_models.join(", ")),
                                        format!("{error}{}", inferred_lines(c)),
                                    )),
                                    CellStatusV2::Unverified { error, previous } => Some((
                                        match previous {
                                            Some(p) => format!(
                                                "unverified{}; last verified {} on {}",
                                                sim_environment(c),
                                                p.status,
                                                p.verified_at
                                            ),
                                            None => format!("unverified{}", sim_environment(c)),
                                        },
                                        error.clone(),
                                    )),
                                    CellStatusV2::Flaky => Some((
                                        "flaky".into(),
                                        c.models
                                            .iter()
                                            .filter(|(_, r)| r.status == ModelStatus::Flaky)
                                            .map(|(id, r)| {
                                                format!(
                                                    "{id}: passed after: {}",
                                                    r.first_error.as_deref().unwrap_or("a retry")
                                                )
                                            })
                                            .collect::<Vec<_>>()
                                            .join("\n"),
                                    )),
                                    CellStatusV2::NotApplicable { reason } => {
                                        Some(("n/a".into(), reason.clone()))
                                    }
                                    _ => None,
                                };
                                (symbol_cell(c), detail)
                            }
                            None => ("?", None),
                        })
                        .collect();
                    (f.name.clone(), cells)
                })
                .collect(),
            litellm_version: m.litellm_version.clone(),
            claude_code_version: m.claude_code_version.clone(),
            generated_at: m.generated_at.clone(),
        }
    }

    fn any(m: &AnyMatrix) -> View {
        match m {
            AnyMatrix::V1(m) => View::v1(m),
            AnyMatrix::V2(m) => View::v2(m),
        }
    }
}

/// A matrix of either schema version as a terminal table.
pub fn table_any(matrix: &AnyMatrix, manifest: Option<&Manifest>) -> String {
    render_table(&View::any(matrix), manifest)
}

/// A matrix of either schema version as Markdown.
pub fn markdown_any(matrix: &AnyMatrix, manifest: Option<&Manifest>) -> String {
    render_markdown(&View::any(matrix), manifest)
}

fn provider_name<'a>(manifest: Option<&'a Manifest>, id: &'a str) -> &'a str {
    manifest
        .and_then(|m| m.provider(id))
        .map(|p| p.name.as_str())
        .unwrap_or(id)
}

/// A fixed-width table for the terminal.
pub fn table(matrix: &Matrix, manifest: Option<&Manifest>) -> String {
    render_table(&View::v1(matrix), manifest)
}

fn render_table(matrix: &View, manifest: Option<&Manifest>) -> String {
    let headers: Vec<&str> = matrix
        .providers
        .iter()
        .map(|p| provider_name(manifest, p))
        .collect();
    let first_w = matrix
        .rows
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let col_w: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let widest = matrix
                .rows
                .iter()
                .filter_map(|(_, cells)| cells.get(i))
                .map(|(s, _)| s.chars().count())
                .max()
                .unwrap_or(0);
            h.chars().count().max(12).max(widest)
        })
        .collect();
    let mut out = String::new();
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    write!(out, "{}", pad("Feature", first_w)).unwrap();
    for (h, w) in headers.iter().zip(&col_w) {
        write!(out, "  {}", pad(h, *w)).unwrap();
    }
    out.push('\n');
    out.push_str(&"-".repeat(first_w + col_w.iter().map(|w| w + 2).sum::<usize>()));
    out.push('\n');
    for (name, cells) in &matrix.rows {
        write!(out, "{}", pad(name, first_w)).unwrap();
        for ((s, _), w) in cells.iter().zip(&col_w) {
            write!(out, "  {}", pad(s, *w)).unwrap();
        }
        out.push('\n');
    }
    out.push_str(&details(matrix, manifest, false));
    write!(
        out,
        "\nLiteLLM {} · Claude Code {} · generated {}\n",
        matrix.litellm_version, matrix.claude_code_version, matrix.generated_at
    )
    .unwrap();
    out
}

/// GitHub-flavoured Markdown.
pub fn markdown(matrix: &Matrix, manifest: Option<&Manifest>) -> String {
    render_markdown(&View::v1(matrix), manifest)
}

fn render_markdown(matrix: &View, manifest: Option<&Manifest>) -> String {
    let mut out = String::from("| Feature |");
    for p in &matrix.providers {
        write!(out, " {} |", provider_name(manifest, p)).unwrap();
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(matrix.providers.len()));
    out.push('\n');
    for (name, cells) in &matrix.rows {
        write!(out, "| {name} |").unwrap();
        for (s, _) in cells {
            write!(out, " {s} |").unwrap();
        }
        out.push('\n');
    }
    out.push_str(&details(matrix, manifest, true));
    write!(
        out,
        "\nLiteLLM `{}` · Claude Code `{}` · generated {}\n",
        matrix.litellm_version, matrix.claude_code_version, matrix.generated_at
    )
    .unwrap();
    out
}

fn details(matrix: &View, manifest: Option<&Manifest>, md: bool) -> String {
    let mut out = String::new();
    for (name, cells) in &matrix.rows {
        for (p, (_, detail)) in matrix.providers.iter().zip(cells) {
            let Some((label, text)) = detail else {
                continue;
            };
            let head = format!("{} × {} ({label})", name, provider_name(manifest, p));
            if md {
                let body: String = text.lines().map(|l| format!("> {l}\n")).collect();
                write!(out, "\n**{head}**\n{body}").unwrap();
            } else {
                let body: String = text.lines().map(|l| format!("    {l}\n")).collect();
                write!(out, "\n{head}:\n{body}").unwrap();
            }
        }
    }
    out
}

/// The regression gate's comparison as a Markdown table (for the PR gate's
/// job output and a bot's PR comment), per model: what fails the gate first
/// (regressions, failing differently with both signatures, models the
/// baseline lacks, sim retries), then newly passing and still failing. The
/// comparison is `gate::compare`'s, judged as in `mode`.
pub fn diff_markdown(
    baseline: &AnyMatrix,
    current: &AnyMatrix,
    manifest: Option<&Manifest>,
    mode: crate::results::Mode,
) -> String {
    use crate::gate::Judgement;
    let report = crate::gate::compare(baseline, current, mode);
    let feature_name = |id: &str| {
        manifest
            .and_then(|m| m.feature(id))
            .map(|f| f.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let mut out = String::new();
    let failing = report.failing().count();
    if failing == 0 {
        writeln!(
            out,
            "**Regression gate ({mode}): passed** (no model regressed, per model and per failure signature).\n"
        )
        .unwrap();
    } else {
        writeln!(
            out,
            "**Regression gate ({mode}): FAILED**: {failing} model(s) fail it.\n"
        )
        .unwrap();
    }
    let mut changes: Vec<&crate::gate::Entry> = report.changes().collect();
    if changes.is_empty() {
        out.push_str("No model changed between the baseline and this run.\n");
        return out;
    }
    // What fails the gate first, then the rest; stable within each group.
    changes.sort_by_key(|e| !e.judgement.fails_gate(mode));
    out.push_str("| change | feature | provider | model | baseline | now | why |\n|---|---|---|---|---|---|---|\n");
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for e in changes {
        let now = match &e.judgement {
            Judgement::Passed | Judgement::NewlyPassing => "pass",
            Judgement::FlakyInSim { .. } => "flaky",
            Judgement::NotInBaseline { failing: false, .. } => "pass",
            _ => "fail",
        };
        let why = match &e.judgement {
            Judgement::FailingDifferently { before, now } => {
                format!("was `{}`, now `{}`", cell(before), cell(now))
            }
            Judgement::Known { before: Some(s) } => format!("`{}`", cell(s)),
            Judgement::Known { before: None } => "no signature in the baseline".to_owned(),
            Judgement::NotInBaseline { what, .. } => what.clone(),
            Judgement::FlakyInSim { first_error } => format!(
                "passed on a retry; first attempt: {}",
                cell(first_error.lines().next().unwrap_or_default())
            ),
            Judgement::Regression => e
                .error
                .as_deref()
                .and_then(|x| x.lines().next())
                .map(cell)
                .unwrap_or_default(),
            Judgement::Passed | Judgement::NewlyPassing => String::new(),
        };
        let label = if e.judgement.fails_gate(mode) {
            e.judgement.label().to_uppercase()
        } else {
            e.judgement.label().to_owned()
        };
        writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {now} | {why} |",
            feature_name(&e.feature),
            provider_name(manifest, &e.provider),
            e.model,
            e.before.name(),
        )
        .unwrap();
    }
    if mode == crate::results::Mode::Sim
        && report
            .failing()
            .any(|e| matches!(e.judgement, Judgement::NotInBaseline { .. }))
    {
        writeln!(
            out,
            "\nModels the baseline lacks: {}.",
            crate::gate::DECLARE
        )
        .unwrap();
    }
    out
}
