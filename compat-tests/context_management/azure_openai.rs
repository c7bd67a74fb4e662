//! Context management on Azure OpenAI.

compat_harness::case!();
