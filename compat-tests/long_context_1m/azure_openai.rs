//! 1M context on Azure OpenAI.

compat_harness::case!();
