//! Model discovery on Bedrock (Invoke).
compat_harness::case!();
