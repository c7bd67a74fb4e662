//! Tool use (streaming) on Vertex AI.
compat_harness::case!();
