//! Model discovery on Anthropic (LiteLLM Rust path).
compat_harness::case!();
