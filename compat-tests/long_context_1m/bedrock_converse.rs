//! 1M context on Bedrock (Converse).
compat_harness::case!();
