//! Token counting on Bedrock Mantle.
compat_harness::case!();
