//! Basic messaging (non-streaming) on Azure AI (pass-through).
compat_harness::case!();
