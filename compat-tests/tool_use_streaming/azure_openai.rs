//! Tool use (streaming) on Azure OpenAI.

compat_harness::case!();
