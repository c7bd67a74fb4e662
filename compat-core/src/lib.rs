//! compat-core: the runtime of the Claude Code Compatibility Matrix: the CLI
//! driver, the LiteLLM gateway and its routing, tool provisioning, process
//! groups and secrets. The pure matrix model it stands on is compat-matrix.
//! ARCHITECTURE.md at the workspace root maps the crates.

pub mod driver;
pub mod gateway;
pub mod procgroup;
pub mod secret;
pub mod tools;
