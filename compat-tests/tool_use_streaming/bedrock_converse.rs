//! Tool use (streaming) on Bedrock (Converse).
compat_harness::case!();
