//! Tool use on Bedrock (pass-through).
compat_harness::case!();
