//! 1M context on Bedrock Mantle.
compat_harness::case!();
