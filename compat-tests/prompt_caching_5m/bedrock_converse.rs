//! Prompt caching (5 min) on Bedrock (Converse).
compat_harness::case!();
