//! The types of the rule ledger (issue 25): a [`Rule`] and the [`Evidence`]
//! it rests on. The table is `ledger_gen.rs`; the face, `ledger.rs`.

/// What a rule rests on, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// The provider's docs or API reference say so.
    Documented,
    /// The provider's own SDK or service model encodes it.
    Client,
    /// A public report quotes the real provider's answer (URL and date).
    Observed,
    /// No direct source: the simulator's authors inferred it.
    Inferred,
}

impl Evidence {
    pub const ALL: [Evidence; 4] = [
        Evidence::Documented,
        Evidence::Client,
        Evidence::Observed,
        Evidence::Inferred,
    ];

    /// The ledger's and the results' spelling.
    pub fn id(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::Client => "client",
            Evidence::Observed => "observed",
            Evidence::Inferred => "inferred",
        }
    }

    pub fn from_id(id: &str) -> Option<Evidence> {
        Evidence::ALL.into_iter().find(|e| e.id() == id)
    }
}

/// One entry of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `<provider-or-scope>.<rule>`, e.g. `foundry.requires_anthropic_version`.
    pub id: &'static str,
    /// The compat-sim [`Api`](crate::Api) ids it applies to.
    pub providers: &'static [&'static str],
    /// The model ids it applies to; empty: every model.
    pub models: &'static [&'static str],
    /// What it refuses or does, in a line.
    pub does: &'static str,
    /// The provider's own words as the simulator sends them ("" for a rule
    /// that changes an answer rather than refusing).
    pub words: &'static str,
    pub evidence: Evidence,
    /// Where the evidence is: URLs (with the date seen, for `observed`).
    pub sources: &'static [&'static str],
}
