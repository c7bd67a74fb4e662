//! compat-core: everything the Claude Code Compatibility Matrix is made of,
//! except the test cases themselves (compat-tests) and the command line (xtask).
//! ARCHITECTURE.md at the workspace root maps the modules.

pub mod fsutil;
pub mod manifest;
pub mod matrix;
pub mod paths;
pub mod publish;
pub mod results;
pub mod secret;
pub mod status;
pub mod versions;
