//! Tool use (streaming) on Azure.
compat_harness::case!();
