//! Which simulator rules decided a failing trial, and the evidence they rest
//! on (issue 25; the results' and schema v2's `evidence`, see
//! `compat_matrix::rule_evidence`).
//!
//! The deciding refusals are the ones the classifier reads as the provider's
//! answer (`compat_matrix::classify`): for a CLI API error, the trial's last
//! refusal in the simulator's record; for any other failure (an assertion,
//! a refusal a pass did not recover from), every refusal of the trial. A
//! refusal is a 4xx other than 408 and 429: those and the 5xx are provider
//! trouble (faults), no rule's. Each names its ledger rule (the record's
//! `rule`; a refusal that names none is `unfiled`), whose evidence kind is
//! the ledger's (`compat_sim::ledger::find`; an id the ledger lacks counts
//! as inferred). No refusal at all: kind `gateway`, no rules: the
//! simulators accepted every request and the gateway broke the answer.

use compat_matrix::rule_evidence::{EvidenceKind, RuleEvidence};
use compat_sim::RecordedRequest;

/// What a refusal that names no rule is filed as.
const UNFILED: &str = "unfiled";

/// A simulator refusal that a rule decided (not provider trouble).
fn is_rule_refusal(r: &RecordedRequest) -> bool {
    (400..500).contains(&r.status) && !matches!(r.status, 408 | 429)
}

/// The evidence of a failed trial from its simulator record (in order);
/// `api_error`: the CLI finished with an API error, which the classifier
/// reads from the last refusal only.
pub(crate) fn of_failure(reqs: &[RecordedRequest], api_error: bool) -> RuleEvidence {
    let refusals: Vec<&RecordedRequest> = if api_error {
        // The classifier's deciding answer: the last >= 400 of the record.
        reqs.iter()
            .rev()
            .find(|r| r.status >= 400)
            .filter(|r| is_rule_refusal(r))
            .into_iter()
            .collect()
    } else {
        reqs.iter().filter(|r| is_rule_refusal(r)).collect()
    };
    RuleEvidence::from_rules(refusals.into_iter().map(|r| {
        let id = r.rule.as_deref().unwrap_or(UNFILED);
        (id, kind_of(id))
    }))
}

/// A rule's evidence kind, as the ledger files it.
pub(crate) fn kind_of(id: &str) -> EvidenceKind {
    compat_sim::ledger::find(id)
        .map(|r| EvidenceKind::of_ledger(r.evidence.id()))
        .unwrap_or(EvidenceKind::Inferred)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(status: u16, rule: Option<&str>) -> RecordedRequest {
        RecordedRequest {
            seq: 0,
            provider: "azure",
            method: "POST".into(),
            path: "/anthropic/v1/messages".into(),
            headers: Default::default(),
            body: serde_json::Value::Null,
            model: None,
            stream: false,
            status,
            rejection: (status >= 400).then(|| "words".to_owned()),
            rule: rule.map(str::to_owned),
            stream_events: Vec::new(),
            stream_completed: true,
            usage: None,
            betas: None,
        }
    }

    #[test]
    fn an_api_error_rests_on_the_last_refusal_only() {
        let reqs = [
            rec(400, Some("betas.azure")),
            rec(200, None),
            rec(400, Some("foundry.requires_anthropic_version")),
        ];
        let e = of_failure(&reqs, true);
        assert_eq!(e.rules, ["foundry.requires_anthropic_version"]);
        // The ledger does not know the id (yet): nothing shows a source.
        if compat_sim::ledger::find("foundry.requires_anthropic_version").is_none() {
            assert_eq!(e.kind, EvidenceKind::Inferred);
        }
        // Provider trouble last: no rule decided it.
        let e = of_failure(&[rec(400, Some("x")), rec(529, None)], true);
        assert_eq!(e, RuleEvidence::gateway());
    }

    #[test]
    fn another_failure_rests_on_every_refusal_and_none_is_the_gateways() {
        let reqs = [rec(400, Some("b.rule")), rec(429, None), rec(404, None)];
        let e = of_failure(&reqs, false);
        assert_eq!(e.rules, ["b.rule", "unfiled"]);
        assert_eq!(
            of_failure(&[rec(200, None), rec(500, None)], false),
            RuleEvidence::gateway()
        );
    }
}
