//! 1M context on Bedrock (pass-through).
compat_harness::case!();
