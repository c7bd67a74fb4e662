//! Tool search on Bedrock Mantle: the feature's shared check (check.rs).
compat_tests::compat_case!(run = super::check::run);
