//! Tool use on Bedrock (Converse).
compat_harness::case!();
