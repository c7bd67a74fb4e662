//! Web fetch on Bedrock (Converse).
compat_harness::case!();
