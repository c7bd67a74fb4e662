//! PDF input on Bedrock (Converse).
compat_harness::case!();
