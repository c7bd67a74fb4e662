//! Usage reporting on Azure OpenAI.

compat_harness::case!();
