//! Structured outputs on Anthropic.
compat_harness::case!();
