//! Prompt caching (1 hour) on Anthropic.
compat_harness::case!();
