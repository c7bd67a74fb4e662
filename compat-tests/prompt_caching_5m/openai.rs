//! Prompt caching (5 min) on OpenAI.

compat_harness::case!();
