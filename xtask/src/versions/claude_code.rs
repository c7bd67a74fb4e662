//! Claude Code PR-Gate Version Resolver: the newest `@anthropic-ai/claude-code`
//! version published at least three days ago (the security review window: a
//! malicious or broken release has three days to be caught and yanked before
//! it runs inside the PR gate), read from the npm registry's package document.
//!
//! Rules ([`pick_pr_gate`]):
//! - candidates are the keys of `versions` (a version npm unpublished is gone
//!   from there even if `time` still lists it);
//! - skipped: versions that are not semver, prereleases (`2.2.0-beta.1`),
//!   versions with a non-empty `deprecated` message, versions with no valid
//!   timestamp in `time`;
//! - the publish time `time[version]` must be at or before `now - min_age`;
//! - the highest by semver order wins (not the newest by publish time: a
//!   patch to an older line can be published after a newer line).
//!
//! [`ClaudeCodeResolver::latest`] returns the `latest` dist-tag, what the daily
//! job installs.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::{ResolveError, error_chain, http_client, status_error};

pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org";
pub const PACKAGE: &str = "@anthropic-ai/claude-code";
/// Environment variable overriding the registry base URL.
pub const REGISTRY_VAR: &str = "COMPAT_NPM_REGISTRY";
/// The PR gate's security review window.
pub const PR_GATE_MIN_AGE: SignedDuration = SignedDuration::from_hours(72);

/// The fields of an npm package document ("packument") the resolver reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Packument {
    #[serde(rename = "dist-tags", default)]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<String, VersionMeta>,
    /// Version -> publish time, plus the `created` and `modified` keys. Values
    /// are kept as strings so that one odd entry cannot fail the whole document.
    #[serde(default)]
    pub time: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VersionMeta {
    /// npm sets a message here when a version is deprecated (an empty string
    /// means "un-deprecated").
    #[serde(default)]
    pub deprecated: Option<serde_json::Value>,
}

impl VersionMeta {
    pub fn is_deprecated(&self) -> bool {
        match &self.deprecated {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
            Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedVersion {
    pub version: String,
    pub published_at: Timestamp,
}

/// npm's `latest` and how many published versions (not prereleases) are
/// newer than `ran` and not newer than `latest` (`None` when either is not
/// a semver version).
pub fn releases_behind(doc: &Packument, ran: &str) -> (Option<String>, Option<u32>) {
    let latest = doc
        .dist_tags
        .get("latest")
        .filter(|v| !v.trim().is_empty())
        .cloned();
    let behind = (|| {
        let ran = semver::Version::parse(ran).ok()?;
        let top = semver::Version::parse(latest.as_deref()?).ok()?;
        Some(
            doc.versions
                .keys()
                .filter_map(|v| semver::Version::parse(v).ok())
                .filter(|v| v.pre.is_empty() && *v > ran && *v <= top)
                .count() as u32,
        )
    })();
    (latest, behind)
}

/// The PR-gate choice (pure; see the module docs).
pub fn pick_pr_gate(
    doc: &Packument,
    now: Timestamp,
    min_age: SignedDuration,
) -> Result<ResolvedVersion, ResolveError> {
    let cutoff = now - min_age;
    let mut best: Option<(semver::Version, Timestamp)> = None;
    let mut too_new: Option<(semver::Version, Timestamp)> = None;
    for (raw, meta) in &doc.versions {
        let Ok(v) = semver::Version::parse(raw) else {
            continue;
        };
        if !v.pre.is_empty() || meta.is_deprecated() {
            continue;
        }
        let Some(published) = doc.time.get(raw).and_then(|t| t.parse::<Timestamp>().ok()) else {
            continue;
        };
        let slot = if published <= cutoff {
            &mut best
        } else {
            &mut too_new
        };
        if slot.as_ref().is_none_or(|(b, _)| &v > b) {
            *slot = Some((v, published));
        }
    }
    match best {
        Some((v, published_at)) => Ok(ResolvedVersion {
            version: v.to_string(),
            published_at,
        }),
        None => {
            let newest = too_new
                .map(|(v, t)| {
                    format!(
                        "; the newest eligible version, {v}, was published {}",
                        fmt(t)
                    )
                })
                .unwrap_or_default();
            Err(ResolveError::NoMatch(format!(
                "no stable, non-deprecated version of {PACKAGE} was published at least {} h before {} \
                 (among {} version(s) in the registry document){newest}",
                min_age.as_hours(),
                fmt(now),
                doc.versions.len()
            )))
        }
    }
}

fn fmt(t: Timestamp) -> String {
    compat_matrix::matrix::format_timestamp(t)
}

pub struct ClaudeCodeResolver {
    client: reqwest::Client,
    registry: String,
}

impl ClaudeCodeResolver {
    /// A resolver against `registry` (e.g. `https://registry.npmjs.org`).
    pub fn new(registry: impl Into<String>) -> Self {
        ClaudeCodeResolver {
            client: http_client(),
            registry: registry.into().trim_end_matches('/').to_owned(),
        }
    }

    /// Registry from `COMPAT_NPM_REGISTRY`, default `https://registry.npmjs.org`.
    pub fn from_env() -> Self {
        let r = std::env::var(REGISTRY_VAR)
            .ok()
            .filter(|s| !s.trim().is_empty());
        Self::new(r.as_deref().unwrap_or(DEFAULT_REGISTRY))
    }

    /// `{registry}/@anthropic-ai%2fclaude-code`.
    pub fn document_url(&self) -> String {
        format!("{}/{}", self.registry, PACKAGE.replace('/', "%2f"))
    }

    /// Fetches the full package document (the abbreviated "corgi" document
    /// has no `time` map, so it cannot answer "published when").
    pub async fn fetch(&self) -> Result<Packument, ResolveError> {
        let url = self.document_url();
        let net = |e: reqwest::Error| ResolveError::Network {
            url: url.clone(),
            detail: error_chain(&e.without_url()),
        };
        let resp = self
            .client
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(net)?;
        if !resp.status().is_success() {
            return Err(status_error(&url, resp, false, "").await);
        }
        let body = resp.bytes().await.map_err(net)?;
        serde_json::from_slice(&body).map_err(|e| ResolveError::Malformed {
            url: url.clone(),
            message: format!("expected an npm package document: {e}"),
        })
    }

    /// The newest version published at least `min_age` before `now`.
    pub async fn pr_gate(
        &self,
        now: Timestamp,
        min_age: SignedDuration,
    ) -> Result<ResolvedVersion, ResolveError> {
        pick_pr_gate(&self.fetch().await?, now, min_age)
    }

    /// The `latest` dist-tag.
    pub async fn latest(&self) -> Result<String, ResolveError> {
        let doc = self.fetch().await?;
        let latest = doc
            .dist_tags
            .get("latest")
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ResolveError::Malformed {
                url: self.document_url(),
                message: "the document has no `dist-tags.latest`".into(),
            })?;
        if semver::Version::parse(latest).is_err() {
            return Err(ResolveError::Malformed {
                url: self.document_url(),
                message: format!("`dist-tags.latest` is `{latest}`, not a semver version"),
            });
        }
        Ok(latest.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: serde_json::Value) -> Packument {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn picks_by_semver_among_old_enough_versions() {
        let d = doc(json!({
            "versions": {"2.0.9": {}, "2.0.10": {}, "2.1.0": {}},
            // 2.0.9 was published after 2.0.10 (a patch to an older line).
            "time": {"2.0.9": "2026-11-10T00:00:00Z", "2.0.10": "2026-11-01T00:00:00Z", "2.1.0": "2026-11-24T00:00:00Z",
                     "created": "2025-01-01T00:00:00Z", "modified": "2026-11-24T00:00:00Z"}
        }));
        let now: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        assert_eq!(
            pick_pr_gate(&d, now, PR_GATE_MIN_AGE).unwrap().version,
            "2.0.10"
        );
    }

    #[test]
    fn exactly_three_days_is_old_enough() {
        let d = doc(json!({"versions": {"1.0.0": {}}, "time": {"1.0.0": "2026-11-22T00:00:00Z"}}));
        let now: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        assert!(pick_pr_gate(&d, now, PR_GATE_MIN_AGE).is_ok());
        let e = pick_pr_gate(&d, now - SignedDuration::from_secs(1), PR_GATE_MIN_AGE)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the newest eligible version, 1.0.0, was published 2026-11-22T00:00:00Z"),
            "{e}"
        );
    }

    #[test]
    fn deprecated_values() {
        let m = |v: serde_json::Value| VersionMeta {
            deprecated: Some(v),
        };
        assert!(m(json!("broken, use 2.0.1")).is_deprecated());
        assert!(!m(json!("")).is_deprecated());
        assert!(!VersionMeta::default().is_deprecated());
    }
}
