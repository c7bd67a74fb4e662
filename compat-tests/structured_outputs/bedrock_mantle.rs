//! Structured outputs on Bedrock Mantle.
compat_harness::case!();
