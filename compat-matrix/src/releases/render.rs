//! The releases file for people: cell/models x releases as a terminal table
//! or Markdown, by default only the cell/models whose verdict changed across
//! the releases (worked in one, broken in another), each with its works since
//! / broke in and, below the grid, the message of the release it broke in.

use std::fmt::Write as _;

use super::{ReleaseCell, ReleasesFile, VerdictStatus};

fn symbol(s: Option<VerdictStatus>) -> &'static str {
    match s {
        Some(VerdictStatus::Pass) => "✓ pass",
        Some(VerdictStatus::Flaky) => "≈ flaky",
        Some(VerdictStatus::Fail) => "✗ FAIL",
        Some(VerdictStatus::Unverified) => "◌ unverified",
        Some(VerdictStatus::NotApplicable) => "— n/a",
        Some(VerdictStatus::NotTested) => "? not tested",
        None => "· absent",
    }
}

/// Whether the cell/model worked in one release and was broken in another.
pub fn changed(c: &ReleaseCell) -> bool {
    let verdicts: Vec<bool> = c
        .by_release
        .values()
        .filter_map(|v| v.status.works())
        .collect();
    verdicts.contains(&true) && verdicts.contains(&false)
}

/// The last column: what the page says of the cell/model.
fn summary(f: &ReleasesFile, c: &ReleaseCell) -> String {
    let oldest_verdict = f
        .releases
        .iter()
        .find(|r| {
            c.by_release
                .get(&r.litellm_version)
                .is_some_and(|v| v.status.works().is_some())
        })
        .map(|r| r.litellm_version.as_str());
    match (&c.works_since, &c.broke_in) {
        (Some(s), _) if Some(s.as_str()) == oldest_verdict => {
            format!("works in every measured release (since ≤ {s})")
        }
        (Some(s), _) => format!("works since {s}"),
        (None, Some(b)) => format!("broke in {}", b.release),
        (None, None) if oldest_verdict.is_some() => "never worked".to_owned(),
        (None, None) => "no verdict".to_owned(),
    }
}

struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// (row label, message) below the grid.
    notes: Vec<(String, String)>,
    shown: usize,
}

fn name<'a>(list: &'a [super::Named], id: &'a str) -> &'a str {
    list.iter()
        .find(|n| n.id == id)
        .map_or(id, |n| n.name.as_str())
}

fn grid(f: &ReleasesFile, all: bool) -> Grid {
    let mut header = vec!["feature × provider × model".to_owned()];
    header.extend(f.releases.iter().map(|r| r.litellm_version.clone()));
    header.push("across releases".to_owned());
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for c in f.cells.iter().filter(|c| all || changed(c)) {
        let label = format!(
            "{} × {} × {}",
            name(&f.features, &c.feature),
            name(&f.providers, &c.provider),
            name(&f.models, &c.model)
        );
        let mut row = vec![label.clone()];
        row.extend(
            f.releases
                .iter()
                .map(|r| symbol(c.by_release.get(&r.litellm_version).map(|v| v.status)).to_owned()),
        );
        row.push(summary(f, c));
        rows.push(row);
        if let Some(b) = &c.broke_in {
            notes.push((label, format!("broke in {}: {}", b.release, b.message)));
        }
    }
    Grid {
        header,
        shown: rows.len(),
        rows,
        notes,
    }
}

fn intro(f: &ReleasesFile, g: &Grid, all: bool) -> String {
    let mut out = format!(
        "LiteLLM releases {} ({} mode, claude {}, generated {})\n",
        f.releases
            .iter()
            .map(|r| r.litellm_version.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        f.mode,
        f.claude_code_version,
        f.generated_at
    );
    if all {
        let _ = writeln!(out, "every cell/model: {}", g.shown);
    } else {
        let _ = writeln!(
            out,
            "cell/models whose verdict changed across the releases: {} of {} (--all for every one)",
            g.shown,
            f.cells.len()
        );
    }
    out
}

fn outro(f: &ReleasesFile, g: &Grid, bullet: &str) -> String {
    let mut out = String::new();
    for (label, note) in &g.notes {
        let _ = writeln!(out, "{bullet}{label}: {}", note.replace('\n', " "));
    }
    for s in &f.skipped {
        let _ = writeln!(
            out,
            "{bullet}skipped LiteLLM {}: {}",
            s.litellm_version, s.why
        );
    }
    out
}

/// A fixed-width table for the terminal; `all`: every cell/model, not only
/// those whose verdict changed.
pub fn table(f: &ReleasesFile, all: bool) -> String {
    let g = grid(f, all);
    let mut out = intro(f, &g, all);
    out.push('\n');
    let width = |i: usize| {
        std::iter::once(&g.header)
            .chain(&g.rows)
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..g.header.len()).map(width).collect();
    let line = |cells: &[String]| {
        let mut l = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect::<Vec<_>>()
            .join(" | ");
        l.truncate(l.trim_end().len());
        l + "\n"
    };
    out.push_str(&line(&g.header));
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-"),
    );
    out.push('\n');
    for r in &g.rows {
        out.push_str(&line(r));
    }
    let notes = outro(f, &g, "- ");
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out
}

/// Markdown (a CI job summary, a PR comment).
pub fn markdown(f: &ReleasesFile, all: bool) -> String {
    let g = grid(f, all);
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!("### Across LiteLLM releases\n\n{}\n", intro(f, &g, all));
    if !g.rows.is_empty() {
        let _ = writeln!(
            out,
            "| {} |",
            g.header
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(out, "|{}", "---|".repeat(g.header.len()));
        for r in &g.rows {
            let _ = writeln!(
                out,
                "| {} |",
                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            );
        }
    }
    let notes = outro(f, &g, "- ");
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out
}
