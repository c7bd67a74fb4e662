//! The rule ledger's table in Rust (issue 25): every rule a simulator
//! enforces that can refuse a request or change an answer, with the
//! provider's own words and the evidence it rests on. The table itself
//! (`ledger_gen.rs`) is written by `cargo xtask codegen` from
//! compat-sim/ledger/*.yaml; a [`Rejection`](crate::wire::rejection::Rejection)
//! names its rule by id, and the request record carries that id.

pub use crate::wire::ledger_gen::RULES;
pub use crate::wire::rule::{Evidence, Rule};

/// The ledger's entry for `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
