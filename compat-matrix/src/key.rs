//! The typed key of a trial: which row ([`FeatureId`]), column
//! ([`Provider`]) and model ([`ModelId`]) it measures, and its name
//! ([`TrialName`]), whose `Display` is the trial name libtest filters on
//! (`feature::provider::short`, `feature::sim_fault::name::short`). Built
//! once, where a case registers; never re-parsed from the name. Pure: it
//! imports only `crate::provider`.

use std::fmt;

use crate::provider::Provider;

/// A row of the matrix: the manifest's feature id, which is also the name
/// of the case folder (`compat-tests/<feature>/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeatureId(pub String);

impl FeatureId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FeatureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A model of the manifest: its canonical id (`claude-sonnet-4-6`, what
/// results and matrices record) and its short name (`sonnet-4.6`, what a
/// trial name ends with).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelId {
    pub id: String,
    pub short: String,
}

/// One cell of the matrix: a row on a column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CellKey {
    pub feature: FeatureId,
    pub provider: Provider,
}

impl fmt::Display for CellKey {
    /// `feature::provider`, the case file's path in module form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.feature, self.provider.id())
    }
}

/// One trial of a cell: the cell on one model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrialKey {
    pub cell: CellKey,
    pub model: ModelId,
}

impl fmt::Display for TrialKey {
    /// `feature::provider::short`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.cell, self.model.short)
    }
}

/// What a trial is called: a case's trial, or a fault test run on a cell's
/// trial (sim mode only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrialName {
    /// `feature::provider::short`.
    Case(TrialKey),
    /// `feature::sim_fault::name::short`: the fault test `name`, run on
    /// the trial `on` (its column is not in the name, as before the key).
    Fault { on: TrialKey, name: &'static str },
}

impl TrialName {
    /// The trial it runs (for a fault test, the cell's trial it runs on).
    pub fn key(&self) -> &TrialKey {
        match self {
            TrialName::Case(k) | TrialName::Fault { on: k, .. } => k,
        }
    }

    /// The fault test's name, for a fault test.
    pub fn fault(&self) -> Option<&'static str> {
        match self {
            TrialName::Case(_) => None,
            TrialName::Fault { name, .. } => Some(name),
        }
    }
}

impl fmt::Display for TrialName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrialName::Case(k) => k.fmt(f),
            TrialName::Fault { on, name } => write!(
                f,
                "{}::sim_fault::{name}::{}",
                on.cell.feature, on.model.short
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(feature: &str, provider: Provider) -> TrialKey {
        TrialKey {
            cell: CellKey {
                feature: FeatureId(feature.to_owned()),
                provider,
            },
            model: ModelId {
                id: "claude-sonnet-4-6".to_owned(),
                short: "sonnet-4.6".to_owned(),
            },
        }
    }

    #[test]
    fn names_are_todays_trial_names() {
        let k = key("tool_use", Provider::BedrockPassthrough);
        assert_eq!(
            TrialName::Case(k.clone()).to_string(),
            "tool_use::bedrock_passthrough::sonnet-4.6"
        );
        assert_eq!(k.cell.to_string(), "tool_use::bedrock_passthrough");
        let fault = TrialName::Fault {
            on: k,
            name: "no_tool_call_turns_cell_red",
        };
        assert_eq!(
            fault.to_string(),
            "tool_use::sim_fault::no_tool_call_turns_cell_red::sonnet-4.6"
        );
        assert_eq!(fault.fault(), Some("no_tool_call_turns_cell_red"));
        assert_eq!(fault.key().cell.provider, Provider::BedrockPassthrough);
    }
}
