//! Web fetch on Bedrock (Invoke).
compat_harness::case!();
