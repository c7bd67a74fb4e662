//! Basic messaging (streaming) on Bedrock Mantle.
compat_harness::case!();
