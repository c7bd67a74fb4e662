//! Model discovery on Bedrock (Converse).
compat_harness::case!();
