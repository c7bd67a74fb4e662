//! Thinking across turns on Azure AI (pass-through).
compat_harness::case!();
