//! Web search on Bedrock (Invoke).
compat_harness::case!();
