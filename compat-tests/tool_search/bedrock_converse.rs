//! Tool search on Bedrock (Converse).
compat_harness::case!();
