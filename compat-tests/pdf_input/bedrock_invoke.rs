//! PDF input on Bedrock (Invoke).
compat_harness::case!();
