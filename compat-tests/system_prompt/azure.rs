//! System prompt on Azure.
compat_harness::case!();
