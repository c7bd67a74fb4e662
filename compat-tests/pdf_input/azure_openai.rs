//! PDF input on Azure OpenAI.

compat_harness::case!();
