//! Thinking across turns on Bedrock Mantle.
compat_harness::case!();
