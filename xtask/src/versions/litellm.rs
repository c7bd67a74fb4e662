//! Latest Stable LiteLLM Resolver: the newest stable release of
//! `BerriAI/litellm`, from the GitHub Releases API.
//!
//! # What counts as a stable tag
//!
//! LiteLLM publishes many tags (`v1.83.2-nightly`, `v1.83.0.rc.1`, ...). A
//! stable release is tagged `v<MAJOR>.<MINOR>.<PATCH>-stable`, the spec's
//! `v*-stable`. This resolver accepts exactly that shape
//! ([`parse_stable_tag`]): a `v`, three numeric parts without leading zeros,
//! `-stable`, nothing else. So `v1.83.0.rc.1-stable` and `v1.83.0-stable-rc`
//! are not stable tags.
//!
//! Deliberately excluded: LiteLLM's re-cuts of a stable (`v1.80.8-stable.1`,
//! `v1.83.14-stable.patch.3`). They ship as Docker images only; PyPI has just
//! `X.Y.Z`, and the harness provisions LiteLLM from PyPI
//! (`COMPAT_LITELLM_VERSION=X.Y.Z`, see [`pip_version`]). Publishing a re-cut
//! tag would label a matrix with a build it did not test. If the daily job
//! moves to the Docker images, widen [`parse_stable_tag`].
//!
//! Order is numeric `(major, minor, patch)`; the list order of the API
//! (creation time) is ignored, so a late release of an old line never wins
//! over a newer line. Drafts and releases marked prerelease are skipped.
//!
//! # Paging
//!
//! The API lists releases newest-created first, 100 per page, with a
//! `Link: <...>; rel="next"` header. The resolver follows it, and stops early
//! once a stable has been found and a whole page holds only versions older
//! than it (LiteLLM has thousands of releases; reading them all would spend
//! the unauthenticated quota of 60 requests per hour). At most
//! [`LitellmResolver::max_pages`] pages are read.

use jiff::Timestamp;
use serde::Deserialize;

use super::{ResolveError, error_chain, http_client, status_error};
use compat_core::secret::Secret;
use compat_core::tools::index_check::Verdict;

pub const DEFAULT_API_BASE: &str = "https://api.github.com";
pub const REPOSITORY: &str = "BerriAI/litellm";
/// Environment variable holding an optional GitHub token (raises the quota).
pub const TOKEN_VAR: &str = "GITHUB_TOKEN";
/// Environment variable overriding the API base (GitHub Actions sets it).
pub const API_BASE_VAR: &str = "GITHUB_API_URL";

/// A parsed stable tag. Ordering is version order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StableTag {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl std::fmt::Display for StableTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Parses `vX.Y.Z-stable` (and nothing else; see the module docs).
pub fn parse_stable_tag(tag: &str) -> Option<StableTag> {
    let version = tag.strip_prefix('v')?.strip_suffix("-stable")?;
    let [major, minor, patch] = numeric_parts::<3>(version)?;
    Some(StableTag {
        major,
        minor,
        patch,
    })
}

/// The PyPI version of a stable tag: `v1.83.0-stable` -> `1.83.0`, what
/// `COMPAT_LITELLM_VERSION` (pip `litellm[proxy]==X.Y.Z`) takes.
pub fn pip_version(tag: &str) -> Option<String> {
    parse_stable_tag(tag).map(|t| t.to_string())
}

/// `(major, minor, patch)` of any `vX.Y.Z...` tag (nightlies, rcs too); used
/// only to decide when older pages can be skipped.
fn base_version(tag: &str) -> Option<(u64, u64, u64)> {
    let rest = tag.strip_prefix('v').unwrap_or(tag);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let mut it = rest[..end].split('.').filter(|s| !s.is_empty());
    Some((
        number(it.next()?)?,
        number(it.next()?)?,
        number(it.next()?)?,
    ))
}

fn numeric_parts<const N: usize>(s: &str) -> Option<[u64; N]> {
    let mut out = [0; N];
    let mut it = s.split('.');
    for slot in &mut out {
        *slot = number(it.next()?)?;
    }
    it.next().is_none().then_some(out)
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// One entry of `GET /repos/{owner}/{repo}/releases` (the fields used).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Release {
    pub tag_name: String,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub prerelease: bool,
    #[serde(default)]
    pub published_at: Option<Timestamp>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// The resolver's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StableRelease {
    /// The full tag, e.g. `v1.83.0-stable`: what the matrix publishes.
    pub tag: String,
    pub version: StableTag,
    pub published_at: Option<Timestamp>,
    pub html_url: Option<String>,
}

/// The newest stable release among `releases` (pure; see the module docs).
pub fn pick_latest_stable<'a>(
    releases: impl IntoIterator<Item = &'a Release>,
) -> Option<StableRelease> {
    releases
        .into_iter()
        .filter(|r| !r.draft && !r.prerelease)
        .filter_map(|r| Some((parse_stable_tag(&r.tag_name)?, r)))
        .max_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(version, r)| StableRelease {
            tag: r.tag_name.clone(),
            version,
            published_at: r.published_at,
            html_url: r.html_url.clone(),
        })
}

pub struct LitellmResolver {
    client: reqwest::Client,
    api_base: String,
    repository: String,
    token: Option<Secret>,
    /// Upper bound on pages read (100 releases each). Default 30.
    pub max_pages: usize,
}

impl LitellmResolver {
    /// A resolver against `api_base` (e.g. `https://api.github.com`), no token.
    pub fn new(api_base: impl Into<String>) -> Self {
        LitellmResolver {
            client: http_client(),
            api_base: api_base.into().trim_end_matches('/').to_owned(),
            repository: REPOSITORY.to_owned(),
            token: None,
            max_pages: 30,
        }
    }

    /// API base from `GITHUB_API_URL` (default `https://api.github.com`),
    /// token from `GITHUB_TOKEN` (optional).
    pub fn from_env() -> Self {
        let base = std::env::var(API_BASE_VAR)
            .ok()
            .filter(|s| !s.trim().is_empty());
        Self::new(base.as_deref().unwrap_or(DEFAULT_API_BASE))
            .with_token(Secret::from_env(TOKEN_VAR))
    }

    /// Sends `Authorization: Bearer <token>` on every request to the API base
    /// (and never to another host).
    pub fn with_token(mut self, token: Option<Secret>) -> Self {
        self.token = token;
        self
    }

    /// The first page of the releases list, and its URL as the base that
    /// the `Link` header's next pages resolve against.
    fn first_releases_page(&self) -> Result<(String, reqwest::Url), ResolveError> {
        let first = format!(
            "{}/repos/{}/releases?per_page=100",
            self.api_base, self.repository
        );
        let base = reqwest::Url::parse(&first).map_err(|e| ResolveError::Malformed {
            url: first.clone(),
            message: format!("bad API base URL: {e}"),
        })?;
        Ok((first, base))
    }

    pub async fn latest_stable(&self) -> Result<StableRelease, ResolveError> {
        let (first, base) = self.first_releases_page()?;
        let mut next = Some(first);
        let mut best: Option<StableRelease> = None;
        let (mut pages, mut seen) = (0usize, 0usize);
        while let Some(url) = next.take() {
            if pages == self.max_pages {
                break;
            }
            pages += 1;
            let (releases, link) = self.fetch_page(&url).await?;
            seen += releases.len();
            if let Some(found) = pick_latest_stable(&releases)
                && best.as_ref().is_none_or(|b| found.version > b.version)
            {
                best = Some(found);
            }
            // Stop once a page holds nothing as new as the best stable so far.
            if let Some(b) = &best {
                let floor = (b.version.major, b.version.minor, b.version.patch);
                let page_max = releases
                    .iter()
                    .filter_map(|r| base_version(&r.tag_name))
                    .max();
                if page_max.is_some_and(|m| m < floor) {
                    break;
                }
            }
            if let Some(link) = link {
                let u = reqwest::Url::parse(&link).map_err(|e| ResolveError::Malformed {
                    url: url.clone(),
                    message: format!("bad `Link: rel=\"next\"` URL `{link}`: {e}"),
                })?;
                if u.origin() != base.origin() {
                    return Err(ResolveError::Malformed {
                        url,
                        message: format!(
                            "the next-page link points to another host ({link}); refusing to follow it with credentials"
                        ),
                    });
                }
                next = Some(link);
            }
        }
        best.ok_or_else(|| {
            ResolveError::NoMatch(format!(
                "no stable release (tag vX.Y.Z-stable, not a draft, not a prerelease) \
                 among the {seen} release(s) of {} on {pages} page(s) read from {}{}",
                self.repository,
                self.api_base,
                if pages == self.max_pages {
                    " (page limit reached)"
                } else {
                    ""
                }
            ))
        })
    }

    /// The stable release tags (not drafts, not prereleases) from the newest
    /// back to the first page that is entirely older than `floor`, newest
    /// first; enough to count the releases after `floor`.
    pub async fn stable_releases_since(
        &self,
        floor: StableTag,
    ) -> Result<Vec<StableTag>, ResolveError> {
        let mut next = Some(format!(
            "{}/repos/{}/releases?per_page=100",
            self.api_base, self.repository
        ));
        let base = reqwest::Url::parse(next.as_deref().unwrap_or_default()).map_err(|e| {
            ResolveError::Malformed {
                url: self.api_base.clone(),
                message: format!("bad API base URL: {e}"),
            }
        })?;
        let mut out = Vec::new();
        let mut pages = 0;
        while let Some(url) = next.take() {
            if pages == self.max_pages {
                break;
            }
            pages += 1;
            let (releases, link) = self.fetch_page(&url).await?;
            out.extend(
                releases
                    .iter()
                    .filter(|r| !r.draft && !r.prerelease)
                    .filter_map(|r| parse_stable_tag(&r.tag_name)),
            );
            let page_max = releases
                .iter()
                .filter_map(|r| base_version(&r.tag_name))
                .max();
            if page_max.is_some_and(|m| m < (floor.major, floor.minor, floor.patch)) {
                break;
            }
            next =
                link.filter(|l| reqwest::Url::parse(l).is_ok_and(|u| u.origin() == base.origin()));
        }
        out.sort_by(|a, b| b.cmp(a));
        out.dedup();
        Ok(out)
    }

    /// The stable releases (not drafts, not prereleases) of at least the
    /// newest `lines` release lines (major.minor) and of any older line
    /// patched on the pages read, in list order: reading stops at the first
    /// page entirely older than the `lines`-th newest line (or the page limit).
    /// `cargo xtask releases` picks from it (each line's newest, the LTS line).
    pub async fn stable_release_list(
        &self,
        lines: usize,
    ) -> Result<Vec<StableRelease>, ResolveError> {
        let (first, base) = self.first_releases_page()?;
        let mut next = Some(first);
        let mut pages = 0;
        let mut out: Vec<StableRelease> = Vec::new();
        while let Some(url) = next.take() {
            if pages == self.max_pages {
                break;
            }
            pages += 1;
            let (releases, link) = self.fetch_page(&url).await?;
            for r in releases.iter().filter(|r| !r.draft && !r.prerelease) {
                if let Some(version) = parse_stable_tag(&r.tag_name)
                    && !out.iter().any(|o| o.version == version)
                {
                    out.push(StableRelease {
                        tag: r.tag_name.clone(),
                        version,
                        published_at: r.published_at,
                        html_url: r.html_url.clone(),
                    });
                }
            }
            let mut seen_lines: Vec<(u64, u64)> = out
                .iter()
                .map(|r| (r.version.major, r.version.minor))
                .collect();
            seen_lines.sort_by(|a, b| b.cmp(a));
            seen_lines.dedup();
            let page_max = releases
                .iter()
                .filter_map(|r| base_version(&r.tag_name))
                .max();
            if let Some(&(major, minor)) = seen_lines.get(lines.saturating_sub(1))
                && page_max.is_some_and(|m| m < (major, minor, 0))
            {
                break;
            }
            next =
                link.filter(|l| reqwest::Url::parse(l).is_ok_and(|u| u.origin() == base.origin()));
        }
        Ok(out)
    }

    /// The newest stable release whose dependencies the configured package
    /// index can install: candidates in version order, each passed to
    /// `check` (`Err(reason)`: the index cannot install it, skip it); at most
    /// `max_skipped` are skipped. Paging as in [`Self::latest_stable`]: a
    /// candidate is tried only once a page entirely older than it was read
    /// (or the list ended), so a release on a later page cannot be newer.
    pub async fn latest_installable_stable(
        &self,
        check: &mut dyn FnMut(&str) -> Result<(), String>,
        max_skipped: usize,
    ) -> Result<Selection, ResolveError> {
        let (first, base) = self.first_releases_page()?;
        let mut next = Some(first);
        let (mut pages, mut seen) = (0usize, 0usize);
        let mut last_page_max: Option<(u64, u64, u64)> = None;
        let mut candidates: Vec<StableRelease> = Vec::new();
        let mut tried: Vec<StableTag> = Vec::new();
        let mut skipped: Vec<Skipped> = Vec::new();
        loop {
            let best = candidates
                .iter()
                .enumerate()
                .max_by(|(_, a), (_, b)| a.version.cmp(&b.version))
                .map(|(i, c)| (i, c.version));
            let more_may_be_newer = match (best, last_page_max) {
                (Some((_, b)), Some(m)) => m >= (b.major, b.minor, b.patch),
                _ => true,
            };
            if more_may_be_newer
                && pages < self.max_pages
                && let Some(url) = next.take()
            {
                pages += 1;
                let (releases, link) = self.fetch_page(&url).await?;
                seen += releases.len();
                last_page_max = releases
                    .iter()
                    .filter_map(|r| base_version(&r.tag_name))
                    .max();
                for r in releases.iter().filter(|r| !r.draft && !r.prerelease) {
                    if let Some(version) = parse_stable_tag(&r.tag_name)
                        && !tried.contains(&version)
                        && !candidates.iter().any(|c| c.version == version)
                    {
                        candidates.push(StableRelease {
                            tag: r.tag_name.clone(),
                            version,
                            published_at: r.published_at,
                            html_url: r.html_url.clone(),
                        });
                    }
                }
                next = link
                    .filter(|l| reqwest::Url::parse(l).is_ok_and(|u| u.origin() == base.origin()));
                continue;
            }
            let Some((i, _)) = best else {
                let why = if skipped.is_empty() {
                    "no stable release (tag vX.Y.Z-stable, not a draft, not a prerelease)"
                        .to_owned()
                } else {
                    format!(
                        "no stable release the package index can install (skipped: {})",
                        skipped_list(&skipped)
                    )
                };
                return Err(ResolveError::NoMatch(format!(
                    "{why} among the {seen} release(s) of {} on {pages} page(s) read from {}",
                    self.repository, self.api_base
                )));
            };
            let candidate = candidates.swap_remove(i);
            tried.push(candidate.version);
            match check(&candidate.tag) {
                Ok(()) => {
                    return Ok(Selection {
                        release: candidate,
                        skipped,
                    });
                }
                Err(reason) => {
                    skipped.push(Skipped {
                        tag: candidate.tag,
                        reason,
                    });
                    if skipped.len() >= max_skipped {
                        return Err(ResolveError::NoMatch(format!(
                            "the {} newest stable releases of {} cannot be installed from the package index \
                             ({}); pass a release with --litellm-version, or point pip at another index \
                             (PIP_INDEX_URL, pip.conf)",
                            skipped.len(),
                            self.repository,
                            skipped_list(&skipped)
                        )));
                    }
                }
            }
        }
    }

    async fn fetch_page(&self, url: &str) -> Result<(Vec<Release>, Option<String>), ResolveError> {
        let mut req = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(t) = &self.token {
            let mut value =
                reqwest::header::HeaderValue::from_str(&format!("Bearer {}", t.expose())).map_err(
                    |_| {
                        ResolveError::NoMatch(format!(
                            "{TOKEN_VAR} contains characters not allowed in a header"
                        ))
                    },
                )?;
            value.set_sensitive(true);
            req = req.header(reqwest::header::AUTHORIZATION, value);
        }
        let resp = req.send().await.map_err(|e| ResolveError::Network {
            url: url.to_owned(),
            detail: error_chain(&e.without_url()),
        })?;
        if !resp.status().is_success() {
            return Err(status_error(url, resp, self.token.is_some(), TOKEN_VAR).await);
        }
        let link = resp
            .headers()
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_link);
        let body = resp.bytes().await.map_err(|e| ResolveError::Network {
            url: url.to_owned(),
            detail: error_chain(&e.without_url()),
        })?;
        let releases: Vec<Release> =
            serde_json::from_slice(&body).map_err(|e| ResolveError::Malformed {
                url: url.to_owned(),
                message: format!("expected a JSON array of releases: {e}"),
            })?;
        Ok((releases, link))
    }
}

/// The resolvers' check of a stable tag: `Err(reason)` when the package
/// index pip is configured with lacks the release or one of its exact pins.
/// A check that cannot run (no pip, index unreachable) is a warning on
/// stderr and lets the release through: provisioning will say what is wrong.
pub fn index_can_install(tag: &str) -> Result<(), String> {
    let Some(version) = pip_version(tag) else {
        return Err("not a vX.Y.Z-stable tag, so no PyPI release".to_owned());
    };
    match compat_core::tools::check_litellm_release(&version) {
        Ok(Verdict::Installable { .. }) => Ok(()),
        Ok(Verdict::Missing(m)) => Err(m.reason()),
        Err(e) => {
            eprintln!(
                "warning: cannot check whether the package index can install LiteLLM {tag} ({e}); taking it"
            );
            Ok(())
        }
    }
}

/// How many uninstallable releases the resolver skips before giving up
/// (each check is a few seconds of pip).
pub const MAX_SKIPPED: usize = 5;

/// A newer stable release the resolver passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub tag: String,
    /// What the package index lacks (the index check's words).
    pub reason: String,
}

/// [`LitellmResolver::latest_installable_stable`]'s answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub release: StableRelease,
    /// Newer stable releases skipped, newest first.
    pub skipped: Vec<Skipped>,
}

impl Selection {
    /// Which release and why, for logs and the matrix's `context`.
    pub fn note(&self) -> String {
        if self.skipped.is_empty() {
            format!("{}: the latest stable release", self.release.tag)
        } else {
            format!(
                "{}: the newest stable release the package index can install; skipped {}",
                self.release.tag,
                skipped_list(&self.skipped)
            )
        }
    }
}

fn skipped_list(skipped: &[Skipped]) -> String {
    skipped
        .iter()
        .map(|s| format!("{} ({})", s.tag, s.reason))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why the run measured `ran` (a stable tag), for the matrix's `context`:
/// the stable releases newer than it (from `stable`, at most `max_checked`
/// of them, newest first) each with what `check` says of it (`Err(reason)`:
/// the package index cannot install it). None when `ran` is not a stable tag.
pub fn measured_note(
    ran: &str,
    stable: &[StableTag],
    check: &mut dyn FnMut(&str) -> Result<(), String>,
    max_checked: usize,
) -> Option<String> {
    let ran_v = parse_stable_tag(ran)?;
    let mut newer: Vec<StableTag> = stable.iter().copied().filter(|t| *t > ran_v).collect();
    newer.sort_by(|a, b| b.cmp(a));
    newer.dedup();
    if newer.is_empty() {
        return Some(format!("{ran}: the latest stable release"));
    }
    let mut parts = Vec::new();
    let mut all_uninstallable = true;
    for t in newer.iter().take(max_checked) {
        let tag = format!("v{t}-stable");
        match check(&tag) {
            Ok(()) => {
                all_uninstallable = false;
                parts.push(format!("{tag} (installable)"));
            }
            Err(reason) => parts.push(format!("{tag} ({reason})")),
        }
    }
    let unchecked = newer.len().saturating_sub(max_checked);
    if unchecked > 0 {
        all_uninstallable = false;
        parts.push(format!("{unchecked} older one(s) not checked"));
    }
    Some(if all_uninstallable {
        format!(
            "{ran}: the newest stable release the package index can install; newer ones it cannot: {}",
            parts.join(", ")
        )
    } else {
        format!(
            "{ran}: the release asked for; newer stable releases: {}",
            parts.join(", ")
        )
    })
}

/// The latest stable tag among `stable` and how many stable releases are
/// newer than `ran` (`None` when `ran` is not a stable tag).
pub fn releases_behind(stable: &[StableTag], ran: &str) -> (Option<String>, Option<u32>) {
    let latest = stable.iter().max().map(|t| format!("v{t}-stable"));
    let behind = parse_stable_tag(ran).map(|r| stable.iter().filter(|t| **t > r).count() as u32);
    (latest, behind)
}

/// The `rel="next"` target of a `Link` header value.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        let t = target.trim();
        is_next.then(|| {
            t.strip_prefix('<')
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or(t)
                .to_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_tag_grammar() {
        let t = |s| parse_stable_tag(s).map(|v| (v.major, v.minor, v.patch));
        assert_eq!(t("v1.83.0-stable"), Some((1, 83, 0)));
        assert_eq!(t("v1.100.12-stable"), Some((1, 100, 12)));
        for bad in [
            "1.83.0-stable",
            "v1.83-stable",
            "v1.83.0.1-stable",
            "v1.83.0.rc.1-stable",
            "v1.83.0-stable-rc",
            "v1.80.8-stable.1",
            "v1.83.14-stable.patch.3",
            "v1.83.0-nightly",
            "v1.83.0",
            "v01.83.0-stable",
            "v1.83.0-stablex",
            "v1.-1.0-stable",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        assert_eq!(pip_version("v1.83.0-stable").as_deref(), Some("1.83.0"));
        assert_eq!(pip_version("v1.83.14-stable.patch.3"), None);
    }

    #[test]
    fn version_order_not_list_order() {
        let r = |tag: &str| Release {
            tag_name: tag.into(),
            draft: false,
            prerelease: false,
            published_at: None,
            html_url: None,
        };
        let list = [
            r("v1.82.3-stable"),
            r("v1.83.0-stable"),
            r("v1.9.0-stable"),
            r("v1.83.0-stable.patch.1"),
        ];
        assert_eq!(pick_latest_stable(&list).unwrap().tag, "v1.83.0-stable");
    }

    #[test]
    fn the_note_says_why_the_measured_release() {
        let t = |s: &str| parse_stable_tag(s).unwrap();
        let stable = [
            t("v1.110.2-stable"),
            t("v1.109.3-stable"),
            t("v1.108.7-stable"),
            t("v1.108.6-stable"),
        ];
        let mut none = |_: &str| -> Result<(), String> { panic!("nothing to check") };
        assert_eq!(
            measured_note("v1.110.2-stable", &stable, &mut none, 5).as_deref(),
            Some("v1.110.2-stable: the latest stable release")
        );
        assert_eq!(
            measured_note("v1.110.2-stable.patch.1", &stable, &mut none, 5),
            None
        );
        let mut lacks = |tag: &str| Err(format!("lacks a pin of {tag}"));
        assert_eq!(
            measured_note("v1.108.7-stable", &stable, &mut lacks, 5).as_deref(),
            Some(
                "v1.108.7-stable: the newest stable release the package index can install; newer ones it cannot: \
                 v1.110.2-stable (lacks a pin of v1.110.2-stable), v1.109.3-stable (lacks a pin of v1.109.3-stable)"
            )
        );
        let mut newest_ok = |tag: &str| {
            if tag == "v1.110.2-stable" {
                Ok(())
            } else {
                Err("lacks x==1".to_owned())
            }
        };
        assert_eq!(
            measured_note("v1.108.6-stable", &stable, &mut newest_ok, 2).as_deref(),
            Some(
                "v1.108.6-stable: the release asked for; newer stable releases: \
                 v1.110.2-stable (installable), v1.109.3-stable (lacks x==1), 1 older one(s) not checked"
            )
        );
    }

    #[test]
    fn link_header() {
        let h = r#"<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/releases?per_page=100&page=9>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/repositories/1/releases?per_page=100&page=2")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
    }
}
