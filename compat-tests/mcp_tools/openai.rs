//! MCP tools on OpenAI.

compat_harness::case!();
