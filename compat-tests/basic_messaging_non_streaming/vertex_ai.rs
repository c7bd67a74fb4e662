//! Basic messaging (non-streaming) on Vertex AI.
compat_harness::case!();
