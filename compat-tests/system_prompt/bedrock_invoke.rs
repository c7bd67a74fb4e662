//! System prompt on Bedrock (Invoke).
compat_harness::case!();
