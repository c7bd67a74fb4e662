//! MCP tools on Azure OpenAI.

compat_harness::case!();
