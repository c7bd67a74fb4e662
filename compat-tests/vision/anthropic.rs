compat_tests::compat_case!(run = super::check::run);
