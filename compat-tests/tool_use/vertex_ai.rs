//! Tool use on Vertex AI.
compat_harness::case!();
