//! Basic messaging (non-streaming) on Azure OpenAI.

compat_harness::case!();
