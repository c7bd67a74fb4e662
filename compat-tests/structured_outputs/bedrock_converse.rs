//! Structured outputs on Bedrock (Converse).
compat_harness::case!();
