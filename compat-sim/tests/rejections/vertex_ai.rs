//! The Vertex AI simulator rejects what rawPredict and Google's token
//! endpoint reject, in Google's error shape (Anthropic's past the front end).

use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn vertex_rejects_what_rawpredict_rejects() {
    let sims = Simulators::start(&[Api::VertexAi]).unwrap();
    let p = Api::VertexAi;
    let path = |project: &str, location: &str, action: &str| {
        format!("/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{action}")
    };
    let bearer = format!("Bearer {}", creds::VERTEX_ACCESS_TOKEN);
    let auth: &[(&str, &str)] = &[("authorization", &bearer)];
    let mut body = messages_body(None);
    body["anthropic_version"] = json!("vertex-2023-10-16");
    let good = path(
        creds::VERTEX_PROJECT,
        creds::VERTEX_LOCATION,
        "claude-sonnet-4-6:rawPredict",
    );
    let ok = send(&sims, p, &good, auth, &body);
    assert_eq!(ok.status, 200, "{}", ok.text);

    let google = |r: &Reply, status: u16, state: &str| {
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(r.body["error"]["status"], state, "{}", r.text);
        assert_eq!(r.body["error"]["code"], status, "{}", r.text);
    };
    // 1. no token
    google(&send(&sims, p, &good, &[], &body), 401, "UNAUTHENTICATED");
    // 2. another project
    google(
        &send(
            &sims,
            p,
            &path(
                "other-project",
                creds::VERTEX_LOCATION,
                "claude-sonnet-4-6:rawPredict",
            ),
            auth,
            &body,
        ),
        403,
        "PERMISSION_DENIED",
    );
    // 3. an unknown method
    google(
        &send(
            &sims,
            p,
            &path(
                creds::VERTEX_PROJECT,
                creds::VERTEX_LOCATION,
                "claude-sonnet-4-6:predict",
            ),
            auth,
            &body,
        ),
        404,
        "NOT_FOUND",
    );
    // 4. `model` in the body (it belongs in the path)
    let mut b = body.clone();
    b["model"] = json!("claude-sonnet-4-6");
    assert_anthropic_error(
        &send(&sims, p, &good, auth, &b),
        400,
        "invalid_request_error",
        "model: Extra inputs are not permitted",
    );
    // 5. the Bedrock version string
    let mut b = body.clone();
    b["anthropic_version"] = json!("bedrock-2023-05-31");
    assert_anthropic_error(
        &send(&sims, p, &good, auth, &b),
        400,
        "invalid_request_error",
        "expected `vertex-2023-10-16`",
    );
    // anthropic 2.x puts the API version itself in the body (PyPI
    // `anthropic` 2.14.0, lib/vertex/_client.py): accepted; others are not.
    let mut b = body.clone();
    b["anthropic_version"] = json!("2026-10-21");
    let r = send(&sims, p, &good, auth, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    b["anthropic_version"] = json!("2026-10-22");
    assert_anthropic_error(
        &send(&sims, p, &good, auth, &b),
        400,
        "invalid_request_error",
        "expected `vertex-2023-10-16`",
    );
    // 6. the token endpoint refuses a non-JWT assertion
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/token", sims.base_url(p).unwrap()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=not-a-jwt",
        )
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_grant");

    // streamRawPredict answers SSE
    let r = send(
        &sims,
        p,
        &path(
            creds::VERTEX_PROJECT,
            creds::VERTEX_LOCATION,
            "claude-sonnet-4-6:streamRawPredict",
        ),
        auth,
        &body,
    );
    assert_eq!(r.status, 200);
    assert!(r.text.contains("event: message_stop"), "{}", r.text);
}
