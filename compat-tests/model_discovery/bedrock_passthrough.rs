//! Model discovery on Bedrock (pass-through).
compat_harness::case!();
