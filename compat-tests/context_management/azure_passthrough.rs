//! Context management on Azure AI (pass-through).
compat_harness::case!();
