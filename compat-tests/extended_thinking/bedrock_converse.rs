//! Extended thinking on Bedrock (Converse).
compat_harness::case!();
