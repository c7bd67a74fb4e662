//! Effort on Azure.
compat_harness::case!();
