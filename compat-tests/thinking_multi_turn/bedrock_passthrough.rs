//! Thinking across turns on Bedrock (pass-through).
compat_harness::case!();
