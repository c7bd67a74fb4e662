//! Which LiteLLM releases `cargo xtask releases` measures: a list, a range of
//! what the package index offers, or by default the newest installable stable
//! release of each of the last few release lines plus the LTS line's newest.
//!
//! The LTS line is inferred from the release list, since LiteLLM's releases
//! API has no LTS flag: an older line (major.minor) whose newest stable
//! release was published after a newer line had shipped is being maintained;
//! the most recently patched such line is taken (e.g. 1.108 while 1.109 to
//! 1.112 ship: 1.108.23 was cut after 1.109.3). `--litellm` names releases
//! outright when that guess is wrong.

use compat_matrix::releases::{LitellmVersion, SkippedRelease};
use serde::{Deserialize, Serialize};

use crate::versions::litellm::{StableRelease, StableTag};

/// A release to measure and why it is in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub litellm_version: String,
    pub why: String,
}

/// What `--list` prints and `--selection` reads back: the releases to
/// measure (`versions`, for a CI job matrix) with their why, and the ones
/// skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub versions: Vec<String>,
    pub releases: Vec<Planned>,
    pub skipped: Vec<SkippedRelease>,
}

impl Selection {
    pub fn push(&mut self, litellm_version: String, why: String) {
        self.versions.push(litellm_version.clone());
        self.releases.push(Planned {
            litellm_version,
            why,
        });
    }

    pub fn skip(&mut self, litellm_version: String, why: String) {
        self.skipped.push(SkippedRelease {
            litellm_version,
            why,
        });
    }

    /// The why of a release, if it was selected.
    pub fn why(&self, version: &str) -> Option<&str> {
        self.releases
            .iter()
            .find(|p| p.litellm_version == version)
            .map(|p| p.why.as_str())
    }
}

/// How many releases of one line are checked before the line is given up.
const CHECKS_PER_LINE: usize = 3;

fn line(t: StableTag) -> (u64, u64) {
    (t.major, t.minor)
}

/// The default selection (pure: `check` answers whether the index can
/// install a `vX.Y.Z-stable` tag). `stable` is any order; the result is
/// newest line first, then the LTS line's newest when it is not among them.
pub fn default_selection(
    stable: &[StableRelease],
    count: usize,
    check: &mut dyn FnMut(&str) -> Result<(), String>,
) -> Selection {
    let mut sorted: Vec<&StableRelease> = stable.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.version));
    sorted.dedup_by(|a, b| a.version == b.version);
    let mut lines: Vec<(u64, u64)> = sorted.iter().map(|r| line(r.version)).collect();
    lines.dedup();
    let mut out = Selection::default();
    let mut chosen_lines = Vec::new();
    let mut pick =
        |l: (u64, u64), why: &dyn Fn(&StableRelease, usize) -> String, out: &mut Selection| {
            let mut skipped_here = 0;
            for r in sorted
                .iter()
                .filter(|r| line(r.version) == l)
                .take(CHECKS_PER_LINE)
            {
                match check(&r.tag) {
                    Ok(()) => {
                        out.push(r.version.to_string(), why(r, skipped_here));
                        return true;
                    }
                    Err(reason) => {
                        skipped_here += 1;
                        out.skip(r.version.to_string(), reason);
                    }
                }
            }
            false
        };
    for &l in &lines {
        if chosen_lines.len() == count {
            break;
        }
        let why = |_: &StableRelease, skipped: usize| {
            if skipped == 0 {
                format!("the last stable release of {}.{}", l.0, l.1)
            } else {
                format!(
                    "the newest stable release of {}.{} the package index can install ({skipped} newer skipped)",
                    l.0, l.1
                )
            }
        };
        if pick(l, &why, &mut out) {
            chosen_lines.push(l);
        }
    }
    if let Some(lts) = lts_line(stable)
        && !chosen_lines.contains(&lts)
    {
        let why = |_: &StableRelease, skipped: usize| {
            format!(
                "the newest release of the LTS line {}.{} (still patched after newer lines shipped){}",
                lts.0,
                lts.1,
                if skipped == 0 {
                    String::new()
                } else {
                    format!("; {skipped} newer one(s) the index cannot install")
                }
            )
        };
        pick(lts, &why, &mut out);
    }
    out
}

/// The maintained older line (see the module docs), if any.
pub fn lts_line(stable: &[StableRelease]) -> Option<(u64, u64)> {
    let newest = stable.iter().map(|r| line(r.version)).max()?;
    let first_of = |l: (u64, u64)| {
        stable
            .iter()
            .filter(|r| line(r.version) == l)
            .filter_map(|r| r.published_at)
            .min()
    };
    let newest_of = |l: (u64, u64)| {
        stable
            .iter()
            .filter(|r| line(r.version) == l)
            .max_by_key(|r| r.version)
            .and_then(|r| r.published_at)
    };
    let mut lines: Vec<(u64, u64)> = stable.iter().map(|r| line(r.version)).collect();
    lines.sort();
    lines.dedup();
    lines
        .iter()
        .copied()
        .filter(|&l| l < newest)
        .filter_map(|l| {
            let patched = newest_of(l)?;
            let newer_shipped = lines
                .iter()
                .filter(|&&n| n > l)
                .filter_map(|&n| first_of(n))
                .min()?;
            (patched > newer_shipped).then_some((patched, l))
        })
        .max()
        .map(|(_, l)| l)
}

/// Parses `A..B` (inclusive): two LiteLLM versions.
pub fn parse_range(text: &str) -> Result<(LitellmVersion, LitellmVersion), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("--range {text}: expected A..B, e.g. 1.105.0..1.108.7"))?;
    let parse = |s: &str| {
        LitellmVersion::parse(s)
            .ok_or_else(|| format!("--range {text}: `{s}` is not a LiteLLM version"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(format!(
            "--range {text}: {a} is after {b}; give the older release first"
        ));
    }
    Ok((a, b))
}

/// The versions pip's `pip index versions litellm` printed, in `[a, b]`,
/// oldest first.
pub fn versions_in_range(pip_output: &str, a: &LitellmVersion, b: &LitellmVersion) -> Vec<String> {
    let mut found: Vec<LitellmVersion> = pip_output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Available versions:"))
        .map(|list| {
            list.split(',')
                .filter_map(|v| LitellmVersion::parse(v.trim()))
                .filter(|v| v >= a && v <= b)
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.dedup_by(|x, y| x.as_str() == y.as_str());
    found.into_iter().map(|v| v.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::litellm::parse_stable_tag;

    fn rel(tag: &str, day: u32) -> StableRelease {
        StableRelease {
            tag: tag.to_owned(),
            version: parse_stable_tag(tag).unwrap(),
            published_at: Some(format!("2026-11-{day:02}T00:00:00Z").parse().unwrap()),
            html_url: None,
        }
    }

    fn list() -> Vec<StableRelease> {
        vec![
            rel("v1.112.0-stable", 28),
            rel("v1.108.23-stable", 26),
            rel("v1.111.2-stable", 20),
            rel("v1.110.1-stable", 12),
            rel("v1.110.0-stable", 10),
            rel("v1.109.3-stable", 6),
            rel("v1.108.7-stable", 2),
            rel("v1.108.6-stable", 1),
        ]
    }

    #[test]
    fn the_lts_line_is_the_older_line_patched_after_newer_ones_shipped() {
        assert_eq!(lts_line(&list()), Some((1, 108)));
        // Lines that each stopped when the next shipped: no LTS.
        let plain = vec![rel("v1.110.0-stable", 10), rel("v1.109.3-stable", 6)];
        assert_eq!(lts_line(&plain), None);
    }

    #[test]
    fn the_default_is_each_lines_newest_installable_release_and_the_lts() {
        let mut asked = Vec::new();
        let mut check = |tag: &str| {
            asked.push(tag.to_owned());
            match tag {
                "v1.112.0-stable" | "v1.110.1-stable" => {
                    Err(format!("the package index lacks a pin of {tag}"))
                }
                "v1.108.23-stable" => Err("the package index has no litellm==1.108.23".into()),
                _ => Ok(()),
            }
        };
        let s = default_selection(&list(), 2, &mut check);
        assert_eq!(s.versions, ["1.111.2", "1.110.0", "1.108.7"]);
        assert_eq!(s.releases[0].why, "the last stable release of 1.111");
        assert_eq!(
            s.releases[1].why,
            "the newest stable release of 1.110 the package index can install (1 newer skipped)"
        );
        assert!(
            s.releases[2]
                .why
                .starts_with("the newest release of the LTS line 1.108")
        );
        let skipped: Vec<&str> = s
            .skipped
            .iter()
            .map(|k| k.litellm_version.as_str())
            .collect();
        assert_eq!(skipped, ["1.112.0", "1.110.1", "1.108.23"]);
        assert_eq!(
            asked,
            [
                "v1.112.0-stable",
                "v1.111.2-stable",
                "v1.110.1-stable",
                "v1.110.0-stable",
                "v1.108.23-stable",
                "v1.108.7-stable"
            ]
        );
    }

    #[test]
    fn a_range_is_what_the_index_offers_between_its_ends() {
        let pip = "litellm (1.108.7)\nAvailable versions: 1.110.0, 1.108.7.post1, 1.108.7, 1.106.12, 1.105.7, 1.104.0\n";
        let (a, b) = parse_range("1.105.7..1.108.7.post1").unwrap();
        assert_eq!(
            versions_in_range(pip, &a, &b),
            ["1.105.7", "1.106.12", "1.108.7", "1.108.7.post1"]
        );
        assert!(parse_range("1.108.7").is_err());
        assert!(
            parse_range("1.108.7..1.105.0")
                .unwrap_err()
                .contains("give the older release first")
        );
        assert!(parse_range("a..1.105.0").is_err());
    }
}
