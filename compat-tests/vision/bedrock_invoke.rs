//! Vision on Bedrock (Invoke).
compat_harness::case!();
