//! Token counting on Azure.
compat_harness::case!();
