//! MCP tools on Bedrock Mantle.
compat_harness::case!();
