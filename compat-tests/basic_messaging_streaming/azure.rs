//! Basic messaging (streaming) on Azure.
compat_harness::case!();
