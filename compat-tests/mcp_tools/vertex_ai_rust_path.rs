//! MCP tools on Vertex AI (LiteLLM Rust path): the feature's shared check (check.rs).
compat_harness::compat_case!(run = super::check::run);
