//! Vision on Bedrock Mantle.
compat_harness::case!();
