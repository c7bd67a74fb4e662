//! The simulators' own codecs against public test vectors, vendored under
//! golden/vectors/ (see its README for sources, commits and licences):
//!
//! - AWS's Signature Version 4 test suite (botocore's copy): the Bedrock
//!   simulators' SigV4 verifier must compute every case's signature;
//! - botocore's event-stream vectors: the simulators' frame decoder must agree
//!   with every positive case it supports and refuse every negative one, and
//!   the encoder must reproduce the string-header frames byte for byte;
//! - the Anthropic Python SDK's recorded streaming fixtures: the Anthropic API
//!   simulator's SSE events must have the recorded events' shape;
//! - real Bedrock streams recorded by openinference: the Bedrock simulators'
//!   event-stream frames must carry what the recordings carry;
//! - a Responses API answer the openai-python SDK recorded from the live
//!   API: the OpenAI simulator's `response` object must carry what it does.
//!
//! Everything goes through the crate's public API: `compat_sim::aws` for
//! signing and frames, and the simulators over HTTP for their streams.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use compat_sim::aws::{self as eventstream, Signing};
use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/vectors")
}

// ---- SigV4 ----------------------------------------------------------------

const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Cases the verifier does not take, each with the reason. (botocore skips
/// the same query-order cases and get-space.)
const SIGV4_NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "get-header-value-multiline",
        "obsolete line folding: an HTTP/1.1 server (hyper) refuses such a request before any handler sees it",
    ),
    (
        "normalize-path/get-space",
        "a raw space in the request target is not valid HTTP (botocore skips it too)",
    ),
    (
        "get-utf8",
        "raw non-ASCII in the request target is not valid HTTP: a client sends it percent-encoded",
    ),
];

struct SignedRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
    signed_headers: String,
    scope: String,
    signature: String,
}

/// Reads a case as botocore's runner does: the request from `.req`, the
/// expected Authorization from `.authz`, and the session token (which the
/// signer adds) from `.creq`.
fn parse_case(base: &Path) -> Result<SignedRequest, String> {
    let read = |ext: &str| {
        std::fs::read_to_string(base.with_extension(ext)).map_err(|e| format!("{ext}: {e}"))
    };
    let text = read("req")?;
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b)) => (h, b.as_bytes().to_vec()),
        None => (text.as_str(), Vec::new()),
    };
    let mut lines = head.lines();
    let request_line = lines.next().ok_or("empty")?;
    let (method, rest) = request_line.split_once(' ').ok_or("no method")?;
    let target = rest.rsplit_once(' ').ok_or("no version")?.0;
    let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let uri: Uri = target
        .parse()
        .map_err(|e| format!("request target {target:?}: {e}"))?;
    let mut headers = HeaderMap::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            return Err("obsolete line folding".into());
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?,
            HeaderValue::from_str(value.trim_start()).map_err(|e| e.to_string())?,
        );
    }
    if let Some(token) = read("creq")?
        .lines()
        .find_map(|l| l.strip_prefix("x-amz-security-token:"))
    {
        headers.insert(
            "x-amz-security-token",
            HeaderValue::from_str(token).map_err(|e| e.to_string())?,
        );
    }
    let auth = read("authz")?;
    let field = |name: &str| {
        auth.trim()
            .split(", ")
            .find_map(|p| p.split_once(&format!("{name}=")).map(|(_, v)| v.to_owned()))
            .ok_or(format!("no {name}"))
    };
    let credential = field("Credential")?;
    Ok(SignedRequest {
        method,
        uri,
        headers,
        body,
        signed_headers: field("SignedHeaders")?,
        scope: credential.split_once('/').ok_or("credential")?.1.to_owned(),
        signature: field("Signature")?,
    })
}

fn sreq_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sreq_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sreq") {
            out.push(path);
        }
    }
}

#[test]
fn sigv4_verifier_agrees_with_the_aws_test_suite() {
    let root = vectors().join("aws4_testsuite");
    let mut files = Vec::new();
    sreq_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() >= 25,
        "only {} cases under {}",
        files.len(),
        root.display()
    );
    let (mut passed, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for file in &files {
        let case = file
            .parent()
            .unwrap()
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        if let Some((_, why)) = SIGV4_NOT_APPLICABLE.iter().find(|(c, _)| *c == case) {
            skipped.push(format!("{case}: {why}"));
            continue;
        }
        let result = parse_case(file).map(|r| {
            let amz_date = r
                .headers
                .get("x-amz-date")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let got = compat_sim::aws::signature(
                &Signing {
                    method: &r.method,
                    uri: &r.uri,
                    headers: &r.headers,
                    body: &r.body,
                    signed_headers: &r.signed_headers,
                    amz_date: &amz_date,
                    scope: &r.scope,
                },
                SUITE_SECRET,
            );
            (got, r.signature)
        });
        match result {
            Ok((got, want)) if got == want => passed.push(case),
            Ok((got, want)) => {
                failed.push(format!("{case}: computed {got}, the suite signs {want}"))
            }
            Err(e) => failed.push(format!("{case}: cannot parse: {e}")),
        }
    }
    eprintln!(
        "SigV4 suite: {} passed, {} not applicable:\n  {}",
        passed.len(),
        skipped.len(),
        skipped.join("\n  ")
    );
    assert!(
        failed.is_empty(),
        "SigV4 suite cases the verifier gets wrong:\n{}",
        failed.join("\n")
    );
    for must in [
        "post-vanilla",
        "post-header-key-sort",
        "post-x-www-form-urlencoded",
        "post-sts-token/post-sts-header-before",
    ] {
        assert!(passed.iter().any(|c| c == must), "{must} did not run");
    }
}

// ---- event-stream -------------------------------------------------------------

#[test]
fn eventstream_codec_agrees_with_botocores_vectors() {
    let text =
        std::fs::read_to_string(vectors().join("eventstream/botocore_test_eventstream.json"))
            .unwrap();
    let cases: Value = serde_json::from_str(&text).unwrap();
    let mut report = Vec::new();
    for case in cases["positive"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let encoded = hex::decode(case["encoded_hex"].as_str().unwrap()).unwrap();
        let headers = case["headers"].as_array().unwrap();
        let payload = hex::decode(case["payload_hex"].as_str().unwrap()).unwrap();
        let all_strings = headers.iter().all(|h| h["type"] == "string");
        let decoded = eventstream::decode_frames(&encoded);
        if !all_strings {
            // The simulators only ever write string headers (Bedrock's
            // :event-type, :content-type, :message-type); their decoder, used by
            // tests, refuses the other types rather than misreading them.
            let err = decoded.expect_err(name);
            assert!(err.contains("unsupported type"), "{name}: {err}");
            report.push(format!(
                "{name}: refused (non-string header types are not simulated)"
            ));
            continue;
        }
        let frames = decoded.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(frames.len(), 1, "{name}");
        let want: Vec<(String, String)> = headers
            .iter()
            .map(|h| {
                (
                    h["name"].as_str().unwrap().to_owned(),
                    h["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(frames[0].headers, want, "{name}");
        assert_eq!(frames[0].payload, payload, "{name}");
        // And the encoder writes the very same bytes.
        let pairs: Vec<(&str, &str)> = want.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            eventstream::encode_frame(&pairs, &payload).to_vec(),
            encoded,
            "{name}: encoder"
        );
        report.push(format!("{name}: decoded and re-encoded byte for byte"));
    }
    for case in cases["negative"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let encoded = hex::decode(case["encoded_hex"].as_str().unwrap()).unwrap();
        let err = eventstream::decode_frames(&encoded).expect_err(name);
        report.push(format!(
            "{name}: refused ({err}; botocore raises {})",
            case["error"].as_str().unwrap()
        ));
    }
    eprintln!("event-stream vectors:\n  {}", report.join("\n  "));
}

// ---- Anthropic SSE --------------------------------------------------------------

/// Parses an SSE recording into (event name, data JSON).
fn parse_sse(text: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let mut event = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("event:") {
                event = Some(e.trim().to_owned());
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.trim_start());
            }
        }
        if let (Some(e), false) = (event, data.is_empty()) {
            out.push((
                e,
                serde_json::from_str(&data).unwrap_or_else(|err| panic!("{data}: {err}")),
            ));
        }
    }
    out
}

/// Every key path in a JSON value, with the JSON type at its end
/// (`message.usage.input_tokens:number`); array items share the path `[]`.
fn key_paths(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.insert(format!("{at}:{kind}"));
    match v {
        Value::Object(o) => o
            .iter()
            .for_each(|(k, v)| key_paths(v, &format!("{at}.{k}"), out)),
        Value::Array(a) => a.iter().for_each(|v| key_paths(v, &format!("{at}[]"), out)),
        _ => {}
    }
}

/// Key paths per (event type, block or delta type), over a whole stream.
fn shapes(events: &[(String, Value)]) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let mut map = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    // `ping` is written by the SSE framing, not by the model's events.
    for (name, data) in events.iter().filter(|(n, _)| n != "ping") {
        let sub = data["content_block"]["type"]
            .as_str()
            .or(data["delta"]["type"].as_str())
            .unwrap_or("");
        key_paths(data, "", map.entry(format!("{name}/{sub}")).or_default());
    }
    map
}

/// The grammar of a Messages stream: message_start, then blocks (start,
/// deltas, stop, indexed in order), then message_delta and message_stop; pings
/// anywhere.
fn check_grammar(events: &[(String, Value)], what: &str) {
    let names: Vec<&str> = events
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| *n != "ping")
        .collect();
    assert_eq!(names.first(), Some(&"message_start"), "{what}: {names:?}");
    assert_eq!(
        &names[names.len() - 2..],
        &["message_delta", "message_stop"],
        "{what}: {names:?}"
    );
    let mut open: Option<u64> = None;
    let mut next_index = 0;
    for (name, data) in events {
        assert_eq!(
            name.as_str(),
            data["type"].as_str().unwrap(),
            "{what}: event name and data.type differ"
        );
        match name.as_str() {
            "content_block_start" => {
                assert!(open.is_none(), "{what}: nested block");
                assert_eq!(
                    data["index"].as_u64(),
                    Some(next_index),
                    "{what}: block index"
                );
                open = Some(next_index);
                next_index += 1;
            }
            "content_block_delta" => assert_eq!(
                data["index"].as_u64(),
                open,
                "{what}: delta outside its block"
            ),
            "content_block_stop" => {
                assert_eq!(
                    data["index"].as_u64(),
                    open,
                    "{what}: stop outside its block"
                );
                open = None;
            }
            _ => {}
        }
    }
}

/// Members of the recorded streams the simulators do not send, with why.
const SSE_NOT_SIMULATED: &[(&str, &str)] = &[
    (
        ".content_block.caller",
        "tool_use.caller (who invoked the tool, e.g. direct or code execution): not simulated; the CLI and LiteLLM ignore it",
    ),
    (
        ".message.usage.service_tier",
        "usage.service_tier (standard/priority/batch): no client under test reads it; not simulated",
    ),
];

/// The Anthropic API simulator's stream for a prompt (and tools), over HTTP.
fn sim_stream(sims: &Simulators, prompt: &str, tools: Value) -> Vec<(String, Value)> {
    let body = json!({
        "model": "claude-sonnet-4-6", "max_tokens": 200, "stream": true,
        "tools": tools,
        "messages": [{"role": "user", "content": prompt}],
    });
    let r = reqwest::blocking::Client::new()
        .post(format!(
            "{}/v1/messages",
            sims.base_url(Api::Anthropic).unwrap()
        ))
        .header("x-api-key", creds::ANTHROPIC_API_KEY)
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    parse_sse(&r.text().unwrap())
}

#[test]
fn sse_events_have_the_shape_of_the_anthropic_sdks_recorded_streams() {
    let dir = vectors().join("anthropic-sdk-python/streaming");
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let weather = json!([{"name": "get_weather", "input_schema": {"type": "object"}}]);
    for (fixture, sim) in [
        (
            "basic_response.txt",
            sim_stream(&sims, "Reply with exactly `Hello there!`.", json!([])),
        ),
        (
            "tool_use_response.txt",
            sim_stream(&sims, "Use the get_weather tool.", weather.clone()),
        ),
    ] {
        assert!(
            sim.iter().any(|(n, _)| n == "content_block_delta"),
            "{fixture}: {sim:?}"
        );
        let recorded = parse_sse(&std::fs::read_to_string(dir.join(fixture)).unwrap());
        assert!(recorded.len() > 3, "{fixture}: {} events", recorded.len());
        check_grammar(&recorded, fixture);
        check_grammar(&sim, &format!("simulator's stream for {fixture}"));
        let (want, got) = (shapes(&recorded), shapes(&sim));
        for (kind, paths) in &want {
            let ours = got
                .get(kind)
                .unwrap_or_else(|| panic!("{fixture}: the simulator never sends {kind}"));
            let missing: Vec<&String> = paths
                .difference(ours)
                .filter(|p| !SSE_NOT_SIMULATED.iter().any(|(n, _)| p.starts_with(n)))
                .collect();
            assert!(
                missing.is_empty(),
                "{fixture}: the simulator's {kind} lacks {missing:?}"
            );
        }
    }
}

// ---- recorded Bedrock streams -----------------------------------------------------

/// A request to a Bedrock simulator, SigV4-signed with the simulator's keys by
/// the verifier's own signing function; returns the raw response body.
fn bedrock_post(base: &str, path: &str, body: &Value) -> Vec<u8> {
    let body = body.to_string().into_bytes();
    let url = format!("{base}{path}");
    let uri: Uri = path.parse().unwrap();
    let host = base.trim_start_matches("http://").to_owned();
    let amz_date = "20261125T101500Z";
    let scope = format!(
        "{}/{}/bedrock/aws4_request",
        &amz_date[..8],
        creds::AWS_REGION
    );
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_str(&host).unwrap());
    headers.insert("x-amz-date", HeaderValue::from_static(amz_date));
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let signed = "content-type;host;x-amz-date";
    let sig = compat_sim::aws::signature(
        &Signing {
            method: &Method::POST,
            uri: &uri,
            headers: &headers,
            body: &body,
            signed_headers: signed,
            amz_date,
            scope: &scope,
        },
        creds::AWS_SECRET_ACCESS_KEY,
    );
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={sig}",
        creds::AWS_ACCESS_KEY_ID
    );
    let r = reqwest::blocking::Client::new()
        .post(url)
        .header("x-amz-date", amz_date)
        .header("content-type", "application/json")
        .header("authorization", auth)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.bytes().unwrap().to_vec()
}

/// (event type, payload JSON without Bedrock's random-length `p` padding).
fn event_frames(bytes: &[u8], what: &str) -> Vec<(String, Value)> {
    eventstream::decode_frames(bytes)
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .into_iter()
        .map(|f| {
            let names: Vec<&str> = f.headers.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(
                names,
                [":event-type", ":content-type", ":message-type"],
                "{what}: header names and order"
            );
            let kind = f.headers[0].1.clone();
            let mut payload: Value = serde_json::from_slice(&f.payload).unwrap();
            payload.as_object_mut().unwrap().remove("p");
            (kind, payload)
        })
        .collect()
}

fn recording(name: &str) -> (String, Vec<u8>) {
    let text = std::fs::read_to_string(vectors().join("openinference-bedrock").join(name)).unwrap();
    let rec: Value = serde_json::from_str(&text).unwrap();
    let rec = &rec[0];
    (
        rec["path"].as_str().unwrap().to_owned(),
        hex::decode(rec["response"].as_str().unwrap()).unwrap(),
    )
}

fn assert_covers(recorded: &[(String, Value)], sim: &[(String, Value)], what: &str) {
    let (want, got) = (shapes(recorded), shapes(sim));
    for (kind, paths) in &want {
        let ours = got
            .get(kind)
            .unwrap_or_else(|| panic!("{what}: the simulator never sends {kind}"));
        let missing: Vec<&String> = paths.difference(ours).collect();
        assert!(
            missing.is_empty(),
            "{what}: the simulator's {kind} lacks {missing:?}"
        );
    }
}

#[test]
fn bedrock_streams_match_recorded_bedrock_traffic() {
    let sims = Simulators::start(&[Api::BedrockInvoke, Api::BedrockConverse]).unwrap();
    let model = "us.anthropic.claude-haiku-4-5-20251001-v1%3A0";
    let tools =
        json!([{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}]);

    // ConverseStream: text, and text + toolUse.
    for (name, prompt) in [
        (
            "should-handle-basic-converse-stream-responses.json",
            "Reply with exactly `Hello there`.",
        ),
        (
            "should-handle-streaming-tool-calls-and-responses.json",
            "Use the get_weather tool.",
        ),
    ] {
        let (path, bytes) = recording(name);
        assert!(path.ends_with("/converse-stream"), "{path}");
        let recorded = event_frames(&bytes, name);
        let body = json!({"messages": [{"role": "user", "content": [{"text": prompt}]}], "toolConfig": {"tools": tools}});
        let ours = bedrock_post(
            &sims.base_url(Api::BedrockConverse).unwrap(),
            &format!("/model/{model}/converse-stream"),
            &body,
        );
        let sim = event_frames(&ours, "simulator converse-stream");
        // Event kinds (stop and metadata fields keyed the same way).
        let kinds =
            |v: &[(String, Value)]| v.iter().map(|(k, _)| k.clone()).collect::<BTreeSet<_>>();
        assert!(
            kinds(&recorded).is_subset(&kinds(&sim)),
            "{name}: {:?} vs {:?}",
            kinds(&recorded),
            kinds(&sim)
        );
        assert_eq!(recorded.first().unwrap().0, "messageStart");
        assert_eq!(sim.first().unwrap().0, "messageStart");
        assert_eq!(recorded.last().unwrap().0, "metadata");
        assert_eq!(sim.last().unwrap().0, "metadata");
        assert_covers(&recorded, &sim, name);
    }

    // InvokeModelWithResponseStream: `chunk` frames carrying base64 Messages events.
    let name = "should-handle-streaming-responses-with-tool-calls.json";
    let (path, bytes) = recording(name);
    assert!(path.ends_with("/invoke-with-response-stream"), "{path}");
    let inner = |frames: Vec<(String, Value)>| -> Vec<(String, Value)> {
        frames
            .into_iter()
            .map(|(kind, payload)| {
                assert_eq!(kind, "chunk");
                let raw = base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    payload["bytes"].as_str().unwrap(),
                )
                .unwrap();
                let event: Value = serde_json::from_slice(&raw).unwrap();
                (event["type"].as_str().unwrap().to_owned(), event)
            })
            .collect()
    };
    let recorded = inner(event_frames(&bytes, name));
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
        "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "Use the get_weather tool."}],
    });
    let ours = bedrock_post(
        &sims.base_url(Api::BedrockInvoke).unwrap(),
        &format!("/model/{model}/invoke-with-response-stream"),
        &body,
    );
    let sim = inner(event_frames(&ours, "simulator invoke-with-response-stream"));
    check_grammar(&recorded, name);
    check_grammar(&sim, "simulator invoke-with-response-stream");
    assert_covers(&recorded, &sim, name);
}

// ---- OpenAI Responses -----------------------------------------------------

/// openai-python's live-recorded `response` (tests/lib/responses/test_responses.py,
/// `test_output_text`): every key path of it, with its JSON type, is in the
/// OpenAI simulator's answer to a comparable request, on both simulators.
#[test]
fn responses_objects_carry_what_the_recorded_one_does() {
    let text = std::fs::read_to_string(vectors().join("openai-python/responses/output_text.json"))
        .unwrap();
    let recorded: Value = serde_json::from_str(&text).unwrap();
    let mut want = BTreeSet::new();
    key_paths(&recorded, "response", &mut want);
    let sims = Simulators::start(&[Api::OpenAi, Api::AzureOpenAi]).unwrap();
    for (api, path, header, key) in [
        (
            Api::OpenAi,
            "/v1/responses",
            "authorization",
            format!("Bearer {}", creds::OPENAI_API_KEY),
        ),
        (
            Api::AzureOpenAi,
            "/openai/v1/responses",
            "api-key",
            creds::AZURE_OPENAI_API_KEY.to_owned(),
        ),
    ] {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", sims.base_url(api).unwrap()))
            .header(header, key)
            // Effort `none`: no reasoning item, as the recorded gpt-4o-mini answer has none.
            .json(&json!({"model": "gpt-5.6-luna", "input": "What's the weather like in SF?", "reasoning": {"effort": "none"}}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let sim: Value = r.json().unwrap();
        let mut have = BTreeSet::new();
        key_paths(&sim, "response", &mut have);
        let missing: Vec<&String> = want.difference(&have).collect();
        assert!(
            missing.is_empty(),
            "{api:?}: the recorded response has {missing:?}, the simulator's does not: {sim}"
        );
    }
}
