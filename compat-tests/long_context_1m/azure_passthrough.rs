//! 1M context on Azure AI (pass-through): the feature's shared check (check.rs); Haiku 4.5 has no 1M variant.
compat_harness::compat_case!(
    run = super::check::run,
    not_applicable_for = super::check::NO_1M_VARIANT
);
