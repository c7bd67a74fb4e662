//! Human renderings of a matrix: a terminal table and Markdown (for PR
//! comments and CI job summaries). Both list the failing cells' errors and the
//! not-applicable reasons below the grid, since a grid cell has no room.

use std::fmt::Write as _;

use crate::manifest::Manifest;
use crate::matrix::Matrix;
use crate::status::CellStatus;

fn symbol(s: &CellStatus) -> &'static str {
    match s {
        CellStatus::Pass => "✓ pass",
        CellStatus::Fail { .. } => "✗ FAIL",
        CellStatus::NotApplicable { .. } => "— n/a",
        CellStatus::NotTested => "? not tested",
    }
}

fn provider_name<'a>(manifest: Option<&'a Manifest>, id: &'a str) -> &'a str {
    manifest
        .and_then(|m| m.provider(id))
        .map(|p| p.name.as_str())
        .unwrap_or(id)
}

/// A fixed-width table for the terminal.
pub fn table(matrix: &Matrix, manifest: Option<&Manifest>) -> String {
    let headers: Vec<&str> = matrix
        .providers
        .iter()
        .map(|p| provider_name(manifest, p))
        .collect();
    let first_w = matrix
        .features
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let col_w: Vec<usize> = headers.iter().map(|h| h.chars().count().max(12)).collect();
    let mut out = String::new();
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    write!(out, "{}", pad("Feature", first_w)).unwrap();
    for (h, w) in headers.iter().zip(&col_w) {
        write!(out, "  {}", pad(h, *w)).unwrap();
    }
    out.push('\n');
    out.push_str(&"-".repeat(first_w + col_w.iter().map(|w| w + 2).sum::<usize>()));
    out.push('\n');
    for f in &matrix.features {
        write!(out, "{}", pad(&f.name, first_w)).unwrap();
        for (p, w) in matrix.providers.iter().zip(&col_w) {
            let s = f.providers.get(p).map(symbol).unwrap_or("?");
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
    let mut out = String::from("| Feature |");
    for p in &matrix.providers {
        write!(out, " {} |", provider_name(manifest, p)).unwrap();
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(matrix.providers.len()));
    out.push('\n');
    for f in &matrix.features {
        write!(out, "| {} |", f.name).unwrap();
        for p in &matrix.providers {
            let s = f.providers.get(p).map(symbol).unwrap_or("?");
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

fn details(matrix: &Matrix, manifest: Option<&Manifest>, md: bool) -> String {
    let mut out = String::new();
    for f in &matrix.features {
        for p in &matrix.providers {
            let (label, text) = match f.providers.get(p) {
                Some(CellStatus::Fail { error }) => ("fail", error),
                Some(CellStatus::NotApplicable { reason }) => ("n/a", reason),
                _ => continue,
            };
            let head = format!("{} × {} ({label})", f.name, provider_name(manifest, p));
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
