//! Token counting on Bedrock (Invoke).
compat_harness::case!();
