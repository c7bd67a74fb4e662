//! Thinking across turns on Azure OpenAI.

compat_harness::case!();
