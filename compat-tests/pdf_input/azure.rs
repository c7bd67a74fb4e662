//! PDF input on Azure.
compat_harness::case!();
