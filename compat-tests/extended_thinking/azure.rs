//! Extended thinking on Azure.
compat_harness::case!();
