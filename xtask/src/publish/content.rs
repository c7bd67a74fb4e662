//! What `cargo xtask publish` publishes, apart from running and committing:
//! the matrix in the asked schema (v2 with its run context and each cell's
//! history against the matrix it replaces) and the commit message.

use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::compare;
use compat_matrix::matrix::v2::{AnyMatrix, CellHistory, ChangedWith, MatrixV2, RunContext};
use compat_matrix::matrix::{BuildOptions, ResultsInput, SchemaVersion};
use compat_matrix::paths;
use compat_matrix::results::RunResults;

use super::{Options, env_non_empty};
use crate::publisher;
use crate::versions::block_on;
use crate::versions::claude_code::ClaudeCodeResolver;
use crate::versions::litellm::{LitellmResolver, parse_stable_tag};

/// Builds the matrix of `schema`; for v2 with the run's `context` and, when
/// `previous` (the matrix being replaced) is given, each cell's `history`.
pub(super) fn build_schema(
    schema: SchemaVersion,
    manifest: &Manifest,
    inputs: &[ResultsInput<'_>],
    options: &BuildOptions,
    context: &Option<RunContext>,
    previous: Option<&AnyMatrix>,
) -> Result<AnyMatrix, compat_matrix::matrix::BuildError> {
    let mut m = schema.build(manifest, inputs, options)?;
    if let AnyMatrix::V2(m) = &mut m {
        // The built matrix knows the run's mode; the publisher adds the rest.
        let mode = m.context.as_ref().and_then(|c| c.mode);
        let mut c = context.clone().unwrap_or_default();
        c.mode = c.mode.or(mode);
        m.context = Some(c).filter(|c| *c != RunContext::default());
        if let Some(previous) = previous {
            embed_history(m, previous);
        }
    }
    Ok(m)
}

/// Sets each cell's `history` from the matrix it replaces: the status it had
/// there, and when the status last changed (carried over while the status
/// stays; this run's generated_at when it flips; the replaced matrix's
/// generated_at when that matrix kept no history, e.g. schema v1).
/// `changed_with` goes with `changed_at`: on a flip, the versions that moved
/// since the replaced run (none when neither moved); while the status stays,
/// the replaced history's (the bump that came with that older change).
/// Republishing the same run (same generated_at) keeps the old history, so
/// a rerun changes nothing. A cell the replaced matrix lacked gets none.
pub fn embed_history(m: &mut MatrixV2, previous: &AnyMatrix) {
    let old_cells = compat_matrix::matrix::compare::cells(previous);
    let old_generated = previous.generated_at().to_owned();
    let same_run = old_generated == m.generated_at;
    let bump = ChangedWith::between(
        previous.versions(),
        (&m.litellm_version, &m.claude_code_version),
    );
    for f in &mut m.features {
        for (p, cell) in &mut f.providers {
            let Some(o) = old_cells
                .iter()
                .find(|o| o.feature == f.id && o.provider == *p)
            else {
                continue;
            };
            if same_run {
                if let AnyMatrix::V2(old) = previous {
                    cell.history = old.cell(&f.id, p).and_then(|c| c.history.clone());
                }
                continue;
            }
            let (changed_at, changed_with) = if o.status == cell.status.name() {
                let kept = match previous {
                    AnyMatrix::V2(old) => old
                        .cell(&f.id, p)
                        .and_then(|c| c.history.as_ref())
                        .and_then(|h| h.changed_with.clone()),
                    AnyMatrix::V1(_) => None,
                };
                (o.changed_at.unwrap_or(&old_generated).to_owned(), kept)
            } else {
                (m.generated_at.clone(), bump.clone())
            };
            cell.history = Some(CellHistory {
                previous_status: o.status.to_owned(),
                changed_at,
                changed_with,
            });
        }
    }
}

/// The commit message: versions, run time, the version bump and what it
/// changed (when the versions moved since `previous`), and one line per
/// flipped cell.
pub fn commit_message(matrix: &AnyMatrix, previous: Option<&AnyMatrix>) -> String {
    let (l, c) = matrix.versions();
    let g = matrix.generated_at();
    let mut msg = format!(
        "Update Claude Code compatibility matrix\n\nLiteLLM {l}, Claude Code {c}, generated {g}.\n"
    );
    if let Some(bump) = previous.and_then(|p| compare::bump_summary(p, matrix)) {
        msg.push_str(&format!("{bump}.\n"));
    }
    let flips = publisher::flips(previous, matrix);
    match (previous, flips.is_empty()) {
        (None, _) => msg.push_str("\nFirst publish at this path.\n"),
        (Some(_), true) => msg.push_str("\nNo cell changed status or model verdict.\n"),
        (Some(_), false) => {
            msg.push_str(&format!(
                "\n{} cell(s) changed status or model verdict:\n",
                flips.len()
            ));
            for f in flips {
                msg.push_str(&f);
                msg.push('\n');
            }
        }
    }
    msg
}

/// What the publisher knew about the run (schema v2's `context`). Every
/// lookup is optional: a failure is a warning and leaves its field out.
pub(super) fn run_context(
    opts: &Options,
    results: &RunResults,
    litellm_tag: Option<&str>,
    log: &mut dyn FnMut(&str),
) -> RunContext {
    let mut c = RunContext {
        run_url: opts.run_url.clone(),
        source_repo_url: opts.source_repo.clone(),
        source_commit: env_non_empty("GITHUB_SHA").or_else(git_head),
        ..Default::default()
    };
    if !opts.context_lookups {
        return c;
    }
    if let Some(ran) = results.run.claude_code_version.as_deref() {
        match block_on(ClaudeCodeResolver::from_env().fetch()) {
            Ok(doc) => {
                let (latest, behind) = crate::versions::claude_code::releases_behind(&doc, ran);
                c.claude_code_latest = latest;
                c.claude_code_releases_behind = behind;
            }
            Err(e) => log(&format!(
                "warning: cannot read Claude Code's versions from npm ({e}); the matrix says nothing about how current it is"
            )),
        }
    }
    if let Some(tag) = litellm_tag {
        let floor = parse_stable_tag(tag).unwrap_or(crate::versions::litellm::StableTag {
            major: 0,
            minor: 0,
            patch: 0,
        });
        match block_on(LitellmResolver::from_env().stable_releases_since(floor)) {
            Ok(tags) => {
                let (latest, behind) = crate::versions::litellm::releases_behind(&tags, tag);
                c.litellm_latest_stable = latest;
                c.litellm_releases_behind = behind;
                c.litellm_selection = crate::versions::litellm::measured_note(
                    tag,
                    &tags,
                    &mut crate::versions::litellm::index_can_install,
                    crate::versions::litellm::MAX_SKIPPED,
                );
            }
            Err(e) => log(&format!(
                "warning: cannot list LiteLLM's releases ({e}); the matrix says nothing about how current it is"
            )),
        }
    }
    c
}

/// This checkout's commit, when run from a git work tree.
pub(super) fn git_head() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(paths::workspace_root())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && s.len() >= 7).then_some(s)
}
