//! `cargo xtask publish --releases FILE`: the releases file (`cargo xtask
//! releases`) committed beside the daily matrix, at the matrix path's
//! folder (`src/data/compatibility-releases.json`), by the same publisher and
//! with the same refusals: only a live file goes to the docs site's path or
//! a remote repository; sim and rehearsal files only to a local docs repo
//! away from the real path (e.g. `--path rehearsal/compatibility-matrix.json`
//! puts it at `rehearsal/compatibility-releases.json`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use compat_core::secret::Secret;
use compat_matrix::releases::{ReleasesFile, render};

use super::{AUTHOR_EMAIL_VAR, AUTHOR_NAME_VAR, Options, Report, env_or, unpublishable_refusal};
use crate::publisher::{self, Identity, Prepared, PublishRequest, Remote, TOKEN_VAR};

pub const FILE_NAME: &str = "compatibility-releases.json";

/// Where the releases file goes in the docs repo: beside the matrix.
pub fn releases_path(opts: &Options) -> PathBuf {
    opts.path.with_file_name(FILE_NAME)
}

/// Validates and publishes the releases file `file`.
pub(super) fn publish_releases(
    opts: &Options,
    file: &Path,
    remote: Option<&Remote>,
    token: Option<Secret>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(file).with_context(|| {
        format!(
            "reading the releases file {}; `cargo xtask releases` writes one",
            file.display()
        )
    })?;
    let releases = ReleasesFile::parse(&text, file).map_err(anyhow::Error::msg)?;
    if let Some(mode) = opts.mode
        && mode != releases.mode
    {
        bail!(
            "{} holds {} results, but --mode {mode} was asked",
            file.display(),
            releases.mode
        );
    }
    if let Some(why) = unpublishable_refusal(releases.mode, opts, remote) {
        bail!("the releases file records its mode: {why}");
    }
    let text = releases.to_json_pretty();
    crate::releases::validate(&text)?;
    let path = releases_path(opts);
    log(&format!(
        "releases file ({} mode, claude {}, LiteLLM {}) validated",
        releases.mode,
        releases.claude_code_version,
        versions(&releases)
    ));
    let Some(remote) = remote else {
        return Ok(Report::Written);
    };
    if token.is_none() && remote.http_origin.is_some() && !opts.dry_run {
        log(&format!(
            "warning: {TOKEN_VAR} is not set; the push will only work if git needs no credentials"
        ));
    }
    let scratch = tempfile::Builder::new()
        .prefix("compat-publish-releases-")
        .tempdir()
        .context("creating a scratch folder")?;
    let make = |old: &publisher::Old<'_>| -> Result<Prepared, publisher::PublishError> {
        Ok(Prepared {
            text: text.clone(),
            message: commit_message(&releases),
            changes: changes(old.matrix, &releases),
            history: None,
        })
    };
    let req = PublishRequest {
        repo: &opts.docs_repo,
        branch: &opts.branch,
        path: &path,
        content: &make,
        history_path: None,
        token: token.as_ref(),
        author: Identity {
            name: env_or(AUTHOR_NAME_VAR, Identity::default().name),
            email: env_or(AUTHOR_EMAIL_VAR, Identity::default().email),
        },
        dry_run: opts.dry_run,
        work_dir: scratch.path(),
        before_push: None,
    };
    Ok(Report::Published(publisher::publish(&req, log)?))
}

fn versions(f: &ReleasesFile) -> String {
    f.releases
        .iter()
        .map(|r| r.litellm_version.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The commit's message: the releases, and which cell/models changed
/// across them (works since / broke in).
pub fn commit_message(f: &ReleasesFile) -> String {
    let changed: Vec<_> = f.cells.iter().filter(|c| render::changed(c)).collect();
    let mut m = format!(
        "compatibility-releases: LiteLLM {} x Claude Code {} ({})\n\n{} cell/model(s) changed across the releases",
        versions(f),
        f.claude_code_version,
        f.mode,
        changed.len()
    );
    for c in changed.iter().take(20) {
        let what = match (&c.works_since, &c.broke_in) {
            (Some(s), _) => format!("works since {s}"),
            (None, Some(b)) => format!("broke in {}", b.release),
            (None, None) => "changed".to_owned(),
        };
        m.push_str(&format!(
            "\n- {} x {} x {}: {what}",
            c.feature, c.provider, c.model
        ));
    }
    if changed.len() > 20 {
        m.push_str(&format!("\n- ... and {} more", changed.len() - 20));
    }
    for s in &f.skipped {
        m.push_str(&format!(
            "\n\nskipped LiteLLM {}: {}",
            s.litellm_version, s.why
        ));
    }
    m.push('\n');
    m
}

/// One line per difference with the file it replaces.
fn changes(old: Option<&str>, new: &ReleasesFile) -> Vec<String> {
    let Some(old) = old else {
        return vec![format!("new releases file: LiteLLM {}", versions(new))];
    };
    match ReleasesFile::parse(old, Path::new(FILE_NAME)) {
        Err(e) => vec![format!("replaces a file that is not a releases file ({e})")],
        Ok(o) => {
            let mut out = Vec::new();
            if versions(&o) != versions(new) {
                out.push(format!("releases: {} -> {}", versions(&o), versions(new)));
            }
            if o.claude_code_version != new.claude_code_version {
                out.push(format!(
                    "claude: {} -> {}",
                    o.claude_code_version, new.claude_code_version
                ));
            }
            let key = |c: &compat_matrix::releases::ReleaseCell| {
                (c.feature.clone(), c.provider.clone(), c.model.clone())
            };
            for c in &new.cells {
                let before = o.cells.iter().find(|x| key(x) == key(c));
                let (was_s, was_b) = before.map_or((None, None), |b| {
                    (
                        b.works_since.clone(),
                        b.broke_in.as_ref().map(|x| x.release.clone()),
                    )
                });
                let now_b = c.broke_in.as_ref().map(|x| x.release.clone());
                if was_s != c.works_since || was_b != now_b {
                    out.push(format!(
                        "{} x {} x {}: works since {} / broke in {} -> works since {} / broke in {}",
                        c.feature,
                        c.provider,
                        c.model,
                        was_s.as_deref().unwrap_or("-"),
                        was_b.as_deref().unwrap_or("-"),
                        c.works_since.as_deref().unwrap_or("-"),
                        now_b.as_deref().unwrap_or("-")
                    ));
                }
            }
            out
        }
    }
}

#[cfg(test)]
#[path = "releases_tests.rs"]
mod tests;
