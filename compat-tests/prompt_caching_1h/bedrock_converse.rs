//! Prompt caching (1 hour) on Bedrock (Converse).
compat_harness::case!();
