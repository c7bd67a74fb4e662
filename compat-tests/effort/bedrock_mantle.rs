//! Effort on Bedrock Mantle.
compat_harness::case!();
