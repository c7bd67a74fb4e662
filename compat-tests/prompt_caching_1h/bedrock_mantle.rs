//! Prompt caching (1 hour) on Bedrock Mantle.
compat_harness::case!();
