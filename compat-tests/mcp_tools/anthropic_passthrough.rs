//! MCP tools on Anthropic (pass-through).
compat_harness::case!();
