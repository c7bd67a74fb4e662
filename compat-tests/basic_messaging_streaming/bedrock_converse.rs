//! Basic messaging (streaming) on Bedrock (Converse).
compat_harness::case!();
