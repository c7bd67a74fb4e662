//! Context management on Bedrock (Converse).
compat_harness::case!();
