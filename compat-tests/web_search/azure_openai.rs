//! Web search on Azure OpenAI.

compat_harness::case!();
