//! The releases file built from golden/releases/ (three synthetic v2
//! matrices, one per LiteLLM release; its README says which case each cell
//! holds): checked against its JSON Schema, its works since / broke in
//! asserted, and the file and its renderings kept as snapshots
//! (golden/releases/snapshots/, golden/render/releases_*.snap).

use std::collections::BTreeMap;
use std::path::Path;

use compat_matrix::matrix::v2::{AnyMatrix, MatrixV2};
use compat_matrix::releases::{self, ReleaseInput, ReleasesFile, ReleasesOptions, SkippedRelease};

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn build() -> ReleasesFile {
    let dir = root().join("golden/releases");
    let mut loaded: Vec<(String, MatrixV2)> = Vec::new();
    for v in ["1.108.7", "1.105.7", "1.106.12"] {
        let AnyMatrix::V2(m) =
            AnyMatrix::load(&dir.join(format!("litellm-{v}/compatibility-matrix.json"))).unwrap()
        else {
            panic!("v2 fixtures")
        };
        releases::check_label(v, &m).unwrap();
        loaded.push((v.to_owned(), m));
    }
    let inputs: Vec<ReleaseInput<'_>> = loaded
        .iter()
        .map(|(v, m)| ReleaseInput {
            litellm_version: v.clone(),
            matrix: m,
            why: Some(format!(
                "the last stable release of {}",
                &v[..v.rfind('.').unwrap()]
            )),
        })
        .collect();
    releases::build(
        &inputs,
        &ReleasesOptions {
            generated_at: Some("2026-12-06T06:00:00Z".into()),
            provider_names: BTreeMap::from([
                ("anthropic".into(), "Anthropic".into()),
                ("bedrock_converse".into(), "Bedrock (Converse)".into()),
            ]),
            skipped: vec![SkippedRelease {
                litellm_version: "1.108.8".into(),
                why: "the package index (https://pypi.org/simple) lacks litellm-enterprise==0.1.79.post2 (pinned by litellm[proxy] 1.108.8)".into(),
            }],
        },
    )
    .unwrap()
}

#[test]
fn the_releases_file_from_three_matrices() {
    let f = build();
    let json = f.to_json_pretty();
    let schema_path = root().join("schemas/compatibility-releases.v1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_str(&json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // A file the schema refuses: a wrong status.
    let bad = json.replacen("\"status\": \"pass\"", "\"status\": \"green\"", 1);
    let bad: serde_json::Value = serde_json::from_str(&bad).unwrap();
    assert!(!validator.is_valid(&bad));

    let cell = |f_: &str, p: &str, m: &str| {
        f.cells
            .iter()
            .find(|c| c.feature == f_ && c.provider == p && c.model == m)
            .unwrap_or_else(|| panic!("{f_} {p} {m}"))
    };
    let fixed = cell("tool_use", "bedrock_converse", "claude-haiku-4-5");
    assert_eq!(fixed.works_since.as_deref(), Some("1.106.12"));
    let broke = cell("vision", "anthropic", "claude-opus-4-7");
    assert_eq!(broke.works_since, None);
    let b = broke.broke_in.as_ref().unwrap();
    assert_eq!(b.release, "1.108.7");
    assert!(
        b.message.contains("dropped the image block"),
        "{}",
        b.message
    );
    let gap = cell("vision", "bedrock_converse", "claude-sonnet-4-6");
    assert_eq!(
        gap.works_since.as_deref(),
        Some("1.105.7"),
        "over the unverified gap"
    );
    let new_row = cell("context_1m", "anthropic", "claude-opus-4-7");
    assert_eq!(new_row.by_release.len(), 2, "absent in 1.105.7");
    assert_eq!(new_row.works_since.as_deref(), Some("1.106.12"));
    let na = cell("context_1m", "anthropic", "claude-haiku-4-5");
    assert_eq!(
        (na.works_since.as_deref(), na.broke_in.as_ref()),
        (None, None)
    );

    insta::with_settings!({ snapshot_path => "../../golden/releases/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("compatibility-releases", json);
    });
    insta::with_settings!({ snapshot_path => "../../golden/render", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("releases_table", releases::render::table(&f, false));
        insta::assert_snapshot!("releases_table_all", releases::render::table(&f, true));
        insta::assert_snapshot!("releases_markdown", releases::render::markdown(&f, false));
    });
}
