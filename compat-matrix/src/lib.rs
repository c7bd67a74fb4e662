//! compat-matrix: the pure matrix model of the Claude Code Compatibility
//! Matrix: the manifest and its columns, results files, the matrix (schemas 1
//! and 2), the gate, rendering, JUnit and the failure classifier. It runs
//! nothing: the runtime (driver, gateway, tools) is compat-core, above it.
//! ARCHITECTURE.md at the workspace root maps the crates.

pub mod classify;
pub mod fsutil;
pub mod gate;
pub mod junit;
pub mod key;
pub mod manifest;
pub mod matrix;
pub mod paths;
pub mod provider;
// Written by `cargo xtask codegen`; its items are `provider`'s.
mod provider_gen;
pub mod readme_counts;
pub mod releases;
pub mod render;
pub mod results;
pub mod rule_evidence;
pub mod signature;
pub mod status;
