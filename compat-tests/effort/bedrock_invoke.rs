//! Effort on Bedrock (Invoke).
compat_harness::case!();
