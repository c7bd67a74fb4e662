//! 1M context on Azure AI (pass-through).
compat_harness::case!();
