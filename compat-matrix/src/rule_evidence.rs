//! What a red rests on: the simulator rules that decided a failing model and
//! the kind of evidence behind them (issue 25), as results and schema v2 carry it.
//!
//! A failing model of a sim run names, in `evidence`, the ledger ids of the
//! simulator refusals that decided it (`compat_sim::ledger`; the harness
//! reads them from the trial's simulator record: the refusal the classifier
//! took as the provider's answer for an API error, else every refusal of the
//! trial) and one `kind` for them all:
//!
//! - the **strongest** kind among those rules, in the ledger's order
//!   `documented` > `client` > `observed` > `inferred`: a red is as well
//!   founded as the best-sourced rule that decided it, so `kind: inferred`
//!   means exactly "rests only on inferred rules" (what the page marks);
//! - `gateway` when no simulator rule decided it (`rules` empty): the
//!   simulators accepted every request and the gateway broke the answer
//!   itself (dropped a field, estimated a count, lost a stream).
//!
//! A rule id the ledger does not know counts as `inferred` (nothing shows its
//! source). Live runs carry no `evidence`: the real provider decided.

use serde::{Deserialize, Serialize};

/// The kind of evidence a red rests on (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// The provider's docs or API reference say so.
    Documented,
    /// The provider's own SDK or service model encodes it.
    Client,
    /// A public report quotes the real provider's answer.
    Observed,
    /// No direct source: the simulator's authors inferred it.
    Inferred,
    /// No simulator rule: the gateway broke the answer on its own.
    Gateway,
}

impl EvidenceKind {
    /// Every kind, in the order the README's count lists them.
    pub const ALL: [EvidenceKind; 5] = [
        EvidenceKind::Documented,
        EvidenceKind::Client,
        EvidenceKind::Observed,
        EvidenceKind::Inferred,
        EvidenceKind::Gateway,
    ];

    /// The wire name (`documented`, ..., `gateway`).
    pub fn id(self) -> &'static str {
        match self {
            EvidenceKind::Documented => "documented",
            EvidenceKind::Client => "client",
            EvidenceKind::Observed => "observed",
            EvidenceKind::Inferred => "inferred",
            EvidenceKind::Gateway => "gateway",
        }
    }

    /// The kind of a ledger evidence id (`documented`, `client`, `observed`,
    /// `inferred`); an unknown one is `inferred`.
    pub fn of_ledger(id: &str) -> EvidenceKind {
        EvidenceKind::ALL
            .into_iter()
            .find(|k| *k != EvidenceKind::Gateway && k.id() == id)
            .unwrap_or(EvidenceKind::Inferred)
    }
}

impl std::fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// `evidence` of a failing model: the rules that decided it and their kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEvidence {
    pub kind: EvidenceKind,
    /// Ledger ids, sorted, each once; empty for `gateway`.
    pub rules: Vec<String>,
}

impl RuleEvidence {
    /// No simulator rule decided the failure.
    pub fn gateway() -> Self {
        RuleEvidence {
            kind: EvidenceKind::Gateway,
            rules: Vec::new(),
        }
    }

    /// From the deciding rules, each with its ledger evidence kind; none:
    /// [`RuleEvidence::gateway`].
    pub fn from_rules<'a>(rules: impl IntoIterator<Item = (&'a str, EvidenceKind)>) -> Self {
        let mut ids: Vec<String> = Vec::new();
        let mut kind: Option<EvidenceKind> = None;
        for (id, k) in rules {
            kind = Some(kind.map_or(k, |best| best.min(k)));
            if !ids.iter().any(|i| i == id) {
                ids.push(id.to_owned());
            }
        }
        ids.sort();
        match kind {
            Some(kind) => RuleEvidence { kind, rules: ids },
            None => RuleEvidence::gateway(),
        }
    }

    /// Rests only on rules nobody has checked against the provider.
    pub fn only_inferred(&self) -> bool {
        self.kind == EvidenceKind::Inferred
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EvidenceKind::*;

    #[test]
    fn the_strongest_kind_wins_so_inferred_means_only_inferred() {
        let e = RuleEvidence::from_rules([("b.rule", Inferred), ("a.rule", Documented)]);
        assert_eq!(e.kind, Documented);
        assert_eq!(e.rules, ["a.rule", "b.rule"]);
        assert!(!e.only_inferred());
        let e = RuleEvidence::from_rules([("x", Inferred), ("x", Inferred)]);
        assert_eq!((e.kind, e.rules.len()), (Inferred, 1));
        assert!(e.only_inferred());
        assert_eq!(RuleEvidence::from_rules([]), RuleEvidence::gateway());
    }

    #[test]
    fn serializes_as_kind_and_rules() {
        let e = RuleEvidence::from_rules([("foundry.requires_anthropic_version", Observed)]);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "observed", "rules": ["foundry.requires_anthropic_version"]})
        );
        assert_eq!(EvidenceKind::of_ledger("client"), Client);
        assert_eq!(EvidenceKind::of_ledger("gateway"), Inferred);
        assert_eq!(EvidenceKind::of_ledger("what"), Inferred);
    }
}
