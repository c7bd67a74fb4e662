//! PDF input on Bedrock Mantle.
compat_harness::case!();
