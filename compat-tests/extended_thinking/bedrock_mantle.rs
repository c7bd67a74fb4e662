//! Extended thinking on Bedrock Mantle.
compat_harness::case!();
