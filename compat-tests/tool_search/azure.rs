//! Tool search on Azure: the feature's shared check (check.rs).
compat_tests::compat_case!(run = super::check::run);
