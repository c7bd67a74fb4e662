//! Golden-file tests of the matrix builder: each `golden/builder/*.json` is a
//! results file; its snapshot (golden/builder/snapshots/) is the matrix the
//! builder makes from it with `golden/builder/manifest.yaml`, or the error.
//! Review changes with `cargo insta review`; schema drift shows up as a diff.

use std::path::Path;

use compat_core::manifest::Manifest;
use compat_core::matrix::{BuildOptions, ResultsInput, build};
use compat_core::results::RunResults;

#[test]
fn builder_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    insta::with_settings!({ snapshot_path => "../../golden/builder/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::glob!("../../golden/builder", "*.json", |path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let shown = Path::new("golden/builder").join(&name);
            let output = match RunResults::load(path) {
                Err(e) => format!("error: {e}"),
                Ok(results) => match build(&manifest, &[ResultsInput { path: &shown, results: &results }], &BuildOptions::default()) {
                    Ok(m) => m.to_json_pretty(),
                    Err(e) => format!("error: {e}"),
                },
            };
            insta::assert_snapshot!(output);
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
        insta::assert_snapshot!("markdown", compat_core::render::markdown(&m, Some(&manifest)));
        insta::assert_snapshot!("table", compat_core::render::table(&m, Some(&manifest)));
    });
}
