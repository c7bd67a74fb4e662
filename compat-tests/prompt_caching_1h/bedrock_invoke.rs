//! Prompt caching (1 hour) on Bedrock (Invoke).
compat_harness::case!();
