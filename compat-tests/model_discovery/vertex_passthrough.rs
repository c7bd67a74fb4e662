//! Model discovery on Vertex AI (pass-through).
compat_harness::case!();
