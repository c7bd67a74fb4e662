//! Model discovery on Bedrock Mantle.
compat_harness::case!();
