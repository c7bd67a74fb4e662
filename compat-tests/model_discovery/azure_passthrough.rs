//! Model discovery on Azure AI (pass-through).
compat_harness::case!();
