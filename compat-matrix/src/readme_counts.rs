//! README.md's count of a matrix's reds by evidence kind (issue 25),
//! checked against golden/sim-baseline.json by tests/readme_counts.rs.

use crate::rule_evidence::{EvidenceKind, RuleEvidence};

/// Where README.md holds the baseline's count of reds by evidence kind,
/// between these two lines ([`readme_counts`] writes what goes between).
pub const README_BEGIN: &str = "<!-- reds-by-evidence: begin (checked against golden/sim-baseline.json by compat-matrix/tests/readme_counts.rs) -->";
pub const README_END: &str = "<!-- reds-by-evidence: end -->";

/// The README's count of a matrix's reds by evidence kind: failing models
/// (trials) per kind, the red cells that rest only on inferred rules, and
/// the models the sim environment left unverified. A failing model without
/// `evidence` (a matrix built before it) counts as "not recorded".
pub fn readme_counts(m: &crate::matrix::v2::MatrixV2) -> String {
    use crate::matrix::v2::{CellStatusV2, ModelStatus};
    let mut by_kind = std::collections::BTreeMap::<EvidenceKind, usize>::new();
    let (mut models, mut unrecorded, mut cells, mut inferred_cells, mut sim_env) = (0, 0, 0, 0, 0);
    for f in &m.features {
        for c in f.providers.values() {
            let failing: Vec<_> = c
                .models
                .values()
                .filter(|r| r.status == ModelStatus::Fail)
                .collect();
            sim_env += c
                .models
                .values()
                .filter(|r| r.class == Some(crate::status::FailureClass::SimEnvironment))
                .count();
            if matches!(
                c.status,
                CellStatusV2::Fail { .. } | CellStatusV2::Partial { .. }
            ) {
                cells += 1;
                if !failing.is_empty()
                    && failing
                        .iter()
                        .all(|r| r.evidence.as_ref().is_some_and(RuleEvidence::only_inferred))
                {
                    inferred_cells += 1;
                }
            }
            for r in failing {
                models += 1;
                match &r.evidence {
                    Some(e) => *by_kind.entry(e.kind).or_default() += 1,
                    None => unrecorded += 1,
                }
            }
        }
    }
    let kinds: Vec<String> = EvidenceKind::ALL
        .iter()
        .map(|k| format!("`{}` {}", k.id(), by_kind.get(k).copied().unwrap_or(0)))
        .collect();
    format!(
        "The sim baseline (generated {}) has {cells} red cell(s), {inferred_cells} resting only on \
         inferred simulator rules, and {models} failing model(s) by evidence: {}, not recorded \
         {unrecorded}; {sim_env} model(s) unverified by the sim environment.\n",
        m.generated_at,
        kinds.join(", ")
    )
}
