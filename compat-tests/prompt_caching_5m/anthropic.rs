//! Prompt caching (5 min) on Anthropic.
compat_harness::case!();
