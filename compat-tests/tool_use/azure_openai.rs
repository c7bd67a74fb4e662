//! Tool use on Azure OpenAI.

compat_harness::case!();
