//! Prompt caching (5 min) on Bedrock (pass-through).
compat_harness::case!();
