//! Effort on Bedrock (Converse).
compat_harness::case!();
