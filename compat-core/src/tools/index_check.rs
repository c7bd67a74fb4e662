//! Whether the package index pip is configured with can install a LiteLLM
//! release, read from the release's own metadata before any long download.
//!
//! LiteLLM's `proxy` extra pins sub-packages to exact versions, and the pins
//! move with its packaging: 1.108.x pins `litellm-proxy-extras` and
//! `litellm-enterprise` (1.108.8 to 1.108.14 to `.post` re-uploads), 1.109.x
//! pins `litellm-proxy-extras==0.4.113`, and from 1.110 the extra needs a
//! separate `litellm-proxy` package. A mirror or an internal index that lacks
//! one of those exact versions used to fail at the end of minutes of
//! downloads, in pip's words. This check asks pip itself (so every bit of
//! pip's configuration counts: `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`,
//! `PIP_FIND_LINKS`, pip.conf, certificates, proxies, keyring) for the
//! metadata only (`pip install --dry-run --no-deps --report`: the wheel's
//! `Requires-Dist`, from the index's PEP 658 metadata file when it serves one),
//! then checks every exact pin the same way, level by level (a pinned package's
//! own exact pins too, e.g. `litellm-proxy`'s), a few seconds in all.
//!
//! Only exact pins (`==X`, `===X`) are checked: a range can be satisfied by
//! some other version, which pip's real resolution will find or not, and
//! checking it would mean resolving the whole tree (what the install does).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use super::ToolError;

/// pip's default index, named in messages when pip says nothing else.
const DEFAULT_INDEX: &str = "https://pypi.org/simple";
/// Levels of exact pins followed (litellm -> litellm-proxy -> its pins).
const MAX_DEPTH: usize = 3;

/// Reads a `pip install --report` file and prints, per package, its exact
/// pins active for the extras it was requested with (markers evaluated by
/// pip's own `packaging` for this interpreter).
const PINS_PY: &str = r#"
import json, sys
try:
    from pip._vendor.packaging.requirements import Requirement
except ImportError:
    from packaging.requirements import Requirement
report = json.load(open(sys.argv[1], encoding="utf-8"))
out = []
for item in report.get("install", []):
    md = item["metadata"]
    extras = [""] + list(item.get("requested_extras") or [])
    pins = []
    for text in md.get("requires_dist") or []:
        req = Requirement(text)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in extras):
            continue
        exact = [s for s in req.specifier if s.operator in ("==", "===") and not s.version.endswith("*")]
        if exact:
            pins.append({"name": req.name, "version": exact[0].version, "extras": sorted(req.extras)})
    out.append({"name": md["name"], "version": md["version"], "pins": pins})
print(json.dumps(out))
"#;

/// An exact pin and who asked for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pin {
    pub name: String,
    pub version: String,
    /// `litellm[proxy] 1.110.0`, `litellm-proxy 1.110.0`, ...
    pub required_by: String,
}

impl std::fmt::Display for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}=={}", self.name, self.version)
    }
}

/// The index lacks something the release needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The LiteLLM version asked for.
    pub release: String,
    /// What the index lacks (the release itself when `litellm==X` is absent).
    pub missing: Vec<Pin>,
    /// The index pip looked in, credentials removed.
    pub index: String,
}

impl Missing {
    /// What is missing, short: `litellm-proxy==1.110.0 (pinned by
    /// litellm[proxy] 1.110.0)`; for the resolvers' warnings.
    pub fn what(&self) -> String {
        self.missing
            .iter()
            .map(|p| format!("{p} (pinned by {})", p.required_by))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Missing {
    /// What the index lacks, without the ways out: `the package index (URL)
    /// lacks litellm-proxy==1.110.0 (pinned by litellm[proxy] 1.110.0)`.
    pub fn reason(&self) -> String {
        let release_itself = self
            .missing
            .iter()
            .any(|p| p.name == "litellm" && p.version == self.release);
        if release_itself {
            format!(
                "the package index ({}) has no litellm=={}",
                self.index, self.release
            )
        } else {
            format!("the package index ({}) lacks {}", self.index, self.what())
        }
    }
}

/// The one line a user sees: the release, what is missing, the ways out.
impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LiteLLM {} cannot be installed: {}",
            self.release,
            self.reason()
        )?;
        write!(
            f,
            "; ways out: an earlier release (COMPAT_LITELLM_VERSION, the pinned default is {}), \
             a LiteLLM installed some other way (COMPAT_LITELLM_BIN=/path/to/bin/litellm), \
             or another index through pip's own configuration (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf)",
            super::LITELLM_VERSION
        )
    }
}

/// The check's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every exact pin (transitively, [`MAX_DEPTH`] levels) is on the index.
    Installable {
        pins: Vec<Pin>,
    },
    Missing(Missing),
}

/// Checks that the index pip is configured with holds `litellm[proxy]==version`
/// and every exact pin it needs. `python` is a Python with pip ≥ 22.2 (for
/// `--report`); `configure` adjusts each pip command (tests point it at a
/// local index). An error means the check itself could not run (pip too old,
/// the index unreachable, an unexpected answer), not that something is missing.
pub fn check_litellm(
    python: &Path,
    version: &str,
    configure: &(dyn Fn(&mut Command) + Sync),
) -> Result<Verdict, ToolError> {
    let tmp = tempfile::tempdir()
        .map_err(|e| ToolError(format!("cannot create a temporary directory: {e}")))?;
    let top = Pin {
        name: "litellm".into(),
        version: version.into(),
        required_by: "COMPAT_LITELLM_VERSION".into(),
    };
    let (first, index) = metadata(python, &top, &["proxy"], tmp.path(), 0, configure)?;
    let Some(first) = first else {
        return Ok(Verdict::Missing(Missing {
            release: version.into(),
            missing: vec![top],
            index,
        }));
    };
    let mut seen: BTreeSet<String> = BTreeSet::from(["litellm".to_owned()]);
    let mut level = first;
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for depth in 1..=MAX_DEPTH {
        let todo: Vec<(Pin, Vec<String>)> = level
            .into_iter()
            .flat_map(|pkg| {
                let by = if pkg.name == "litellm" {
                    format!("litellm[proxy] {}", pkg.version)
                } else {
                    format!("{} {}", pkg.name, pkg.version)
                };
                pkg.pins.into_iter().map(move |p| {
                    (
                        Pin {
                            name: p.name,
                            version: p.version,
                            required_by: by.clone(),
                        },
                        p.extras,
                    )
                })
            })
            .filter(|(p, _)| seen.insert(normalize(&p.name)))
            .collect();
        if todo.is_empty() {
            break;
        }
        // One pip per pin, side by side: a missing pin is named alone, and
        // all of them are named, not just the first pip stops at.
        let answers: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = todo
                .iter()
                .enumerate()
                .map(|(i, (pin, extras))| {
                    let extras: Vec<&str> = extras.iter().map(String::as_str).collect();
                    let dir = tmp.path();
                    s.spawn(move || metadata(python, pin, &extras, dir, depth * 100 + i, configure))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a pip check thread panicked"))
                .collect()
        });
        let mut next = Vec::new();
        for ((pin, _), answer) in todo.into_iter().zip(answers) {
            match answer? {
                (Some(pkgs), _) => {
                    found.push(pin);
                    next.extend(pkgs);
                }
                (None, _) => missing.push(pin),
            }
        }
        level = next;
    }
    if missing.is_empty() {
        Ok(Verdict::Installable { pins: found })
    } else {
        Ok(Verdict::Missing(Missing {
            release: version.into(),
            missing,
            index,
        }))
    }
}

/// One package's metadata as the pins helper prints it.
#[derive(Debug, serde::Deserialize)]
struct Package {
    name: String,
    version: String,
    pins: Vec<RawPin>,
}

#[derive(Debug, serde::Deserialize)]
struct RawPin {
    name: String,
    version: String,
    extras: Vec<String>,
}

/// `pin`'s metadata from the index (None: the index has no such version)
/// and the index pip looked in.
fn metadata(
    python: &Path,
    pin: &Pin,
    extras: &[&str],
    tmp: &Path,
    n: usize,
    configure: &(dyn Fn(&mut Command) + Sync),
) -> Result<(Option<Vec<Package>>, String), ToolError> {
    let report = tmp.join(format!("report-{n}.json"));
    let requirement = if extras.is_empty() {
        pin.to_string()
    } else {
        format!("{}[{}]=={}", pin.name, extras.join(","), pin.version)
    };
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--no-deps",
        "--ignore-installed",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--report",
    ])
    .arg(&report)
    .arg(&requirement)
    .stdin(Stdio::null());
    configure(&mut cmd);
    let what = format!("pip install --dry-run --no-deps {requirement}");
    let out = cmd
        .output()
        .map_err(|e| ToolError(format!("cannot run {what} with {}: {e}", python.display())))?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let index = index_of(&text);
    if !out.status.success() {
        if let Some(line) = unreachable_index(&text) {
            return Err(ToolError(format!(
                "cannot reach the package index ({index}) to check LiteLLM's dependencies: {line}; \
                 check the network or pip's index configuration (PIP_INDEX_URL, pip.conf)"
            )));
        }
        if text.contains("no such option: --report") || text.contains("no such option: --dry-run") {
            return Err(ToolError(format!(
                "the pip of {} is too old to read a release's dependencies (needs --dry-run --report, pip 22.2 or later)",
                python.display()
            )));
        }
        let wanted = format!("no matching distribution found for {}", pin.name).to_lowercase();
        let lower = text.to_lowercase().replace('_', "-");
        if lower.contains(&wanted.replace('_', "-")) {
            return Ok((None, index));
        }
        return Err(ToolError(format!(
            "{what} failed ({}): {}",
            out.status,
            last_error_line(&text)
        )));
    }
    let helper = Command::new(python)
        .args(["-c", PINS_PY])
        .arg(&report)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ToolError(format!("cannot run {}: {e}", python.display())))?;
    if !helper.status.success() {
        return Err(ToolError(format!(
            "cannot read the dependencies pip reported for {requirement}: {}",
            last_error_line(&String::from_utf8_lossy(&helper.stderr))
        )));
    }
    let pkgs: Vec<Package> = serde_json::from_slice(&helper.stdout).map_err(|e| {
        ToolError(format!(
            "cannot parse the dependencies pip reported for {requirement}: {e}"
        ))
    })?;
    Ok((Some(pkgs), index))
}

/// The index pip named ("Looking in indexes: ..." / "Looking in links: ..."),
/// credentials removed; pip's default when it named none.
fn index_of(pip_output: &str) -> String {
    let mut places: Vec<String> = pip_output
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("Looking in indexes:")
                .or_else(|| l.trim().strip_prefix("Looking in links:"))
        })
        .flat_map(|list| list.split(',').map(|u| without_credentials(u.trim())))
        .filter(|u| !u.is_empty())
        .collect();
    if !pip_output
        .lines()
        .any(|l| l.trim().starts_with("Looking in indexes:"))
    {
        places.insert(0, DEFAULT_INDEX.to_owned());
    }
    places.dedup();
    places.join(", ")
}

/// `https://user:pass@host/simple` -> `https://host/simple` (pip masks the
/// password as `****`; the user name is not for logs either).
fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// pip's line saying the index could not be reached, if it said one.
fn unreachable_index(pip_output: &str) -> Option<String> {
    const SIGNS: [&str; 5] = [
        "Could not fetch URL",
        "NewConnectionError",
        "Failed to establish a new connection",
        "ProxyError",
        "SSLError",
    ];
    pip_output
        .lines()
        .find(|l| SIGNS.iter().any(|s| l.contains(s)))
        .map(|l| super::excerpt(&without_credentials_in_line(l.trim()), 200))
}

fn without_credentials_in_line(line: &str) -> String {
    line.split(' ')
        .map(|w| {
            if w.contains("://") {
                without_credentials(w)
            } else {
                w.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// pip's last `ERROR:` line (its list of every version of a package is left
/// out: it runs to thousands of characters).
fn last_error_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("ERROR:"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("(no output)");
    let line = match line.find(" (from versions:") {
        Some(i) => &line[..i],
        None => line,
    };
    super::excerpt(&without_credentials_in_line(line.trim()), 300)
}

/// PEP 503 name normalization.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if matches!(c, '_' | '.') { '-' } else { c };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
#[path = "index_check_tests.rs"]
mod tests;
