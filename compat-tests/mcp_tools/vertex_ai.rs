//! MCP tools on Vertex AI.
compat_harness::case!();
