//! Basic messaging (non-streaming) on Bedrock (Converse).
compat_harness::case!();
