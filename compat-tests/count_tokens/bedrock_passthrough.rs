//! Token counting on Bedrock (pass-through).
compat_harness::case!();
