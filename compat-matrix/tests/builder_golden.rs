//! Golden-file tests of the matrix builder: each `golden/builder/*.json` is a
//! results file; its snapshot (golden/builder/snapshots/) is the matrix the
//! builder makes from it with `golden/builder/manifest.yaml`, or the error.
//! Review changes with `cargo insta review`; schema drift shows up as a diff.
//! Every fixture is built in both schema versions (`builder_golden_files@` is
//! v1, `builder_v2@` is v2), and every output is validated against its JSON
//! Schema in `schemas/`. A fixture with a `previous/<name>` matrix is built
//! with it as the previously published matrix.

use std::path::Path;

use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::{self, AnyMatrix};
use compat_matrix::matrix::{self, BuildOptions, ResultsInput, build};
use compat_matrix::results::RunResults;

/// Validates a built matrix against `schemas/compatibility-matrix.v<N>.schema.json`.
fn assert_valid(json: &str, version: &str, what: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let schema_path = root.join(format!("compatibility-matrix.v{version}.schema.json"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    let instance: serde_json::Value = serde_json::from_str(json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match {}:\n{}",
        schema_path.display(),
        errors.join("\n")
    );
}

fn options_for(root: &Path, name: &str) -> BuildOptions {
    let previous = root.join("previous").join(name);
    BuildOptions {
        previous: previous
            .exists()
            .then(|| AnyMatrix::load(&previous).unwrap()),
        ..BuildOptions::default()
    }
}

#[test]
fn builder_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    insta::with_settings!({ snapshot_path => "../../golden/builder/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::glob!("../../golden/builder", "*.json", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let shown = Path::new("golden/builder").join(&name);
            let options = options_for(&root, &name);
            let output = match RunResults::load(path) {
                Err(e) => format!("error: {e}"),
                Ok(results) => match build(&manifest, &[ResultsInput { path: &shown, results: &results }], &options) {
                    Ok(m) => {
                        let json = m.to_json_pretty();
                        assert_valid(&json, "1", &name);
                        json
                    }
                    Err(e) => format!("error: {e}"),
                },
            };
            insta::assert_snapshot!(output);
        });
    });
}

/// v1 is only a view of v2: for every fixture, the v2 build projected to v1
/// gives the bytes of the v1 snapshot (read here, never written: the
/// snapshot stays what `builder_golden_files` checks).
#[test]
fn v1_is_the_projection_of_v2() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let shown = Path::new("golden/builder").join(&name);
        let Ok(results) = RunResults::load(&path) else {
            continue;
        };
        let input = [ResultsInput {
            path: &shown,
            results: &results,
        }];
        let Ok(m) = v2::build(&manifest, &input, &options_for(&root, &name)) else {
            continue;
        };
        let snap = std::fs::read_to_string(
            root.join(format!("snapshots/builder_golden_files@{name}.snap")),
        )
        .unwrap();
        // The body follows the second `---` line of insta's header.
        let body = snap.splitn(3, "---\n").nth(2).unwrap();
        assert_eq!(matrix::project(&m).to_json_pretty(), body, "{name}");
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} fixtures built");
}

#[test]
fn builder_v2_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    insta::with_settings!({ snapshot_path => "../../golden/builder/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::glob!("../../golden/builder", "*.json", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let shown = Path::new("golden/builder").join(&name);
            let options = options_for(&root, &name);
            let output = match RunResults::load(path) {
                Err(e) => format!("error: {e}"),
                Ok(results) => match v2::build(&manifest, &[ResultsInput { path: &shown, results: &results }], &options) {
                    Ok(m) => {
                        let json = m.to_json_pretty();
                        assert_valid(&json, "2", &name);
                        // What the builder writes, its own reader reads back.
                        assert_eq!(v2::MatrixV2::parse(&json, &shown).unwrap(), m);
                        json
                    }
                    Err(e) => format!("error: {e}"),
                },
            };
            insta::assert_snapshot!("builder_v2", output);
        });
    });
}

#[test]
fn two_results_files_merge_and_conflicts_are_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let all = RunResults::load(&root.join("all_pass.json")).unwrap();
    let one = RunResults::load(&root.join("one_model_failing.json")).unwrap();

    // Split one run into two shards: the merge equals the whole.
    let (mut a, mut b) = (all.clone(), all.clone());
    a.trials.retain(|t| t.provider == "anthropic");
    b.trials.retain(|t| t.provider != "anthropic");
    let opts = BuildOptions::default();
    let merged = build(
        &manifest,
        &[
            ResultsInput {
                path: Path::new("a.json"),
                results: &a,
            },
            ResultsInput {
                path: Path::new("b.json"),
                results: &b,
            },
        ],
        &opts,
    )
    .unwrap();
    let whole = build(
        &manifest,
        &[ResultsInput {
            path: Path::new("all.json"),
            results: &all,
        }],
        &opts,
    )
    .unwrap();
    assert_eq!(merged, whole);

    // The same trial with different outcomes in two files is an error.
    let e = build(
        &manifest,
        &[
            ResultsInput {
                path: Path::new("all.json"),
                results: &all,
            },
            ResultsInput {
                path: Path::new("one.json"),
                results: &one,
            },
        ],
        &opts,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "conflicting results for tool_use::bedrock_converse::claude-opus-4-7 in all.json and one.json"
    );
}

#[test]
fn runs_that_disagree_are_flaky_in_v2() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let all = RunResults::load(&root.join("all_pass.json")).unwrap();
    let one = RunResults::load(&root.join("one_model_failing.json")).unwrap();
    let inputs = [
        ResultsInput {
            path: Path::new("all.json"),
            results: &all,
        },
        ResultsInput {
            path: Path::new("one.json"),
            results: &one,
        },
    ];
    let m = v2::build(&manifest, &inputs, &BuildOptions::default()).unwrap();
    let cell = m.cell("tool_use", "bedrock_converse").unwrap();
    assert_eq!(cell.status, v2::CellStatusV2::Flaky, "{cell:?}");
    let opus = &cell.models["claude-opus-4-7"];
    assert_eq!(opus.status, v2::ModelStatus::Flaky);
    assert!(opus.first_error.is_some(), "{opus:?}");
    assert_eq!(opus.attempts, 2, "both runs' attempts count");
}

#[test]
fn a_passs_recoveries_reach_the_v2_model_result() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let mut all = RunResults::load(&root.join("all_pass.json")).unwrap();
    let recovery = serde_json::json!({
        "refused": {"side": "provider", "status": 400, "method": "POST",
            "path": "/model/us.anthropic.claude-opus-4-7-v1:0/converse",
            "model": "us.anthropic.claude-opus-4-7-v1:0", "words": "invalid beta flag"},
        "resent": {"seq": 7, "path": "/model/us.anthropic.claude-opus-4-7-v1:0/converse", "status": 200},
        "owner_row": "beta_headers"
    });
    let t = all
        .trials
        .iter_mut()
        .find(|t| {
            t.feature == "tool_use"
                && t.provider == "bedrock_converse"
                && t.model == "claude-opus-4-7"
        })
        .expect("all_pass.json has tool_use::bedrock_converse on Opus 4.7");
    t.details = serde_json::json!({"recoveries": [recovery]});
    let input = [ResultsInput {
        path: Path::new("all.json"),
        results: &all,
    }];
    let m = v2::build(&manifest, &input, &BuildOptions::default()).unwrap();
    let cell = m.cell("tool_use", "bedrock_converse").unwrap();
    let opus = &cell.models["claude-opus-4-7"];
    assert_eq!(opus.recoveries.len(), 1, "{opus:?}");
    assert_eq!(opus.recoveries[0].owner_row, "beta_headers");
    assert_eq!(opus.recoveries[0].resent.seq, 7);
    assert!(cell.models["claude-haiku-4-5"].recoveries.is_empty());
    let json = m.to_json_pretty();
    assert_valid(&json, "2", "a matrix with recoveries");
    assert!(json.contains("\"owner_row\": \"beta_headers\""), "{json}");
}

#[test]
fn markdown_and_table_renderings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let mut results = RunResults::load(&root.join("two_models_failing.json")).unwrap();
    let na = RunResults::load(&root.join("not_applicable.json")).unwrap();
    results
        .trials
        .retain(|t| !(t.feature == "tool_use" && t.provider == "vertex_ai"));
    results.trials.extend(
        na.trials
            .into_iter()
            .filter(|t| t.feature == "tool_use" && t.provider == "vertex_ai"),
    );
    let m = build(
        &manifest,
        &[ResultsInput {
            path: Path::new("r.json"),
            results: &results,
        }],
        &BuildOptions::default(),
    )
    .unwrap();
    insta::with_settings!({ snapshot_path => "../../golden/render", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("markdown", compat_matrix::render::markdown(&m, Some(&manifest)));
        insta::assert_snapshot!("table", compat_matrix::render::table(&m, Some(&manifest)));
    });
}

#[test]
fn the_gate_reads_an_unverified_baseline_cell_as_its_last_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let results = RunResults::load(&root.join("unverified.json")).unwrap();
    let options = options_for(&root, "unverified.json");
    let input = ResultsInput {
        path: Path::new("unverified.json"),
        results: &results,
    };
    let m = v2::build(&manifest, &[input], &options).unwrap();
    // The cell reached no verdict this run; the previous matrix had it passing.
    assert!(matches!(
        m.cell("tool_use", "vertex_ai").unwrap().status,
        v2::CellStatusV2::Unverified {
            previous: Some(_),
            ..
        }
    ));
    // The gate reads an unverified cell as the verdict it carries.
    let m = AnyMatrix::V2(m);
    let model = &manifest.models[0].id;
    use compat_matrix::gate::{Before, before};
    assert_eq!(before(&m, "tool_use", "vertex_ai", model), Before::Passed);
    assert_eq!(
        before(&m, "basic_messaging_streaming", "anthropic", model),
        Before::Passed
    );
}

#[test]
fn v2_renderings_and_the_gate_diff() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let load = |name: &str| {
        let results = RunResults::load(&root.join(name)).unwrap();
        let input = ResultsInput {
            path: Path::new(name),
            results: &results,
        };
        AnyMatrix::V2(v2::build(&manifest, &[input], &options_for(&root, name)).unwrap())
    };
    let (all_pass, partial, unverified, flaky, evidence) = (
        load("all_pass.json"),
        load("partial.json"),
        load("unverified.json"),
        load("flaky.json"),
        load("evidence.json"),
    );
    // A v1 baseline against a v2 run: the gate reads both.
    let v1_baseline = {
        let results = RunResults::load(&root.join("all_pass.json")).unwrap();
        let input = ResultsInput {
            path: Path::new("all_pass.json"),
            results: &results,
        };
        AnyMatrix::V1(build(&manifest, &[input], &BuildOptions::default()).unwrap())
    };
    insta::with_settings!({ snapshot_path => "../../golden/render", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("v2_table_unverified", compat_matrix::render::table_any(&unverified, Some(&manifest)));
        insta::assert_snapshot!("v2_markdown_flaky_partial", format!(
            "{}\n{}",
            compat_matrix::render::markdown_any(&flaky, Some(&manifest)),
            compat_matrix::render::markdown_any(&partial, Some(&manifest))
        ));
        insta::assert_snapshot!("diff_regression", compat_matrix::render::diff_markdown(&v1_baseline, &partial, Some(&manifest), compat_matrix::results::Mode::Sim));
        insta::assert_snapshot!("diff_flaky_sim", compat_matrix::render::diff_markdown(&all_pass, &flaky, Some(&manifest), compat_matrix::results::Mode::Sim));
        // Reds that rest only on inferred rules carry a mark and a deep-dive
        // line; a sim-environment model is unverified, said so.
        insta::assert_snapshot!("v2_markdown_evidence", compat_matrix::render::markdown_any(&evidence, Some(&manifest)));
        insta::assert_snapshot!("v2_table_evidence", compat_matrix::render::table_any(&evidence, Some(&manifest)));
        insta::assert_snapshot!("diff_unchanged", compat_matrix::render::diff_markdown(&all_pass, &flaky, Some(&manifest), compat_matrix::results::Mode::Live));
    });
}

/// The one reader refuses a schema version it does not know, naming the ones
/// it does (it used to say it reads only "1").
#[test]
fn an_unknown_schema_version_is_refused_naming_the_known_ones() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs-site/fixtures/schema-v3-compatibility-matrix.json");
    let e = AnyMatrix::load(&path).unwrap_err().to_string();
    assert!(e.ends_with("schema-v3-compatibility-matrix.json: schema_version \"3\": this reader knows \"1\" and \"2\""), "{e}");
    let e = AnyMatrix::parse(r#"{"features":[]}"#, Path::new("m.json"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "m.json: schema_version missing: this reader knows \"1\" and \"2\""
    );
}

/// Every matrix file in the repository reads and writes back to its own
/// bytes: the reader and the writer agree with what is published.
#[test]
fn every_matrix_file_reads_and_writes_back_its_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("golden/sim-baseline.json")];
    for dir in ["docs-site/fixtures", "golden/builder/previous"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let mut checked = 0;
    // The releases files beside the page's matrices are another format
    // (compatibility-releases.json, read by the page, not by this reader).
    for path in files.iter().filter(|p| {
        p.extension().is_some_and(|e| e == "json")
            && !p.to_string_lossy().ends_with("compatibility-releases.json")
    }) {
        let text = std::fs::read_to_string(path).unwrap();
        match AnyMatrix::parse(&text, path) {
            Ok(m) => {
                let written = m.to_json_pretty();
                // Every file reads back to the same JSON; the files the
                // builder wrote (not the docs page's hand-written fixtures,
                // which have their own layout and key order) to the same bytes.
                let value = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
                assert_eq!(value(&written), value(&text), "{}", path.display());
                let builder_written = [
                    "sim-baseline.json",
                    "previous/unverified.json",
                    "v2-builder-unverified-compatibility-matrix.json",
                    "v2-wide-compatibility-matrix.json",
                ];
                if builder_written.iter().any(|n| path.ends_with(n)) {
                    assert!(written == text, "{}: written back differs", path.display());
                }
                checked += 1;
            }
            // The two fixtures that exist to be refused by the docs page.
            Err(e) => assert!(
                [
                    "malformed-compatibility-matrix.json",
                    "schema-v3-compatibility-matrix.json"
                ]
                .iter()
                .any(|n| path.ends_with(n)),
                "{}: {e}",
                path.display()
            ),
        }
    }
    assert!(checked >= 8, "only {checked} matrix files read");
}

/// The v2 matrix records the run's mode (issue 26), so a rehearsal matrix
/// says so away from its results file, validates against the schema, and a
/// matrix written before the field existed still loads (without a mode).
#[test]
fn the_v2_matrix_records_the_runs_mode() {
    use compat_matrix::results::Mode;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let mut rehearsal = RunResults::load(&root.join("all_pass.json")).unwrap();
    rehearsal.run.mode = Mode::Rehearsal;
    let input = |r| ResultsInput {
        path: Path::new("r.json"),
        results: r,
    };
    let m = v2::build(&manifest, &[input(&rehearsal)], &BuildOptions::default()).unwrap();
    let mode = |m: &v2::MatrixV2| m.context.as_ref().and_then(|c| c.mode);
    assert_eq!(mode(&m), Some(Mode::Rehearsal));
    let json = serde_json::to_string_pretty(&m).unwrap();
    assert!(json.contains(r#""mode": "rehearsal""#), "{json}");
    assert_valid(&json, "2", "a rehearsal matrix");

    // Mixed inputs never claim live.
    let live = RunResults::load(&root.join("all_pass.json"))
        .map(|mut r| {
            r.run.mode = Mode::Live;
            r
        })
        .unwrap();
    let m = v2::build(
        &manifest,
        &[input(&live), input(&rehearsal)],
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(mode(&m), Some(Mode::Rehearsal));

    // An old matrix (no mode in its context) still loads.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    old["context"].as_object_mut().unwrap().remove("mode");
    let old: v2::MatrixV2 = serde_json::from_value(old).unwrap();
    assert_eq!(mode(&old), None);
}

/// Issue 28's column facts: a matrix without them (published before) still
/// loads; with them, columns must follow `providers` and name only
/// described reaches and formats.
#[test]
fn column_facts_are_optional_and_checked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let results = RunResults::load(&root.join("all_pass.json")).unwrap();
    let input = [ResultsInput {
        path: Path::new("all_pass.json"),
        results: &results,
    }];
    let m = v2::build(&manifest, &input, &BuildOptions::default()).unwrap();
    assert_eq!(m.columns.len(), m.providers.len());
    assert_eq!(m.not_offered[0].mode, "CLAUDE_CODE_USE_MANTLE");
    let reaches: Vec<_> = m.reaches.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        reaches,
        ["base_url", "native_mode"],
        "only the reaches used, in order"
    );

    let parse = |m: &v2::MatrixV2| v2::MatrixV2::parse(&m.to_json_pretty(), Path::new("m.json"));
    let mut old = m.clone();
    (old.columns, old.reaches, old.formats, old.not_offered) = Default::default();
    assert!(!old.to_json_pretty().contains("\"columns\""));
    assert_eq!(parse(&old).unwrap(), old);

    let mut swapped = m.clone();
    swapped.columns.swap(0, 1);
    let e = parse(&swapped).unwrap_err().to_string();
    assert!(e.contains("do not follow providers"), "{e}");
    let mut undescribed = m.clone();
    undescribed.reaches.pop();
    let e = parse(&undescribed).unwrap_err().to_string();
    assert!(
        e.contains("column `vertex_ai`: reach `native_mode` is not described in `reaches`"),
        "{e}"
    );
}

/// A column of another model set (golden/builder/model_sets/, where `openai`
/// runs the GPT set): each cell aggregates its own column's models, the
/// matrix lists every model in use and names each column's own, v1 counts a
/// column's models; a trial of a model its column does not run is refused,
/// and so is a cell holding a result for one.
#[test]
fn a_column_of_another_model_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder/model_sets");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let shown = Path::new("golden/builder/model_sets/results.json");
    let results = RunResults::load(&root.join("results.json")).unwrap();
    let input = [ResultsInput {
        path: shown,
        results: &results,
    }];
    let m = v2::build(&manifest, &input, &BuildOptions::default()).unwrap();
    let json = m.to_json_pretty();
    assert_valid(&json, "2", "model_sets v2");
    let v1 = matrix::project(&m).to_json_pretty();
    assert_valid(&v1, "1", "model_sets v1");
    insta::with_settings!({ snapshot_path => "../../golden/builder/model_sets/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("v2", json);
        insta::assert_snapshot!("v1", v1);
    });

    let ids = |p: &str| -> Vec<String> { m.models_of(p).iter().map(|x| x.id.clone()).collect() };
    assert_eq!(ids("anthropic"), ["claude-haiku-4-5", "claude-opus-4-7"]);
    assert_eq!(
        ids("openai"),
        ["gpt-5.6-luna", "gpt-5.6-terra", "gpt-5.6-sol"]
    );
    let status = |f: &str, p: &str| m.cell(f, p).unwrap().status.clone();
    assert_eq!(
        status("tool_use", "openai"),
        v2::CellStatusV2::Partial {
            error: "gpt-5.6-luna: no tool_use block in the answer".into(),
            passing_models: vec!["gpt-5.6-terra".into(), "gpt-5.6-sol".into()],
        }
    );
    // Three of three GPT models, two of two Claude models: both pass.
    assert_eq!(
        status("basic_messaging_streaming", "openai"),
        v2::CellStatusV2::Pass
    );
    assert_eq!(status("tool_use", "anthropic"), v2::CellStatusV2::Pass);
    compat_matrix::matrix::validate::validate_v2_for_publish(&m, &manifest).unwrap();

    // A column claiming another column's models.
    let mut bad = m.clone();
    bad.columns[0].models = Some(vec!["claude-haiku-4-5".into()]);
    let e = compat_matrix::matrix::validate::validate_v2_for_publish(&bad, &manifest)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(r#"column anthropic runs the models ["claude-haiku-4-5"] in the matrix, ["claude-haiku-4-5", "claude-opus-4-7"] in manifest.yaml"#),
        "{e}"
    );

    // A cell holding a model its column does not run.
    let mut bad = m.clone();
    let r = bad.features[1].providers["openai"].models["gpt-5.6-sol"].clone();
    bad.features[1]
        .providers
        .get_mut("anthropic")
        .unwrap()
        .models
        .insert("gpt-5.6-sol".into(), r);
    let e = compat_matrix::matrix::validate::validate_v2_for_publish(&bad, &manifest)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tool_use × anthropic has a result for model `gpt-5.6-sol`, which column anthropic does not run"),
        "{e}"
    );

    // A trial of a model its column does not run.
    let mut stray = results.clone();
    let mut t = stray.trials[0].clone();
    t.model = "gpt-5.6-terra".into();
    stray.trials.push(t);
    let input = [ResultsInput {
        path: shown,
        results: &stray,
    }];
    let e = v2::build(&manifest, &input, &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "golden/builder/model_sets/results.json: trial basic_messaging_streaming::anthropic::gpt-5.6-terra: its column does not run that model (it runs the model set `claude`, manifest.yaml `model_sets`)"
    );
}
