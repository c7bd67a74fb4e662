//! Extended thinking on Bedrock (pass-through).
compat_harness::case!();
