//! 1M context on Vertex AI (pass-through).
compat_harness::case!();
