//! Extended thinking on Bedrock (Invoke).
compat_harness::case!();
