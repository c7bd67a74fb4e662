//! Beta headers on Vertex AI.
compat_harness::case!();
