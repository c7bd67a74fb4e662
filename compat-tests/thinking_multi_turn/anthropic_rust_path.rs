//! Thinking across turns on Anthropic (LiteLLM Rust path).
compat_harness::case!();
