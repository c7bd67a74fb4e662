//! MCP tools on Azure.
compat_harness::case!();
