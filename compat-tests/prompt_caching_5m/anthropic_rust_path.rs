//! Prompt caching (5 min) on Anthropic (LiteLLM Rust path).
compat_harness::case!();
