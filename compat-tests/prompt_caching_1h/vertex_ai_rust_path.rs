//! Prompt caching (1 hour) on Vertex AI (LiteLLM Rust path).
compat_harness::case!();
