//! Beta headers on Azure.
compat_harness::case!();
