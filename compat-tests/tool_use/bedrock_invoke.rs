//! Tool use on Bedrock (Invoke).
compat_harness::case!();
