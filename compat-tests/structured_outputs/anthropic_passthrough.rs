//! Structured outputs on Anthropic (pass-through).
compat_harness::case!();
