//! A v2 cell's history: the status it had before its last change, when
//! that change came, and which version bump came with it (the publisher
//! fills it from the matrix it replaces; the page and the commit name it).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellHistory {
    pub previous_status: String,
    /// generated_at of the first run that showed the current status.
    pub changed_at: String,
    /// The versions that moved between the run before `changed_at` and the
    /// run at `changed_at` (the bump that came with the change); absent when
    /// neither moved, or when nobody recorded it (files written before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_with: Option<ChangedWith>,
}

/// Which versions moved between two runs: LiteLLM's and Claude Code's, each
/// only when it moved. Never empty: [`ChangedWith::between`] says `None`
/// when neither moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangedWith {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub litellm: Option<VersionMove>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_code: Option<VersionMove>,
}

/// One version's move, as the matrices spell the versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionMove {
    pub from: String,
    pub to: String,
}

impl ChangedWith {
    /// What moved from `old`'s (litellm, claude_code) versions to `new`'s;
    /// `None` when neither moved.
    pub fn between(old: (&str, &str), new: (&str, &str)) -> Option<Self> {
        let moved = |from: &str, to: &str| {
            (from != to).then(|| VersionMove {
                from: from.to_owned(),
                to: to.to_owned(),
            })
        };
        let c = ChangedWith {
            litellm: moved(old.0, new.0),
            claude_code: moved(old.1, new.1),
        };
        (c != ChangedWith::default()).then_some(c)
    }

    /// "LiteLLM 1.108.7 → 1.110.2 and Claude Code 2.1.331 → 2.1.332" (the
    /// commit message's and the page's words).
    pub fn text(&self) -> String {
        [
            ("LiteLLM", &self.litellm),
            ("Claude Code", &self.claude_code),
        ]
        .into_iter()
        .filter_map(|(name, m)| m.as_ref().map(|m| format!("{name} {} → {}", m.from, m.to)))
        .collect::<Vec<_>>()
        .join(" and ")
    }
}
