//! Basic messaging (non-streaming) on Azure.
compat_harness::case!();
