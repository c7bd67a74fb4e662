//! Basic messaging (non-streaming) on Anthropic (LiteLLM Rust path).
compat_harness::case!();
