//! Tool search on Bedrock Mantle.
compat_harness::case!();
