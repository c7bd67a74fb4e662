//! compat-harness: what the compatibility checks and the tools share (like
//! cargo's `cargo-test-support`). The environment, the per-trial [`Ctx`],
//! the column recipe, the window, the tap (relay), the warm gateway, and the
//! runner that turns the registered cases into libtest-mimic trials and
//! writes compat-results.json.
//!
//! A case lives in `compat-tests/<feature>/<provider>.rs` and registers itself
//! with [`case!`], and runs its folder's check, registered once in
//! `<feature>/check.rs` with [`feature!`]; its feature and provider come from
//! that path (via `module_path!()`, which mirrors the folder layout). Each
//! case becomes one trial per manifest model, named
//! `<feature>::<provider>::<model>` (`compat_matrix::key::TrialName`).
//!
//! This file is the crate's face: `mod` lines and `pub use` only. Inside the
//! crate, modules import each other by path (`crate::ctx::Ctx`), never
//! through here.

mod background;
mod calls;
mod cases;
pub mod column;
mod conclude;
mod ctx;
mod env;
pub mod evidence;
mod fault_tests;
mod filters;
pub mod page;
pub mod rehearsal;
pub mod relay;
mod runner;
pub mod shard;
mod sink;
pub mod stream_timing;
#[cfg(test)]
mod unreadable_cli;
mod verdict_evidence;
pub mod warm;
mod window;

pub use cases::{Case, CaseKind, FaultTest, FeatureCheck, LiveVisibility, applies_everywhere};
pub use compat_core;
pub use compat_matrix;
pub use compat_sim;
pub use conclude::GateDecision;
pub use ctx::{Ctx, ModelFamily};
pub use fault_tests::{
    cell_under_fault, conclude_trial, ensure_names_route, expect_red_cell, fault_switch,
    gate_under_fault, green_cell_under_faults, judged_live, red_cell_under_fault,
    red_cell_under_relay_fault, run_declared, trial_scope, trial_under_fault,
    unverified_cell_under_fault,
};
#[doc(hidden)]
pub use inventory;
pub use rehearsal::LIVE_SEARCH_QUERY;
pub use runner::main;
