//! System prompt on Anthropic (LiteLLM Rust path).
compat_harness::case!();
