//! Prompt caching (5 min) on Anthropic (pass-through).
compat_harness::case!();
