//! Basic messaging (non-streaming) on Bedrock Mantle.
compat_harness::case!();
