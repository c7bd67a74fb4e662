//! Tool use on Bedrock Mantle.
compat_harness::case!();
