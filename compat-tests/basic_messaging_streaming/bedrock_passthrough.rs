//! Basic messaging (streaming) on Bedrock (pass-through).
compat_harness::case!();
