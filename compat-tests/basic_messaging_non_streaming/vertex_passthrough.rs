//! Basic messaging (non-streaming) on Vertex AI (pass-through).
compat_harness::case!();
