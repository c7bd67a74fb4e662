//! Usage reporting on OpenAI.

compat_harness::case!();
