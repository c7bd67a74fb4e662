//! Basic messaging (non-streaming) on Bedrock (pass-through).
compat_harness::case!();
