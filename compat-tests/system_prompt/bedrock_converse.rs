//! System prompt on Bedrock (Converse).
compat_harness::case!();
