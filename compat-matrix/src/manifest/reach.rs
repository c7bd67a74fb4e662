//! How the CLI reaches the gateway, per column (manifest.yaml `reach`), the
//! part of Anthropic's published gateway contract a column exercises
//! (`format`), and the CLI's modes the gateway does not offer
//! (`not_offered`). The groups' and formats' display names and one-line
//! descriptions are defined here once; the v2 matrix and the page carry them.

/// A way the CLI reaches the gateway: the page groups columns by it, in this
/// order (docs/research/cli-modes-2026-12-06.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// The manifest value (`providers[].reach`).
    pub id: &'static str,
    /// The group's label over its columns on the page.
    pub name: &'static str,
    /// One line: what the CLI is set to, and where it lands.
    pub description: &'static str,
}

pub const REACHES: &[Reach] = &[
    Reach {
        id: "base_url",
        name: "Base URL → /v1/messages",
        description: "ANTHROPIC_BASE_URL at the gateway: the CLI speaks Anthropic Messages to LiteLLM's \
            unified /v1/messages, which translates for the provider.",
    },
    Reach {
        id: "route",
        name: "Base URL → a LiteLLM route",
        description: "ANTHROPIC_BASE_URL at one of LiteLLM's own routes (the /anthropic pass-through, \
            the Claude Code gateway protocol) instead of the unified /v1/messages.",
    },
    Reach {
        id: "native_mode",
        name: "Native provider mode",
        description: "The CLI in its own provider mode (CLAUDE_CODE_USE_BEDROCK, _VERTEX, _FOUNDRY, \
            _ANTHROPIC_AWS) with that mode's base URL at the gateway's matching route.",
    },
    Reach {
        id: "rust_path",
        name: "LiteLLM Rust path",
        description: "ANTHROPIC_BASE_URL at /v1/messages served by LiteLLM's opt-in Rust \
            implementation (LITELLM_RUST=true), same upstream as its base-URL column.",
    },
];

/// An API format of Anthropic's published gateway requirements
/// (code.claude.com "LLM gateway configuration" and its protocol reference;
/// research §7): what a column's rows exercise of that contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The manifest value (`providers[].format`).
    pub id: &'static str,
    pub name: &'static str,
    /// What the gateway must serve and forward in this format.
    pub description: &'static str,
}

pub const FORMATS: &[Format] = &[
    Format {
        id: "anthropic_messages",
        name: "Anthropic Messages",
        description: "/v1/messages and /v1/messages/count_tokens; the gateway must forward the \
            anthropic-beta and anthropic-version headers and keep the body's fields.",
    },
    Format {
        id: "bedrock_invoke_model",
        name: "Bedrock InvokeModel",
        description: "The CLI's Bedrock mode: InvokeModel paths; the gateway must keep the body \
            fields anthropic_beta and anthropic_version.",
    },
    Format {
        id: "vertex_raw_predict",
        name: "Vertex rawPredict",
        description: "The CLI's Vertex mode: :rawPredict, :streamRawPredict and count-tokens; the \
            gateway must forward the anthropic-beta and anthropic-version headers.",
    },
    Format {
        id: "foundry_messages",
        name: "Foundry Messages",
        description: "The CLI's Foundry mode: the Messages format at the Foundry path, forwarded \
            as Anthropic Messages.",
    },
    Format {
        id: "claude_apps_gateway",
        name: "Claude apps gateway",
        description: "The CLI's gateway mode (CLAUDE_CODE_USE_GATEWAY): the gateway must pass \
            body fields and anthropic-beta values unchanged.",
    },
];

/// The reach of a manifest value, if it is one.
pub fn reach(id: &str) -> Option<&'static Reach> {
    REACHES.iter().find(|r| r.id == id)
}

/// The format of a manifest value, if it is one.
pub fn format(id: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.id == id)
}

/// The error for a value of neither list: names the known values.
pub fn unknown(what: &str, value: &str, known: &[&str]) -> String {
    format!("unknown {what} `{value}` (one of: {})", known.join(", "))
}

/// A CLI mode no column answers because the gateway offers no route for it
/// (manifest.yaml `not_offered`), shown under the matrix on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOffered {
    /// The CLI's variable that selects the mode (`CLAUDE_CODE_USE_MANTLE`).
    pub mode: String,
    /// Display name of the mode.
    pub name: String,
    /// One or two sentences: why the gateway cannot serve it.
    pub why: String,
    /// Where the evidence is: a repository path or an https URL.
    pub evidence: String,
}

/// Checks one `not_offered` entry's fields; the message names the field.
pub fn check_not_offered(n: &NotOffered) -> Result<(), String> {
    let mode_ok = !n.mode.is_empty()
        && n.mode
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !mode_ok {
        return Err(format!(
            "mode: `{}` must be the CLI's environment variable (A-Z, 0-9, `_`)",
            n.mode
        ));
    }
    for (field, v) in [
        ("name", &n.name),
        ("why", &n.why),
        ("evidence", &n.evidence),
    ] {
        if v.trim().is_empty() {
            return Err(format!("{field}: must not be empty"));
        }
    }
    let e = n.evidence.trim();
    if e.contains("://") && !e.starts_with("https://") {
        return Err(format!(
            "evidence: `{e}` must be a repository path or an https URL"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_entry_is_described() {
        let reaches: Vec<_> = REACHES.iter().map(|r| r.id).collect();
        let formats: Vec<_> = FORMATS.iter().map(|f| f.id).collect();
        for ids in [&reaches, &formats] {
            let mut sorted = ids.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ids.len(), "{ids:?}");
        }
        for r in REACHES {
            assert!(!r.name.is_empty() && r.description.ends_with('.'), "{r:?}");
        }
        for f in FORMATS {
            assert!(!f.name.is_empty() && f.description.ends_with('.'), "{f:?}");
        }
        assert_eq!(
            reach("route").map(|r| r.name),
            Some("Base URL → a LiteLLM route")
        );
        assert_eq!(
            format("vertex_raw_predict").map(|f| f.name),
            Some("Vertex rawPredict")
        );
        assert_eq!(reach("native"), None);
    }

    #[test]
    fn not_offered_fields_are_checked() {
        let good = NotOffered {
            mode: "CLAUDE_CODE_USE_MANTLE".into(),
            name: "Bedrock Mantle mode".into(),
            why: "No route.".into(),
            evidence: "docs/columns/mantle_passthrough.md".into(),
        };
        assert_eq!(check_not_offered(&good), Ok(()));
        let bad = |f: &dyn Fn(&mut NotOffered)| {
            let mut n = good.clone();
            f(&mut n);
            check_not_offered(&n).unwrap_err()
        };
        assert!(bad(&|n| n.mode = "use mantle".into()).starts_with("mode:"));
        assert_eq!(bad(&|n| n.why = " ".into()), "why: must not be empty");
        assert!(bad(&|n| n.evidence = "http://x".into()).starts_with("evidence:"));
    }
}
