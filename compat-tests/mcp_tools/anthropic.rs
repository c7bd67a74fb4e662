//! MCP tools on Anthropic.
compat_harness::case!();
