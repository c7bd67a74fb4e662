//! Vision on Azure.
compat_harness::case!();
