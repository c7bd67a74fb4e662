//! compat-core: everything the Claude Code Compatibility Matrix is made of,
//! except the test cases themselves (compat-tests), the provider simulators
//! (compat-sim), and the command line with the release tooling, publisher and
//! version resolvers (xtask).
//! ARCHITECTURE.md at the workspace root maps the modules.

pub mod classify;
pub mod driver;
pub mod fsutil;
pub mod gate;
pub mod gateway;
pub mod junit;
pub mod key;
pub mod manifest;
pub mod matrix;
pub mod paths;
pub mod procgroup;
pub mod provider;
// Written by `cargo xtask codegen`; its items are `provider`'s.
mod provider_gen;
pub mod render;
pub mod results;
pub mod secret;
pub mod signature;
pub mod status;
pub mod tools;
