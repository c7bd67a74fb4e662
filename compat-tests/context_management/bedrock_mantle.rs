//! Context management on Bedrock Mantle.
compat_harness::case!();
