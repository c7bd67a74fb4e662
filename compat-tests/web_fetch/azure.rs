//! Web fetch on Azure.
compat_harness::case!();
