//! PDF input on Bedrock (pass-through).
compat_harness::case!();
