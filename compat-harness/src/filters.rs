//! Several test filters, as libtest takes them:
//! `cargo test -p compat-tests -- tool_use::azure vision::azure` runs every
//! trial that matches any of them. libtest-mimic's parser takes one filter, so
//! the positionals are taken out before it parses the rest (`--exact`,
//! `--skip`, `--list`, ... keep their meaning), and the harness drops the
//! trials no filter selects.

use std::ffi::OsString;

use libtest_mimic::Arguments;

/// The libtest options that take a value as the next argument (the value is
/// not a filter).
const TAKES_VALUE: &[&str] = &[
    "--test-threads",
    "--logfile",
    "--skip",
    "--color",
    "--format",
    "-Z",
];

/// The filters libtest-mimic does not apply itself (empty unless there were
/// two or more).
#[derive(Debug, Default)]
pub(crate) struct Filters {
    names: Vec<String>,
    exact: bool,
}

impl Filters {
    /// Whether a trial named `name` runs as far as the filters go: it matches
    /// one of them (whole name with `--exact`, else a substring).
    pub(crate) fn select(&self, name: &str) -> bool {
        self.names.is_empty()
            || self.names.iter().any(|f| {
                if self.exact {
                    name == f
                } else {
                    name.contains(f.as_str())
                }
            })
    }
}

/// Parses the test binary's arguments (the first is the program).
pub(crate) fn parse(args: Vec<OsString>) -> (Arguments, Filters) {
    let mut rest = Vec::with_capacity(args.len());
    let mut positionals = Vec::new();
    let mut iter = args.into_iter();
    rest.extend(iter.next()); // the program
    let mut only_positionals = false;
    while let Some(a) = iter.next() {
        let text = a.to_string_lossy().into_owned();
        if only_positionals || !text.starts_with('-') {
            positionals.push(a);
        } else if text == "--" {
            only_positionals = true;
        } else if TAKES_VALUE.contains(&text.as_str()) {
            rest.push(a);
            rest.extend(iter.next());
        } else {
            rest.push(a);
        }
    }
    if positionals.len() <= 1 {
        // libtest-mimic applies a single filter itself (and counts what it
        // filtered out).
        rest.extend(positionals);
        return (Arguments::from_iter(rest), Filters::default());
    }
    let arguments = Arguments::from_iter(rest);
    let filters = Filters {
        names: positionals
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        exact: arguments.exact,
    };
    (arguments, filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> (Arguments, Filters) {
        parse(
            std::iter::once("compat")
                .chain(line.split_whitespace())
                .map(OsString::from)
                .collect(),
        )
    }

    #[test]
    fn several_filters_select_any_match() {
        let (args, f) = parse_line("tool_use::azure --test-threads 2 vision::azure");
        assert_eq!(args.test_threads, Some(2));
        assert_eq!(args.filter, None);
        assert!(f.select("tool_use::azure::haiku-4.5"));
        assert!(f.select("vision::azure::opus-4.7"));
        assert!(!f.select("tool_use::anthropic::haiku-4.5"));
    }

    #[test]
    fn one_filter_is_left_to_libtest() {
        let (args, f) = parse_line("--skip sim_fault tool_use --list");
        assert_eq!(args.filter.as_deref(), Some("tool_use"));
        assert_eq!(args.skip, ["sim_fault"]);
        assert!(args.list);
        assert!(f.select("anything"));
    }

    #[test]
    fn exact_applies_to_every_filter() {
        let (args, f) = parse_line("--exact a::b::c d::e::f");
        assert!(args.exact);
        assert!(f.select("a::b::c") && f.select("d::e::f"));
        assert!(!f.select("a::b::c2"));
    }
}
