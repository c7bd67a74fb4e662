//! Prompt caching (1 hour) on Bedrock (pass-through).
compat_harness::case!();
