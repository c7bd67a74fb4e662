//! Basic messaging (streaming) on Anthropic (LiteLLM Rust path).
compat_harness::case!();
