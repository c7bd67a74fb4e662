//! Context management on Azure.
compat_harness::case!();
