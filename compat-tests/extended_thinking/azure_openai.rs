//! Extended thinking on Azure OpenAI.

compat_harness::case!();
