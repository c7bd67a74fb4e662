//! Beta headers on Anthropic (LiteLLM Rust path).
compat_harness::case!();
