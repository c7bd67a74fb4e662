//! Prompt caching (5 min) on Bedrock Mantle.
compat_harness::case!();
