//! The order of LiteLLM versions (`1.108.7`, `1.108.7.post1`, `1.110.0rc1`):
//! the subset of PEP 440 LiteLLM's PyPI releases use, so that the releases
//! file lists its releases oldest first.
//!
//! xtask's `StableTag` orders only `vX.Y.Z-stable` tags; PyPI also has
//! post-releases and release candidates, so this is its own small total
//! order: release numbers (trailing zeros ignored), then a dev-only release
//! < a pre-release (`a` < `b` < `rc`) < the final < a post-release, then dev
//! builds below the same version without them. A tag form (`v1.108.7`,
//! `v1.108.7-stable`, as matrices label themselves) reads as its PyPI version.

use std::cmp::Ordering;

/// A parsed LiteLLM version. Equality and order are PEP 440's, with the text
/// as the last tie-break (so `1.0` and `1.0.0` are ordered, not equal).
#[derive(Debug, Clone)]
pub struct LitellmVersion {
    release: Vec<u64>,
    /// (0 = a, 1 = b, 2 = rc, number)
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    text: String,
}

impl LitellmVersion {
    /// Parses a PyPI version or a tag form of one; `None` when it is neither.
    pub fn parse(text: &str) -> Option<Self> {
        let pypi = pypi_form(text);
        let lower = pypi.to_ascii_lowercase();
        let bytes = lower.as_bytes();
        let mut i = 0;
        let mut release = Vec::new();
        loop {
            let (n, next) = number(bytes, i)?;
            release.push(n);
            i = next;
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
            } else {
                break;
            }
        }
        let mut v = LitellmVersion {
            release,
            pre: None,
            post: None,
            dev: None,
            text: pypi.to_owned(),
        };
        let rest = &lower[i..];
        let mut rest = rest;
        // Pre-release: [.-_]?(a|alpha|b|beta|c|rc|pre|preview)[.-_]?N
        for (words, kind) in [
            (&["alpha", "a"][..], 0u8),
            (&["beta", "b"][..], 1),
            (&["preview", "pre", "rc", "c"][..], 2),
        ] {
            let trimmed = rest.trim_start_matches(['.', '-', '_']);
            if let Some(w) = words.iter().find(|w| trimmed.starts_with(**w)) {
                let after = trimmed[w.len()..].trim_start_matches(['.', '-', '_']);
                let (n, used) = optional_number(after);
                v.pre = Some((kind, n));
                rest = &after[used..];
                break;
            }
        }
        let trimmed = rest.trim_start_matches(['.', '-', '_']);
        if let Some(after) = trimmed
            .strip_prefix("post")
            .or_else(|| trimmed.strip_prefix("rev"))
            .or_else(|| trimmed.strip_prefix('r'))
        {
            let after = after.trim_start_matches(['.', '-', '_']);
            let (n, used) = optional_number(after);
            v.post = Some(n);
            rest = &after[used..];
        } else if let Some(after) = rest.strip_prefix('-')
            && after.starts_with(|c: char| c.is_ascii_digit())
        {
            let (n, used) = optional_number(after);
            v.post = Some(n);
            rest = &after[used..];
        }
        let trimmed = rest.trim_start_matches(['.', '-', '_']);
        if let Some(after) = trimmed.strip_prefix("dev") {
            let (n, used) = optional_number(after);
            v.dev = Some(n);
            rest = &after[used..];
        }
        rest.is_empty().then_some(v)
    }

    /// The PyPI version as given (a tag's `v` and `-stable` removed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn key(&self) -> (u8, u8, u64, u64, u64) {
        // Phase: a dev-only release (`1.0.dev1`) sorts below its pre-releases.
        let (phase, kind, n) = match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (0, 0, 0),
            (Some((k, n)), _, _) => (1, k, n),
            (None, _, _) => (2, 0, 0),
        };
        let post = self.post.map_or(0, |p| p + 1);
        let dev = self.dev.unwrap_or(u64::MAX);
        (phase, kind, n, post, dev)
    }
}

/// `v1.108.7-stable` -> `1.108.7`; `v1.108.7` -> `1.108.7`; else as is.
pub fn pypi_form(text: &str) -> &str {
    let t = text.trim();
    let t = t.strip_suffix("-stable").unwrap_or(t);
    match t.strip_prefix('v') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => t,
    }
}

fn number(bytes: &[u8], start: usize) -> Option<(u64, usize)> {
    let end = start
        + bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    if end == start {
        return None;
    }
    std::str::from_utf8(&bytes[start..end])
        .ok()?
        .parse()
        .ok()
        .map(|n| (n, end))
}

/// A number at the start of `s` (0 when there is none: `rc` is `rc0`) and
/// how many bytes it took.
fn optional_number(s: &str) -> (u64, usize) {
    number(s.as_bytes(), 0).unwrap_or((0, 0))
}

impl Ord for LitellmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.release.len().max(other.release.len());
        let at = |r: &[u64], i: usize| r.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| at(&self.release, i).cmp(&at(&other.release, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.key().cmp(&other.key()))
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for LitellmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for LitellmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for LitellmVersion {}

impl std::fmt::Display for LitellmVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep_440_order_of_litellm_versions() {
        let ordered = [
            "1.9.0",
            "1.105.7",
            "1.108.7.dev1",
            "1.108.7a1",
            "1.108.7b2",
            "1.108.7rc1",
            "1.108.7rc2",
            "1.108.7",
            "1.108.7.post1",
            "1.108.7.post2",
            "1.108.8",
            "1.110.0rc1",
            "1.110.0",
        ];
        let parsed: Vec<LitellmVersion> = ordered
            .iter()
            .map(|s| LitellmVersion::parse(s).unwrap_or_else(|| panic!("{s}")))
            .collect();
        for w in parsed.windows(2) {
            assert!(w[0] < w[1], "{} < {}", w[0], w[1]);
        }
        let mut shuffled = parsed.clone();
        shuffled.reverse();
        shuffled.sort();
        let back: Vec<&str> = shuffled.iter().map(LitellmVersion::as_str).collect();
        assert_eq!(back, ordered);
    }

    #[test]
    fn tag_forms_read_as_their_pypi_version() {
        for (tag, pypi) in [
            ("v1.108.7-stable", "1.108.7"),
            ("v1.108.7", "1.108.7"),
            ("1.110.0rc1", "1.110.0rc1"),
        ] {
            assert_eq!(LitellmVersion::parse(tag).unwrap().as_str(), pypi);
        }
        for bad in ["", "main", "v", "1.108.x", "1.108.7-nightly", "latest"] {
            assert!(LitellmVersion::parse(bad).is_none(), "{bad}");
        }
        // Trailing zeros do not change the place, the text breaks the tie.
        let a = LitellmVersion::parse("1.0").unwrap();
        let b = LitellmVersion::parse("1.0.0").unwrap();
        assert!(a < b && a.cmp(&b) != Ordering::Equal);
    }
}
