//! docs/modes.md's table of what live mode cannot see, and README.md's
//! count of it, are generated from the fault tests' registrations
//! (`sim_fault_test!(…, live_visible = …)` in `compat-tests/<row>/check.rs`),
//! so a registration changed without the docs fails here, saying what to
//! run: `COMPAT_UPDATE_README=1 cargo test -p compat-harness --test
//! fault_visibility` rewrites the text between the markers.
//!
//! The registrations are read from the source (the `compat` test binary,
//! where `inventory` collects them, is not linked into this test); the
//! macro accepts only the spellings parsed here, so a registration this
//! parser misses does not compile either.

use std::path::{Path, PathBuf};

const MODES_BEGIN: &str = "<!-- live-blind-spots: begin (generated from the sim_fault_test! registrations by compat-harness/tests/fault_visibility.rs) -->";
const MODES_END: &str = "<!-- live-blind-spots: end -->";
const README_BEGIN: &str =
    "<!-- live-blind-spots-count: begin (compat-harness/tests/fault_visibility.rs) -->";
const README_END: &str = "<!-- live-blind-spots-count: end -->";

/// One `sim_fault_test!` registration.
#[derive(Debug, Clone, PartialEq)]
struct Registration {
    row: String,
    column: String,
    name: String,
    /// `None`: `live_visible = true`; `Some(why)`: `live_visible = false`.
    blind: Option<String>,
    /// What the test asserts in sim mode, from the helper its body calls.
    sim: SimVerdict,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SimVerdict {
    Red,
    Unverified,
    /// A loss another row owns: this row stays green.
    Green,
    /// The regression gate's decision on the faulted trial.
    Gate,
    /// A harness guard (no fault: the harness must refuse the trial).
    Guard,
}

impl SimVerdict {
    fn of_body(body: &str) -> SimVerdict {
        if body.contains("green_cell_under_faults") {
            SimVerdict::Green
        } else if body.contains("unverified_cell_under_fault") {
            SimVerdict::Unverified
        } else if body.contains("gate_under_fault") {
            SimVerdict::Gate
        } else if body.contains("red_cell_under_fault")
            || body.contains("expect_red_cell")
            || body.contains("trial_under_fault")
        {
            SimVerdict::Red
        } else {
            SimVerdict::Guard
        }
    }

    fn sim_words(self) -> &'static str {
        match self {
            SimVerdict::Red => "red",
            SimVerdict::Unverified => "unverified",
            SimVerdict::Green => "green (another row owns the loss)",
            SimVerdict::Gate => "the gate fails it",
            SimVerdict::Guard => "harness error",
        }
    }
}

impl Registration {
    /// What rehearsal asserts for it (`compat_harness::fault_tests`).
    fn rehearsal_words(&self) -> &'static str {
        match (&self.blind, self.sim) {
            (Some(_), _) => "not red",
            (None, SimVerdict::Green) => "red",
            (None, _) => "as in sim",
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A Rust string literal's value, `s` starting at its opening quote;
/// returns the value and the rest after the closing quote.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                // A line continuation: the next line's indent is skipped.
                '\n' => {
                    while chars.peek().is_some_and(|(_, w)| w.is_whitespace()) {
                        chars.next();
                    }
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// The value of `key = …` in a registration's arguments: a string
/// literal's value, or the token up to the next comma.
fn field(args: &str, key: &str) -> Option<String> {
    let at = args.find(&format!("{key} = "))? + key.len() + 3;
    let rest = &args[at..];
    if rest.starts_with('"') {
        return string_literal(rest).map(|(v, _)| v);
    }
    let end = rest.find([',', ')']).unwrap_or(rest.len());
    Some(rest[..end].trim().to_owned())
}

/// `VertexAiRustPath` → `vertex_ai_rust_path` (a Provider variant's column id).
fn column_id(variant: &str) -> String {
    let mut out = String::new();
    for (i, c) in variant.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The body of `fn name(` in `src` (up to the first line that is `}`).
fn fn_body<'a>(src: &'a str, name: &str) -> Option<&'a str> {
    let start = src.find(&format!("fn {name}("))?;
    let end = src[start..].find("\n}\n").map_or(src.len(), |e| start + e);
    Some(&src[start..end])
}

fn registrations() -> Vec<Registration> {
    const MACRO: &str = "compat_harness::sim_fault_test!(";
    let mut out = Vec::new();
    let dir = root().join("compat-tests");
    let mut rows: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("check.rs").is_file())
        .collect();
    rows.sort();
    for row_dir in rows {
        let row = row_dir.file_name().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(row_dir.join("check.rs")).unwrap();
        let mut rest = src.as_str();
        while let Some(at) = rest.find(MACRO) {
            let after = &rest[at + MACRO.len()..];
            let end = after
                .find("\n);")
                .unwrap_or_else(|| panic!("{row}/check.rs: an unterminated sim_fault_test!"));
            let args = &after[..end];
            let want = |key: &str| {
                field(args, key).unwrap_or_else(|| {
                    panic!("{row}/check.rs: a sim_fault_test! without `{key}`: {args}")
                })
            };
            let run = want("run");
            let blind = match want("live_visible").as_str() {
                "true" => None,
                "false" | "by_timing" => Some(want("why")),
                other => panic!("{row}/check.rs: live_visible = {other}"),
            };
            let body = fn_body(&src, &run)
                .unwrap_or_else(|| panic!("{row}/check.rs: no `fn {run}(` for a sim_fault_test!"));
            out.push(Registration {
                row: row.clone(),
                column: column_id(&want("provider")),
                name: want("name"),
                blind,
                sim: SimVerdict::of_body(body),
            });
            rest = &after[end..];
        }
    }
    out
}

/// The generated part of docs/modes.md.
fn modes_table(regs: &[Registration]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut t = String::new();
    let blind: Vec<&Registration> = regs
        .iter()
        .filter(|r| r.blind.is_some() && r.sim == SimVerdict::Red)
        .collect();
    t.push_str(&format!(
        "Live blind spots: {} fault(s) that turn a cell red in sim mode and that live judgement \
         cannot see (in rehearsal each of these fault tests asserts its cell is *not* red, except \
         the timing-dependent ones, which show either verdict):\n\n",
        blind.len()
    ));
    t.push_str("| row | column | fault test | why live mode cannot see it |\n|---|---|---|---|\n");
    for r in &blind {
        let why = r.blind.as_deref().unwrap_or_default();
        t.push_str(&format!(
            "| {} | {} | `{}` | {} |\n",
            r.row,
            r.column,
            r.name,
            cell(why)
        ));
    }
    let other_way: Vec<&Registration> = regs
        .iter()
        .filter(|r| r.blind.is_none() && r.sim == SimVerdict::Green)
        .collect();
    t.push_str(&format!(
        "\nThe other way round: {} loss(es) that sim mode leaves to the row that owns the data \
         (docs/row-ownership.md) and live judgement, with no record of what the provider \
         received, paints red on this row too:\n\n",
        other_way.len()
    ));
    t.push_str("| row | column | fault test |\n|---|---|---|\n");
    for r in &other_way {
        t.push_str(&format!("| {} | {} | `{}` |\n", r.row, r.column, r.name));
    }
    t.push_str(
        "\nEvery fault test, what it asserts in sim mode and in rehearsal (`as in sim`: live \
         judgement reaches the same verdict; its message checks that quote the simulator's record \
         are sim-only):\n\n",
    );
    t.push_str("| row | column | fault test | sim | rehearsal |\n|---|---|---|---|---|\n");
    for r in regs {
        t.push_str(&format!(
            "| {} | {} | `{}` | {} | {} |\n",
            r.row,
            r.column,
            r.name,
            r.sim.sim_words(),
            r.rehearsal_words()
        ));
    }
    t
}

/// The generated line of README.md.
fn readme_count(regs: &[Registration]) -> String {
    let blind = regs
        .iter()
        .filter(|r| r.blind.is_some() && r.sim == SimVerdict::Red)
        .count();
    let rows: std::collections::BTreeSet<&str> = regs
        .iter()
        .filter(|r| r.blind.is_some() && r.sim == SimVerdict::Red)
        .map(|r| r.row.as_str())
        .collect();
    format!(
        "What live mode cannot see ([docs/modes.md](docs/modes.md) says why, per row): of the {} fault \
         tests, {blind} show a fault live judgement misses, on {} row(s): {}.\n",
        regs.len(),
        rows.len(),
        rows.into_iter().collect::<Vec<_>>().join(", ")
    )
}

/// Checks (or, with `COMPAT_UPDATE_README`, rewrites) the text between
/// `begin` and `end` in `file`.
fn check_between(file: &str, begin: &str, end: &str, want: &str) {
    let path = root().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(b), Some(e)) = (text.find(begin), text.find(end)) else {
        panic!("{file} lacks the lines {begin} and {end} around the generated text");
    };
    let body_start = b + begin.len() + 1;
    let have = &text[body_start..e];
    if have == want {
        return;
    }
    if std::env::var_os("COMPAT_UPDATE_README").is_some() {
        let new = format!("{}{want}{}", &text[..body_start], &text[e..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    panic!(
        "{file}'s list of what live mode cannot see is stale (a sim_fault_test! registration \
         changed). Renew it: COMPAT_UPDATE_README=1 cargo test -p compat-harness --test \
         fault_visibility, then review `git diff {file}`.\nWant:\n{want}\nHave:\n{have}"
    );
}

#[test]
fn docs_list_what_live_mode_cannot_see_from_the_registrations() {
    let regs = registrations();
    assert!(
        regs.len() >= 40,
        "only {} sim_fault_test! registrations found under compat-tests/: the parser missed some",
        regs.len()
    );
    check_between("docs/modes.md", MODES_BEGIN, MODES_END, &modes_table(&regs));
    check_between("README.md", README_BEGIN, README_END, &readme_count(&regs));
}

/// Every blind declaration says why, and says whether it is inferred from
/// the check's code or observed in a rehearsal (the brief for issue 26: an
/// unverified claim is marked).
#[test]
fn every_blind_declaration_says_why_and_on_what_it_rests() {
    for r in registrations() {
        if let Some(why) = &r.blind {
            assert!(
                why.len() > 40
                    && (why.contains("inferred")
                        || why.contains("observed")
                        || why.starts_with("as in sim")),
                "{}::{} `{}`: live_visible = false needs a why that says what live judgement lacks \
                 and whether that is inferred from the check's code or observed in a rehearsal: {why:?}",
                r.row,
                r.column,
                r.name
            );
        }
    }
}

/// The parser reads what the macro accepts: both forms, a why with an
/// escaped quote and a line continuation, and the helper a body calls.
#[test]
fn the_parser_reads_both_forms() {
    let args = "\n    name = \"x_turns_cell_red\",\n    provider = VertexAiRustPath,\n    run = x,\n    live_visible = false,\n    why = \"inferred: a \\\"quoted\\\" \\\n         word\"";
    assert_eq!(field(args, "name").as_deref(), Some("x_turns_cell_red"));
    assert_eq!(field(args, "live_visible").as_deref(), Some("false"));
    assert_eq!(
        field(args, "why").as_deref(),
        Some("inferred: a \"quoted\" word")
    );
    assert_eq!(
        column_id(&field(args, "provider").unwrap()),
        "vertex_ai_rust_path"
    );
    assert_eq!(
        SimVerdict::of_body("fn f(ctx) {\n    compat_harness::green_cell_under_faults(ctx)\n"),
        SimVerdict::Green
    );
    assert_eq!(
        SimVerdict::of_body("fn f(ctx) {\n    compat_harness::red_cell_under_fault(ctx)\n"),
        SimVerdict::Red
    );
}
