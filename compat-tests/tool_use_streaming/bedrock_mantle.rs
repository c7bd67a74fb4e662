//! Tool use (streaming) on Bedrock Mantle.
compat_harness::case!();
