//! Prompt caching (5 min) on Vertex AI (LiteLLM Rust path).
compat_harness::case!();
