//! 1M context on Azure.
compat_harness::case!();
