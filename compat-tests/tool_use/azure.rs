//! Tool use on Azure.
compat_harness::case!();
