//! Context management on Bedrock (pass-through).
compat_harness::case!();
