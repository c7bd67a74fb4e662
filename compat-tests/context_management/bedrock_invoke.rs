//! Context management on Bedrock (Invoke).
compat_harness::case!();
