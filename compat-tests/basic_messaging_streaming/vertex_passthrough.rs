//! Basic messaging (streaming) on Vertex AI (pass-through).
compat_harness::case!();
