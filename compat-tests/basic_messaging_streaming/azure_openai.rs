//! Basic messaging (streaming) on Azure OpenAI.

compat_harness::case!();
