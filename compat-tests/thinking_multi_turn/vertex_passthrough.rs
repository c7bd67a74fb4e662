//! Thinking across turns on Vertex AI (pass-through).
compat_harness::case!();
