//! Each column's models in a v2 matrix: a column runs its own model set
//! (manifest.yaml `model_sets`), so a cell aggregates, validates and shows
//! only its column's models. The matrix lists the models some column runs
//! (`models`); a column's entry in `columns` names its own (`models`) only
//! when it runs fewer than all of them, so a matrix whose columns all run
//! the same set (every matrix before sets) is written as before.

use super::v2::{MatrixV2, ModelInfo};

impl MatrixV2 {
    /// The models column `provider` runs, in display order: its
    /// `columns[].models`, else every model of `models` (also for a matrix
    /// without `columns`, built before them).
    pub fn models_of(&self, provider: &str) -> Vec<&ModelInfo> {
        let own = self
            .columns
            .iter()
            .find(|c| c.id == provider)
            .and_then(|c| c.models.as_ref());
        match own {
            None => self.models.iter().collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| self.models.iter().find(|m| &m.id == id))
                .collect(),
        }
    }
}
