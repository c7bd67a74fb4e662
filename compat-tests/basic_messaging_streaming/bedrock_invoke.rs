//! Basic messaging (streaming) on Bedrock (Invoke).
compat_harness::case!();
