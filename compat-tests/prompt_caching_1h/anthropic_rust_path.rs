//! Prompt caching (1 hour) on Anthropic (LiteLLM Rust path).
compat_harness::case!();
