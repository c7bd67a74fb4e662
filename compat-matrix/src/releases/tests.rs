//! Table tests of `works_since` / `broke_in` and of the releases builder.

use super::*;
use crate::matrix::v2::{CellV2, FeatureV2, ModelInfo, RunContext};

/// `by_release` from a line of (release, status) where the status is
/// p(ass), f(lake), x (fail), u(nverified), n(ot applicable), t (not tested).
fn line(entries: &[(&str, char)]) -> IndexMap<String, ReleaseVerdict> {
    entries
        .iter()
        .map(|(r, s)| {
            let status = match s {
                'p' => VerdictStatus::Pass,
                'f' => VerdictStatus::Flaky,
                'x' => VerdictStatus::Fail,
                'u' => VerdictStatus::Unverified,
                'n' => VerdictStatus::NotApplicable,
                't' => VerdictStatus::NotTested,
                other => panic!("unknown status {other}"),
            };
            (
                (*r).to_owned(),
                ReleaseVerdict {
                    status,
                    class: (status == VerdictStatus::Fail).then_some(FailureClass::Incompatible),
                    message: (status == VerdictStatus::Fail).then(|| format!("broken in {r}")),
                },
            )
        })
        .collect()
}

#[test]
fn works_since_and_broke_in_by_their_definitions() {
    let broke = |r: &str| {
        Some(BrokeIn {
            release: r.to_owned(),
            message: format!("broken in {r}"),
        })
    };
    let since = |r: &str| Some(r.to_owned());
    #[allow(clippy::type_complexity)]
    let table: &[(&str, &[(&str, char)], Option<String>, Option<BrokeIn>)] = &[
        (
            "works in every release: since the oldest",
            &[("1.105.7", 'p'), ("1.106.12", 'p'), ("1.108.7", 'f')],
            since("1.105.7"),
            None,
        ),
        (
            "never worked",
            &[("1.105.7", 'x'), ("1.106.12", 'x'), ("1.108.7", 'x')],
            None,
            None,
        ),
        (
            "broke in the newest",
            &[("1.105.7", 'p'), ("1.106.12", 'p'), ("1.108.7", 'x')],
            None,
            broke("1.108.7"),
        ),
        (
            "fixed: works since the first working release after the last broken one",
            &[("1.105.7", 'x'), ("1.106.12", 'p'), ("1.108.7", 'p')],
            since("1.106.12"),
            None,
        ),
        (
            "worked, broke, worked: since the last recovery",
            &[("1.105.7", 'p'), ("1.106.12", 'x'), ("1.108.7", 'p')],
            since("1.108.7"),
            None,
        ),
        (
            "broke, worked, broke: the break after the last working release",
            &[
                ("1.104.0", 'x'),
                ("1.105.7", 'p'),
                ("1.106.12", 'x'),
                ("1.108.7", 'x'),
            ],
            None,
            broke("1.106.12"),
        ),
        (
            "unverified gaps are skipped: since reaches over them",
            &[("1.105.7", 'p'), ("1.106.12", 'u'), ("1.108.7", 'p')],
            since("1.105.7"),
            None,
        ),
        (
            "an unverified newest release: judged on the newest verdict",
            &[("1.105.7", 'x'), ("1.106.12", 'p'), ("1.108.7", 'u')],
            since("1.106.12"),
            None,
        ),
        (
            "a break behind an unverified release is still the first broken one",
            &[("1.105.7", 'p'), ("1.106.12", 'u'), ("1.108.7", 'x')],
            None,
            broke("1.108.7"),
        ),
        (
            "absent in old releases (the cell is new): since its first",
            &[("1.106.12", 'p'), ("1.108.7", 'p')],
            since("1.106.12"),
            None,
        ),
        (
            "not applicable and not tested are not verdicts",
            &[("1.105.7", 'n'), ("1.106.12", 't'), ("1.108.7", 'f')],
            since("1.108.7"),
            None,
        ),
        (
            "no verdict at all",
            &[("1.105.7", 'u'), ("1.106.12", 'n')],
            None,
            None,
        ),
    ];
    for (what, entries, want_since, want_broke) in table {
        let (s, b) = works_since_broke_in(&line(entries));
        assert_eq!(&s, want_since, "{what}: works_since");
        assert_eq!(&b, want_broke, "{what}: broke_in");
    }
}

/// A matrix of one feature and two providers over two models, the cells'
/// model statuses given as (feature, provider, model, status).
fn matrix(version: &str, cells: &[(&str, &str, &str, ModelStatus)]) -> MatrixV2 {
    let mut features: IndexMap<String, FeatureV2> = IndexMap::new();
    for (f, p, m, s) in cells {
        let feature = features
            .entry((*f).to_owned())
            .or_insert_with(|| FeatureV2 {
                id: (*f).to_owned(),
                name: format!("Feature {f}"),
                description: None,
                links: Vec::new(),
                providers: IndexMap::new(),
            });
        let cell = feature
            .providers
            .entry((*p).to_owned())
            .or_insert_with(|| CellV2 {
                status: CellStatusV2::Pass,
                models: IndexMap::new(),
                history: None,
            });
        cell.models.insert(
            (*m).to_owned(),
            ModelResult {
                status: *s,
                class: (*s == ModelStatus::Fail).then_some(FailureClass::Incompatible),
                error: (*s == ModelStatus::Fail).then(|| format!("{f} {p} {m} broke in {version}")),
                first_error: None,
                signature: None,
                reason: None,
                recoveries: Vec::new(),
                evidence: None,
                attempts: 1,
                duration_ms: 10,
            },
        );
    }
    MatrixV2 {
        schema_version: "2".into(),
        generated_at: format!("2026-12-06T0{}:00:00Z", version.len() % 10),
        litellm_version: format!("v{version}"),
        claude_code_version: "2.1.332".into(),
        context: Some(RunContext {
            mode: Some(Mode::Sim),
            ..RunContext::default()
        }),
        providers: vec!["anthropic".into(), "azure".into()],
        models: vec![
            ModelInfo {
                id: "haiku".into(),
                name: "Haiku".into(),
            },
            ModelInfo {
                id: "opus".into(),
                name: "Opus".into(),
            },
        ],
        features: features.into_values().collect(),
        ..MatrixV2::default()
    }
}

fn input<'a>(v: &str, m: &'a MatrixV2) -> ReleaseInput<'a> {
    ReleaseInput {
        litellm_version: v.to_owned(),
        matrix: m,
        why: None,
    }
}

#[test]
fn the_builder_orders_releases_and_reads_each_model() {
    use ModelStatus::*;
    let old = matrix("1.105.7", &[("tool_use", "anthropic", "haiku", Fail)]);
    let mid = matrix(
        "1.106.12",
        &[
            ("tool_use", "anthropic", "haiku", Pass),
            ("tool_use", "azure", "opus", Pass),
        ],
    );
    let new = matrix(
        "1.108.7.post1",
        &[
            ("tool_use", "anthropic", "haiku", Pass),
            ("tool_use", "azure", "opus", Fail),
        ],
    );
    // Given newest first: the file is oldest first all the same.
    let file = build(
        &[
            input("1.108.7.post1", &new),
            input("v1.105.7-stable", &old),
            input("1.106.12", &mid),
        ],
        &ReleasesOptions {
            provider_names: BTreeMap::from([("azure".into(), "Azure".into())]),
            ..Default::default()
        },
    )
    .unwrap();
    let order: Vec<&str> = file
        .releases
        .iter()
        .map(|r| r.litellm_version.as_str())
        .collect();
    assert_eq!(order, ["1.105.7", "1.106.12", "1.108.7.post1"]);
    assert_eq!(file.mode, Mode::Sim);
    assert_eq!(file.providers[1].name, "Azure");
    assert_eq!(file.providers[0].name, "anthropic");
    assert_eq!(file.releases[2].passing_models, Some(1));
    // Cells measured nowhere (azure x haiku, anthropic x opus) are left out.
    let keys: Vec<(&str, &str)> = file
        .cells
        .iter()
        .map(|c| (c.provider.as_str(), c.model.as_str()))
        .collect();
    assert_eq!(keys, [("anthropic", "haiku"), ("azure", "opus")]);
    let anthropic = &file.cells[0];
    assert_eq!(anthropic.works_since.as_deref(), Some("1.106.12"));
    let azure = &file.cells[1];
    assert_eq!(
        azure.by_release.keys().collect::<Vec<_>>(),
        ["1.106.12", "1.108.7.post1"],
        "the cell did not exist in 1.105.7: absent"
    );
    assert_eq!(
        azure.broke_in,
        Some(BrokeIn {
            release: "1.108.7.post1".into(),
            message: "tool_use azure opus broke in 1.108.7.post1".into()
        })
    );
    // Deterministic: the same inputs, the same bytes.
    let again = build(
        &[input("1.106.12", &mid), input("1.108.7.post1", &new)],
        &ReleasesOptions::default(),
    )
    .unwrap();
    assert_eq!(again.to_json_pretty(), {
        let b = build(
            &[input("1.108.7.post1", &new), input("1.106.12", &mid)],
            &ReleasesOptions::default(),
        )
        .unwrap();
        b.to_json_pretty()
    });
    let text = file.to_json_pretty();
    assert!(ReleasesFile::is_releases_document(&text));
    assert_eq!(
        ReleasesFile::parse(&text, Path::new("r.json")).unwrap(),
        file
    );
}

#[test]
fn the_builder_refuses_what_cannot_be_one_file() {
    use ModelStatus::*;
    let a = matrix("1.105.7", &[("tool_use", "anthropic", "haiku", Pass)]);
    let mut b = matrix("1.106.12", &[("tool_use", "anthropic", "haiku", Pass)]);
    assert_eq!(
        build(&[], &ReleasesOptions::default()).unwrap_err(),
        ReleasesError::NoReleases
    );
    assert_eq!(
        build(
            &[input("1.105.7", &a), input("v1.105.7", &a)],
            &ReleasesOptions::default()
        )
        .unwrap_err(),
        ReleasesError::Duplicate("1.105.7".into())
    );
    assert!(matches!(
        build(&[input("main", &a)], &ReleasesOptions::default()).unwrap_err(),
        ReleasesError::BadVersion(_)
    ));
    b.claude_code_version = "2.1.331".into();
    let e = build(
        &[input("1.105.7", &a), input("1.106.12", &b)],
        &ReleasesOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, ReleasesError::CliMismatch { .. }), "{e}");
    b.claude_code_version = "2.1.332".into();
    b.context.as_mut().unwrap().mode = Some(Mode::Live);
    let e = build(
        &[input("1.105.7", &a), input("1.106.12", &b)],
        &ReleasesOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "LiteLLM 1.105.7 was measured in sim mode and 1.106.12 in live mode; measure every release in one mode"
    );
    assert_eq!(check_label("1.106.12", &b), Ok(()));
    assert_eq!(
        check_label("1.108.7", &b).unwrap_err().to_string(),
        "the matrix for LiteLLM 1.108.7 measured LiteLLM 1.106.12; put it under litellm-1.106.12 or rerun that release"
    );
}
