//! Vision on Azure OpenAI.

compat_harness::case!();
