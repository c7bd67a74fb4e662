//! The Azure OpenAI simulator serves the Responses API on both of Azure's
//! routes (dated `api-version`, and v1) with `api-key` auth and
//! deployments, and refuses the rest in Azure's gateway shape
//! (`{"error":{"code","message"}}`) or, past the gateway, OpenAI's.

use compat_sim::{Api, Fault, FaultScope, Simulators, creds};
use serde_json::json;

use crate::common::{assert_last_rule, send};
use crate::openai::{assert_openai_error, body, sse};

const P: Api = Api::AzureOpenAi;
const DATED: &str = "/openai/responses?api-version=2025-04-01-preview";
const KEY: &[(&str, &str)] = &[("api-key", creds::AZURE_OPENAI_API_KEY)];

fn assert_azure_error(r: &crate::common::Reply, status: u16, code: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["error"]["code"], code, "{}", r.text);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(message),
        "{}",
        r.text
    );
    assert!(
        r.body["error"].get("type").is_none(),
        "Azure's gateway shape has no type: {}",
        r.text
    );
}

#[test]
fn both_routes_answer_with_the_key_in_either_header() {
    let sims = Simulators::start(&[P]).unwrap();
    let b = body(json!("Reply with exactly `AZ`."));
    for path in [
        DATED,
        "/openai/v1/responses",
        "/openai/v1/responses?api-version=preview",
        "/openai/v1/responses?api-version=latest",
    ] {
        let r = send(&sims, P, path, KEY, &b);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(
            r.body["output"].as_array().unwrap().last().unwrap()["content"][0]["text"],
            "AZ"
        );
    }
    let bearer = format!("Bearer {}", creds::AZURE_OPENAI_API_KEY);
    let r = send(&sims, P, DATED, &[("authorization", bearer.as_str())], &b);
    assert_eq!(r.status, 200, "{}", r.text);

    let mut s = b.clone();
    s["stream"] = json!(true);
    let r = send(&sims, P, DATED, KEY, &s);
    let events = sse(&r.text);
    assert_eq!(events.first().unwrap().0, "response.created");
    assert_eq!(events.last().unwrap().0, "response.completed");
}

#[test]
fn the_gateway_refuses_in_azures_shape() {
    let sims = Simulators::start(&[P]).unwrap();
    let b = body(json!("hi"));
    let r = send(&sims, P, "/openai/responses", KEY, &b);
    assert_azure_error(&r, 404, "404", "Resource not found");
    assert_last_rule(&sims, "azure_openai.api_version_required");
    let r = send(&sims, P, "/openai/responses?api-version=preview", KEY, &b);
    assert_azure_error(&r, 400, "BadRequest", "API version not supported");
    assert_last_rule(&sims, "azure_openai.api_version_supported");
    let r = send(
        &sims,
        P,
        "/openai/v1/responses?api-version=2025-04-01-preview",
        KEY,
        &b,
    );
    assert_azure_error(&r, 400, "BadRequest", "API version not supported");
    let r = send(&sims, P, DATED, &[("api-key", "wrong")], &b);
    assert_azure_error(
        &r,
        401,
        "401",
        "Access denied due to invalid subscription key",
    );
    assert_last_rule(&sims, "azure_openai.auth.api_key");
    let r = send(
        &sims,
        P,
        DATED,
        &[("authorization", "Bearer sk-sim-openai-key")],
        &b,
    );
    assert_eq!(
        r.status, 401,
        "OpenAI's key is not the resource's: {}",
        r.text
    );
    let r = send(
        &sims,
        P,
        DATED,
        KEY,
        &json!({"model": "gpt-4.1", "input": "hi"}),
    );
    assert_azure_error(
        &r,
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist.",
    );
    assert_last_rule(&sims, "azure_openai.deployment_not_found");
    let r = send(
        &sims,
        P,
        "/openai/assistants?api-version=2025-04-01-preview",
        KEY,
        &b,
    );
    assert_azure_error(&r, 404, "404", "Resource not found");
    assert_last_rule(&sims, "azure_openai.route");
    // OpenAI's token counter is not one of Azure's routes.
    let r = send(&sims, P, "/openai/v1/responses/input_tokens", KEY, &b);
    assert_eq!(r.status, 404, "{}", r.text);
}

#[test]
fn past_the_gateway_the_models_refusals_are_openais() {
    let sims = Simulators::start(&[P]).unwrap();
    let mut b = body(json!("hi"));
    b["reasoning"] = json!({"effort": "minimal"});
    let r = send(&sims, P, DATED, KEY, &b);
    assert_openai_error(&r, 400, Some("unsupported_value"), "minimal");
    // Throttling comes from Azure's gateway, in its shape.
    let _g = sims.inject(
        FaultScope {
            provider: Some(P),
            ..Default::default()
        },
        Fault::Status(429),
    );
    let r = send(&sims, P, DATED, KEY, &body(json!("hi")));
    assert_azure_error(&r, 429, "429", "exceeded token rate limit");
    assert_last_rule(&sims, "fault.upstream_failure");
}
