//! 1M context on Bedrock (Invoke).
compat_harness::case!();
