//! Tool use (streaming) on Bedrock (Invoke).
compat_harness::case!();
