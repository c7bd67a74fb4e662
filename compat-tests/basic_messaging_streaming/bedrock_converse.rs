//! Basic messaging (streaming) on Bedrock (Converse): the feature's shared check (check.rs).
compat_harness::compat_case!(run = super::check::run);
