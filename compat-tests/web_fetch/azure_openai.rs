//! Web fetch on Azure OpenAI.

compat_harness::case!();
