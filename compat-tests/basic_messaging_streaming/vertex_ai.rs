//! Basic messaging (streaming) on Vertex AI.
compat_harness::case!();
