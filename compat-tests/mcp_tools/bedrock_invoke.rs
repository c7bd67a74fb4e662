//! MCP tools on Bedrock (Invoke).
compat_harness::case!();
