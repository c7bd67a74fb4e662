//! The two version resolvers against local HTTP servers (wiremock on
//! 127.0.0.1) serving payloads shaped like the GitHub Releases API and the npm
//! registry's package document.

use compat_core::secret::Secret;
use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::matchers::{header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::versions::ResolveError;
use crate::versions::claude_code::{ClaudeCodeResolver, PR_GATE_MIN_AGE};
use crate::versions::litellm::LitellmResolver;

const RELEASES: &str = "/repos/BerriAI/litellm/releases";
const TOKEN: &str = "ghp_test_token_do_not_log";

fn release(tag: &str, draft: bool, prerelease: bool) -> Value {
    json!({
        "url": format!("https://api.github.com/repos/BerriAI/litellm/releases/{}", tag.len()),
        "html_url": format!("https://github.com/BerriAI/litellm/releases/tag/{tag}"),
        "id": 1, "node_id": "RE_x", "tag_name": tag, "target_commitish": "main",
        "name": tag, "draft": draft, "prerelease": prerelease,
        "created_at": "2026-11-20T10:00:00Z",
        "published_at": if draft { Value::Null } else { json!("2026-11-20T10:05:00Z") },
        "author": {"login": "github-actions[bot]"}, "assets": [], "body": "## What's Changed\n* ..."
    })
}

fn page(server: &MockServer, n: u32) -> String {
    format!("{}{RELEASES}?per_page=100&page={n}", server.uri())
}

async fn mount_page(server: &MockServer, n: u32, body: Value, next: Option<u32>) {
    let mut resp = ResponseTemplate::new(200).set_body_json(body);
    if let Some(next) = next {
        resp = resp.insert_header(
            "link",
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                page(server, next),
                page(server, 9)
            ),
        );
    }
    let m = Mock::given(method("GET"))
        .and(path(RELEASES))
        .and(query_param("per_page", "100"));
    let m = if n == 1 {
        m.and(wiremock::matchers::query_param_is_missing("page"))
    } else {
        m.and(query_param("page", n.to_string()))
    };
    m.respond_with(resp).expect(1).mount(server).await;
}

fn assert_no_token(e: &ResolveError) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains(TOKEN), "token leaked into the error: {text}");
}

#[tokio::test]
async fn newest_stable_across_two_pages_skipping_drafts_and_prereleases() {
    let server = MockServer::start().await;
    // Page 1 (newest created): nightlies, a draft and a prerelease that look
    // stable and are newer than anything on page 2.
    mount_page(
        &server,
        1,
        json!([
            release("v1.84.1-nightly", false, false),
            release("v1.85.0-stable", true, false),
            release("v1.84.0-stable", false, true),
            release("v1.84.0.rc.1", false, false),
        ]),
        Some(2),
    )
    .await;
    // Page 2: list order is not version order.
    mount_page(
        &server,
        2,
        json!([
            release("v1.82.3-stable", false, false),
            // A re-cut (Docker-only) is not a stable tag for this resolver.
            release("v1.83.1-stable.patch.1", false, false),
            release("v1.83.0-stable", false, false),
            release("v1.83.1-nightly", false, false),
        ]),
        None,
    )
    .await;
    let r = LitellmResolver::new(server.uri())
        .latest_stable()
        .await
        .unwrap();
    assert_eq!(r.tag, "v1.83.0-stable");
    assert_eq!(
        r.html_url.as_deref(),
        Some("https://github.com/BerriAI/litellm/releases/tag/v1.83.0-stable")
    );
}

#[tokio::test]
async fn sends_user_agent_and_token_on_every_page() {
    let server = MockServer::start().await;
    let guarded = |p: Option<&str>| {
        let m = Mock::given(method("GET"))
            .and(path(RELEASES))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(header_exists("user-agent"))
            .and(header("accept", "application/vnd.github+json"));
        match p {
            None => m.and(wiremock::matchers::query_param_is_missing("page")),
            Some(p) => m.and(query_param("page", p)),
        }
    };
    guarded(None)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([release("v1.90.0-nightly", false, false)]))
                .insert_header("link", format!("<{}>; rel=\"next\"", page(&server, 2))),
        )
        .expect(1)
        .mount(&server)
        .await;
    guarded(Some("2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([release(
            "v1.89.0-stable",
            false,
            false
        )])))
        .expect(1)
        .mount(&server)
        .await;
    let r = LitellmResolver::new(server.uri())
        .with_token(Some(Secret::new(TOKEN)))
        .latest_stable()
        .await
        .unwrap();
    assert_eq!(r.tag, "v1.89.0-stable");
    let ua = server.received_requests().await.unwrap()[0]
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ua.starts_with("claude-code-compat-matrix/"), "{ua}");
}

#[tokio::test]
async fn stops_paging_once_a_page_is_entirely_older_than_the_best_stable() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        1,
        json!([
            release("v1.83.2-nightly", false, false),
            release("v1.83.0-stable", false, false)
        ]),
        Some(2),
    )
    .await;
    mount_page(
        &server,
        2,
        json!([
            release("v1.82.9-nightly", false, false),
            release("v1.82.0-stable", false, false)
        ]),
        Some(3),
    )
    .await;
    Mock::given(method("GET"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    assert_eq!(
        LitellmResolver::new(server.uri())
            .latest_stable()
            .await
            .unwrap()
            .tag,
        "v1.83.0-stable"
    );
}

#[tokio::test]
async fn no_stable_release_is_a_clear_error() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        1,
        json!([
            release("v1.83.0-nightly", false, false),
            release("v1.83.0-stable", true, false),
            release("v1.83.0-stable-rc", false, false)
        ]),
        None,
    )
    .await;
    let e = LitellmResolver::new(server.uri())
        .latest_stable()
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::NoMatch(_)), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("no stable release")
            && m.contains("among the 3 release(s) of BerriAI/litellm on 1 page(s)"),
        "{m}"
    );
}

#[tokio::test]
async fn malformed_json_names_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("{\"message\": \"not a list\"", "application/json"),
        )
        .mount(&server)
        .await;
    let e = LitellmResolver::new(server.uri())
        .with_token(Some(Secret::new(TOKEN)))
        .latest_stable()
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Malformed { .. }), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains(&format!("{}{RELEASES}?per_page=100", server.uri())),
        "{m}"
    );
    assert!(m.contains("expected a JSON array of releases"), "{m}");
    assert_no_token(&e);
}

#[tokio::test]
async fn rate_limit_403_says_when_and_what_to_do() {
    let server = MockServer::start().await;
    let reset = Timestamp::now().as_second() + 1800;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string())
                .set_body_json(json!({"message": "API rate limit exceeded for 127.0.0.1."})),
        )
        .mount(&server)
        .await;
    let e = LitellmResolver::new(server.uri())
        .latest_stable()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ResolveError::RateLimited {
                authenticated: false,
                ..
            }
        ),
        "{e:?}"
    );
    let m = e.to_string();
    let reset_text =
        compat_matrix::matrix::format_timestamp(Timestamp::from_second(reset).unwrap());
    assert!(
        m.contains(&format!("resets at {reset_text} (in about 30 min)")),
        "{m}"
    );
    assert!(m.contains("set GITHUB_TOKEN"), "{m}");

    // With a token, the advice is to wait, and the token stays out of it.
    let e = LitellmResolver::new(server.uri())
        .with_token(Some(Secret::new(TOKEN)))
        .latest_stable()
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("the token in GITHUB_TOKEN has used up its quota"),
        "{e}"
    );
    assert_no_token(&e);
}

#[tokio::test]
async fn forbidden_without_rate_limit_headers_is_not_a_rate_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})),
        )
        .mount(&server)
        .await;
    let e = LitellmResolver::new(server.uri())
        .with_token(Some(Secret::new(TOKEN)))
        .latest_stable()
        .await
        .unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains(
            "HTTP 401: Bad credentials (the token in GITHUB_TOKEN was rejected: fix or unset it)"
        ),
        "{m}"
    );
    assert_no_token(&e);
}

#[tokio::test]
async fn next_link_to_another_host_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([release("v1.90.0-nightly", false, false)]))
                .insert_header("link", "<http://127.0.0.2:9/steal?page=2>; rel=\"next\""),
        )
        .mount(&server)
        .await;
    let e = LitellmResolver::new(server.uri())
        .with_token(Some(Secret::new(TOKEN)))
        .latest_stable()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("points to another host"), "{e}");
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = LitellmResolver::new(format!("http://127.0.0.1:{port}"))
        .latest_stable()
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Network { .. }), "{e:?}");
    let m = e.to_string().to_lowercase();
    assert!(
        m.starts_with(&format!(
            "cannot reach http://127.0.0.1:{port}/repos/berriai/litellm/releases"
        )),
        "{m}"
    );
    assert!(m.contains("connect"), "{m}");
}

// ---- npm -------------------------------------------------------------------

const DOC_PATH: &str = "/@anthropic-ai%2fclaude-code";

fn packument(now: Timestamp) -> Value {
    let ago = |h: i64| (now - jiff::SignedDuration::from_hours(h)).to_string();
    let version = |v: &str| json!({"name": "@anthropic-ai/claude-code", "version": v, "dist": {"tarball": "x"}});
    let mut deprecated = version("2.1.5");
    deprecated["deprecated"] = json!("Contains a bug; use 2.1.4");
    json!({
        "_id": "@anthropic-ai/claude-code",
        "name": "@anthropic-ai/claude-code",
        "dist-tags": {"latest": "2.1.7", "next": "2.2.0-beta.1"},
        "versions": {
            "2.1.3": version("2.1.3"),
            "2.1.4": version("2.1.4"),
            "2.1.5": deprecated,
            "2.2.0-beta.1": version("2.2.0-beta.1"),
            "2.1.6": version("2.1.6"),
            "2.1.7": version("2.1.7"),
        },
        "time": {
            "created": ago(9000), "modified": ago(1),
            "2.1.3": ago(200), "2.1.4": ago(100), "2.1.5": ago(90),
            // A prerelease older than the window and newer than every stable.
            "2.2.0-beta.1": ago(80),
            // Inside the window: too new for the PR gate.
            "2.1.6": ago(71), "2.1.7": ago(2),
            // Unpublished: still in `time`, gone from `versions`.
            "2.1.9": ago(300)
        }
    })
}

#[tokio::test]
async fn pr_gate_takes_newest_stable_older_than_three_days() {
    let server = MockServer::start().await;
    let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
    Mock::given(method("GET"))
        .and(path(DOC_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(packument(now)))
        .expect(2)
        .mount(&server)
        .await;
    let r = ClaudeCodeResolver::new(server.uri());
    let got = r.pr_gate(now, PR_GATE_MIN_AGE).await.unwrap();
    // 2.1.7/2.1.6 are too new, 2.2.0-beta.1 is a prerelease, 2.1.5 is deprecated.
    assert_eq!(got.version, "2.1.4");
    assert_eq!(
        got.published_at,
        now - jiff::SignedDuration::from_hours(100)
    );
    assert_eq!(r.latest().await.unwrap(), "2.1.7");
}

#[tokio::test]
async fn pr_gate_with_nothing_old_enough() {
    let server = MockServer::start().await;
    let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
    Mock::given(method("GET"))
        .and(path(DOC_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(packument(now)))
        .mount(&server)
        .await;
    let e = ClaudeCodeResolver::new(server.uri())
        .pr_gate(now - jiff::SignedDuration::from_hours(150), PR_GATE_MIN_AGE)
        .await;
    let m = e.unwrap_err().to_string();
    assert!(
        m.contains("no stable, non-deprecated version of @anthropic-ai/claude-code was published at least 72 h before"),
        "{m}"
    );
    assert!(
        m.contains("the newest eligible version, 2.1.7, was published"),
        "{m}"
    );
}

#[tokio::test]
async fn npm_malformed_and_missing_package() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DOC_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>captive portal</html>", "text/html"),
        )
        .mount(&server)
        .await;
    let e = ClaudeCodeResolver::new(server.uri())
        .latest()
        .await
        .unwrap_err();
    assert!(matches!(e, ResolveError::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string().contains("expected an npm package document"),
        "{e}"
    );

    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "Not found"})))
        .mount(&other)
        .await;
    let e = ClaudeCodeResolver::new(other.uri())
        .pr_gate(Timestamp::now(), PR_GATE_MIN_AGE)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}{DOC_PATH} answered HTTP 404: Not found (check the name and the base URL)",
            other.uri()
        )
    );
}

#[tokio::test]
async fn npm_rate_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .mount(&server)
        .await;
    let e = ClaudeCodeResolver::new(server.uri())
        .latest()
        .await
        .unwrap_err();
    assert!(
        e.to_string().ends_with("retry after 30 s; wait and rerun"),
        "{e}"
    );
}

#[tokio::test]
async fn releases_behind_counts_published_versions_after_the_one_run() {
    use crate::versions::claude_code::releases_behind;
    let server = MockServer::start().await;
    let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
    Mock::given(method("GET"))
        .and(path(DOC_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(packument(now)))
        .expect(1)
        .mount(&server)
        .await;
    let doc = ClaudeCodeResolver::new(server.uri()).fetch().await.unwrap();
    // After 2.1.4: 2.1.5 (deprecated, but published), 2.1.6, 2.1.7; not the beta.
    assert_eq!(
        releases_behind(&doc, "2.1.4"),
        (Some("2.1.7".into()), Some(3))
    );
    assert_eq!(
        releases_behind(&doc, "2.1.7"),
        (Some("2.1.7".into()), Some(0))
    );
    assert_eq!(
        releases_behind(&doc, "nightly"),
        (Some("2.1.7".into()), None)
    );
}

#[tokio::test]
async fn litellm_stable_releases_since_a_tag_across_pages() {
    use crate::versions::litellm::{parse_stable_tag, releases_behind};
    let server = MockServer::start().await;
    mount_page(
        &server,
        1,
        json!([
            release("v1.84.1-nightly", false, true),
            release("v1.84.0-stable", false, false),
            release("v1.83.2-stable", true, false),
        ]),
        Some(2),
    )
    .await;
    mount_page(
        &server,
        2,
        json!([
            release("v1.83.1-stable", false, false),
            release("v1.83.0-stable", false, false),
        ]),
        Some(3),
    )
    .await;
    // Page 3 holds only releases older than the floor: reading stops there.
    mount_page(
        &server,
        3,
        json!([release("v1.82.0-stable", false, false)]),
        Some(4),
    )
    .await;
    let floor = parse_stable_tag("v1.83.0-stable").unwrap();
    let tags = LitellmResolver::new(server.uri())
        .stable_releases_since(floor)
        .await
        .unwrap();
    assert_eq!(
        releases_behind(&tags, "v1.83.0-stable"),
        (Some("v1.84.0-stable".into()), Some(2))
    );
    assert_eq!(releases_behind(&tags, "v1.84.0-stable").1, Some(0));
    assert_eq!(releases_behind(&tags, "main").1, None);
}

/// The resolvers' pick when pip's index cannot install the newest releases
/// (the check is a stand-in for the pip check: `index_check` has its own
/// tests against a local package index).
#[tokio::test]
async fn installable_stable_skips_what_the_index_cannot_install_in_version_order() {
    let server = MockServer::start().await;
    // Creation order, not version order: the LTS patch v1.108.23 was cut
    // after v1.109.3.
    mount_page(
        &server,
        1,
        json!([
            release("v1.110.2-stable", false, false),
            release("v1.108.23-stable", false, false),
            release("v1.110.1-nightly", false, false),
            release("v1.109.3-stable", false, false),
        ]),
        Some(2),
    )
    .await;
    mount_page(
        &server,
        2,
        json!([
            release("v1.109.0-stable", false, false),
            release("v1.108.7-stable", false, false),
            release("v1.108.0-nightly", false, false),
        ]),
        Some(3),
    )
    .await;
    // Read: page 2 held v1.109.0, so a later page might hold something newer
    // than the candidates left. Page 4 is never needed.
    mount_page(
        &server,
        3,
        json!([release("v1.100.0-stable", false, false)]),
        Some(4),
    )
    .await;
    Mock::given(method("GET"))
        .and(path(RELEASES))
        .and(query_param("page", "4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    let mut asked = Vec::new();
    let mut check = |tag: &str| {
        asked.push(tag.to_owned());
        match tag {
            "v1.110.2-stable" => Err("the package index (https://pypi.org/simple) lacks litellm-proxy==1.110.2 (pinned by litellm[proxy] 1.110.2)".to_owned()),
            "v1.109.3-stable" | "v1.109.0-stable" => Err("lacks litellm-proxy-extras==0.4.113".to_owned()),
            "v1.108.23-stable" => Err("has no litellm==1.108.23".to_owned()),
            _ => Ok(()),
        }
    };
    let s = LitellmResolver::new(server.uri())
        .latest_installable_stable(&mut check, 5)
        .await
        .unwrap();
    assert_eq!(
        asked,
        [
            "v1.110.2-stable",
            "v1.109.3-stable",
            "v1.109.0-stable",
            "v1.108.23-stable",
            "v1.108.7-stable"
        ]
    );
    assert_eq!(s.release.tag, "v1.108.7-stable");
    let skipped: Vec<&str> = s.skipped.iter().map(|k| k.tag.as_str()).collect();
    assert_eq!(
        skipped,
        [
            "v1.110.2-stable",
            "v1.109.3-stable",
            "v1.109.0-stable",
            "v1.108.23-stable"
        ]
    );
    let note = s.note();
    assert!(
        note.starts_with(
            "v1.108.7-stable: the newest stable release the package index can install; skipped v1.110.2-stable (the package index (https://pypi.org/simple) lacks litellm-proxy==1.110.2"
        ),
        "{note}"
    );
}

#[tokio::test]
async fn installable_stable_gives_up_after_the_limit_naming_what_it_skipped() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        1,
        json!([
            release("v1.110.2-stable", false, false),
            release("v1.110.0-stable", false, false),
            release("v1.109.3-stable", false, false),
        ]),
        None,
    )
    .await;
    let mut check = |tag: &str| Err(format!("index lacks a pin of {tag}"));
    let e = LitellmResolver::new(server.uri())
        .latest_installable_stable(&mut check, 2)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "the 2 newest stable releases of BerriAI/litellm cannot be installed from the package index \
             (v1.110.2-stable (index lacks a pin of v1.110.2-stable), v1.110.0-stable (index lacks a pin of v1.110.0-stable))"
        ) && e.contains("--litellm-version")
            && e.contains("PIP_INDEX_URL"),
        "{e}"
    );
    // The latest release installs: no skips, the note says so.
    let server = MockServer::start().await;
    mount_page(
        &server,
        1,
        json!([release("v1.110.2-stable", false, false)]),
        None,
    )
    .await;
    let s = LitellmResolver::new(server.uri())
        .latest_installable_stable(&mut |_| Ok(()), 2)
        .await
        .unwrap();
    assert_eq!(s.note(), "v1.110.2-stable: the latest stable release");
}
