//! MCP tools on Bedrock (Converse).
compat_harness::case!();
