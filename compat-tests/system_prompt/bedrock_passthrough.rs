//! System prompt on Bedrock (pass-through).
compat_harness::case!();
