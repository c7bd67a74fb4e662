//! System prompt on Bedrock Mantle.
compat_harness::case!();
