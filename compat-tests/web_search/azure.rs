//! Web search on Azure.
compat_harness::case!();
