//! Basic messaging (non-streaming) on Bedrock (Invoke).
compat_harness::case!();
