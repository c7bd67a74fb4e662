//! Thinking across turns on Bedrock (Invoke).
compat_harness::case!();
