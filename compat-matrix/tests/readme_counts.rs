//! README.md's count of the sim baseline's reds by evidence kind is the one
//! `compat_matrix::rule_evidence::readme_counts` makes from
//! `golden/sim-baseline.json`, so it cannot go stale: renewing the baseline
//! without renewing the count fails here, saying what to run.

use std::path::Path;

use compat_matrix::matrix::v2::AnyMatrix;
use compat_matrix::readme_counts::{README_BEGIN, README_END, readme_counts};

#[test]
fn the_readme_counts_the_baselines_reds_by_evidence_kind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let baseline = match AnyMatrix::load(&root.join("golden/sim-baseline.json")).unwrap() {
        AnyMatrix::V2(m) => m,
        AnyMatrix::V1(_) => panic!("golden/sim-baseline.json is schema v1; renew it (schema v2)"),
    };
    let want = readme_counts(&baseline);
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (Some(b), Some(e)) = (readme.find(README_BEGIN), readme.find(README_END)) else {
        panic!("README.md lacks the lines {README_BEGIN} and {README_END} around the count");
    };
    let body_start = b + README_BEGIN.len() + 1;
    let have = &readme[body_start..e];
    if have != want {
        if std::env::var_os("COMPAT_UPDATE_README").is_some() {
            let text = format!("{}{want}{}", &readme[..body_start], &readme[e..]);
            std::fs::write(&readme_path, text).unwrap();
            return;
        }
        panic!(
            "README.md's count of the baseline's reds by evidence kind is stale (golden/sim-baseline.json changed). \
             Renew it: COMPAT_UPDATE_README=1 cargo test -p compat-matrix --test readme_counts, then review \
             `git diff README.md`.\nWant:\n{want}\nHave:\n{have}"
        );
    }
}

/// Over the evidence fixture: 4 red cells, 2 resting only on inferred rules,
/// failing models counted by kind, the sim-environment model apart.
#[test]
fn the_count_reads_each_kind_and_the_sim_environment() {
    use compat_matrix::manifest::Manifest;
    use compat_matrix::matrix::{BuildOptions, ResultsInput};
    use compat_matrix::results::RunResults;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/builder");
    let manifest = Manifest::load(&root.join("manifest.yaml")).unwrap();
    let results = RunResults::load(&root.join("evidence.json")).unwrap();
    let input = ResultsInput {
        path: Path::new("evidence.json"),
        results: &results,
    };
    let m =
        compat_matrix::matrix::v2::build(&manifest, &[input], &BuildOptions::default()).unwrap();
    let text = readme_counts(&m);
    assert!(
        text.contains("has 4 red cell(s), 2 resting only on inferred"),
        "{text}"
    );
    for row in [
        "`documented` 1,",
        "`inferred` 4,",
        "`gateway` 1,",
        "not recorded 0;",
    ] {
        assert!(text.contains(row), "{row}\n{text}");
    }
    assert!(
        text.contains("1 model(s) unverified by the sim environment"),
        "{text}"
    );
}
