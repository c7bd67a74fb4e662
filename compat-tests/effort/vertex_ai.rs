//! Effort on Vertex AI: the feature's shared check (check.rs); Haiku 4.5 has no effort parameter.
compat_harness::compat_case!(
    run = super::check::run,
    not_applicable_for = super::check::NO_EFFORT
);
