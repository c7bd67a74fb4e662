//! Structured outputs on Bedrock (pass-through).
compat_harness::case!();
