//! Token counting on Bedrock (Converse).
compat_harness::case!();
