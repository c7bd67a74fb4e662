//! Web fetch on Bedrock Mantle.
compat_harness::case!();
