//! Beta headers on Azure OpenAI.

compat_harness::case!();
