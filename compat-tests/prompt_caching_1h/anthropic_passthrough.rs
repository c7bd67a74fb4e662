//! Prompt caching (1 hour) on Anthropic (pass-through).
compat_harness::case!();
