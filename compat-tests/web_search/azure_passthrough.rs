//! Web search on Azure AI (pass-through): the feature's shared check (check.rs).
compat_harness::compat_case!(run = super::check::run);
