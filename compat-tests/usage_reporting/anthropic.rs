//! Usage reporting on Anthropic.
compat_harness::case!();
