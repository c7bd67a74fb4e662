//! Structured outputs on Bedrock (Invoke).
compat_harness::case!();
