//! Thinking across turns on Bedrock (Converse).
compat_harness::case!();
