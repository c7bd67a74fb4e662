//! System prompt on Azure OpenAI.

compat_harness::case!();
