//! Tool search on Bedrock (pass-through).
compat_harness::case!();
