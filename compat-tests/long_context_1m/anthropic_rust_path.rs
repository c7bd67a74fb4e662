//! 1M context on Anthropic (LiteLLM Rust path).
compat_harness::case!();
