//! OpenAI's hosted web search on the Responses simulator (ledger rule
//! "responses.hosted_web_search"): a request offering `web_search_preview`
//! (or another hosted search type) whose user asks for a search answers
//! with a `web_search_call` item and a message citing the page the search
//! found (`url_citation`), JSON and SSE; without a search tool the same
//! prompt gets no search.

use compat_sim::{Api, SearchPage, Simulators, creds};
use serde_json::{Value, json};

use crate::common::send;

const AUTH: &[(&str, &str)] = &[("authorization", "Bearer sk-sim-openai-key")];

fn page() -> SearchPage {
    SearchPage {
        url: "https://notes.example/q7w3.html".into(),
        title: "Release notes q7w3".into(),
        text: "Release notes q7w3\nThe code is ws-41".into(),
        page_age: None,
    }
}

/// The request LiteLLM's Responses adapter makes of the CLI's WebSearch
/// sub-request: the hosted tool and the CLI's search prompt.
fn body(tool: &str) -> Value {
    json!({
        "model": "gpt-5.6-terra",
        "input": [{"role": "user", "content": [{"type": "input_text",
            "text": "Perform a web search for the query: notes q7w3"}]}],
        "tools": [{"type": tool}],
    })
}

/// The output's item types, in order.
fn kinds(r: &Value) -> Vec<&str> {
    r["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect()
}

/// Checks a completed response: the search call, then one message whose
/// annotations cite the page over the page's text.
fn assert_cited(r: &Value) {
    let out = r["output"].as_array().unwrap();
    let call = out.iter().position(|i| i["type"] == "web_search_call");
    let msg = out.iter().position(|i| i["type"] == "message");
    assert!(
        matches!((call, msg), (Some(c), Some(m)) if c < m),
        "{:?}",
        kinds(r)
    );
    let call = &out[call.unwrap()];
    assert!(call["id"].as_str().unwrap().starts_with("ws_"), "{call}");
    assert_eq!(call["status"], "completed");
    assert_eq!(call["action"]["type"], "search");
    assert_eq!(call["action"]["query"], "notes q7w3");
    let msgs: Vec<_> = out.iter().filter(|i| i["type"] == "message").collect();
    assert_eq!(msgs.len(), 1, "one cited message: {:?}", kinds(r));
    let part = &msgs[0]["content"][0];
    assert_eq!(part["type"], "output_text");
    let text = part["text"].as_str().unwrap();
    assert!(text.contains("The code is ws-41"), "{text}");
    let notes = part["annotations"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{part}");
    let a = &notes[0];
    assert_eq!(a["type"], "url_citation");
    assert_eq!(a["url"], "https://notes.example/q7w3.html");
    assert_eq!(a["title"], "Release notes q7w3");
    let (start, end) = (
        a["start_index"].as_u64().unwrap() as usize,
        a["end_index"].as_u64().unwrap() as usize,
    );
    let cited: String = text.chars().skip(start).take(end - start).collect();
    assert_eq!(cited, "Release notes q7w3\nThe code is ws-41");
    assert!(r["usage"]["output_tokens"].as_u64().unwrap() > 0, "{r}");
}

#[test]
fn every_hosted_search_type_runs_the_search_and_cites_the_page() {
    let sims = Simulators::start(&[Api::OpenAi]).unwrap();
    let _page = sims.register_search_page("q7w3", page());
    for tool in [
        "web_search_preview",
        "web_search_preview_2025_03_11",
        "web_search",
        "web_search_2025_08_26",
    ] {
        let r = send(&sims, Api::OpenAi, "/v1/responses", AUTH, &body(tool));
        assert_eq!(r.status, 200, "{tool}: {}", r.text);
        assert_cited(&r.body);
    }
}

#[test]
fn without_a_hosted_search_tool_nothing_is_searched() {
    let sims = Simulators::start(&[Api::OpenAi]).unwrap();
    let _page = sims.register_search_page("q7w3", page());
    let mut b = body("web_search_preview");
    b.as_object_mut().unwrap().remove("tools");
    let r = send(&sims, Api::OpenAi, "/v1/responses", AUTH, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!kinds(&r.body).contains(&"web_search_call"), "{}", r.text);
    assert!(!r.text.contains("ws-41"), "{}", r.text);
}

#[test]
fn a_search_that_finds_nothing_still_reports_its_call() {
    let sims = Simulators::start(&[Api::OpenAi]).unwrap();
    let r = send(
        &sims,
        Api::OpenAi,
        "/v1/responses",
        AUTH,
        &body("web_search_preview"),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        kinds(&r.body)[..],
        ["reasoning", "web_search_call", "message"]
    );
    let part = &r.body["output"][2]["content"][0];
    assert!(part["text"].as_str().unwrap().contains("found no results"));
    assert_eq!(part["annotations"], json!([]));
}

#[test]
fn the_stream_reports_the_search_then_the_cited_text_in_order() {
    let sims = Simulators::start(&[Api::OpenAi]).unwrap();
    let _page = sims.register_search_page("q7w3", page());
    let mut b = body("web_search_preview");
    b["stream"] = json!(true);
    let r = send(&sims, Api::OpenAi, "/v1/responses", AUTH, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    let events: Vec<Value> = r
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["sequence_number"], i, "{e}");
    }
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let at = |t: &str| {
        types
            .iter()
            .position(|x| *x == t)
            .unwrap_or_else(|| panic!("no {t} in {types:?}"))
    };
    let added = events
        .iter()
        .position(|e| {
            e["type"] == "response.output_item.added" && e["item"]["type"] == "web_search_call"
        })
        .unwrap_or_else(|| panic!("no web_search_call added: {types:?}"));
    assert_eq!(events[added]["item"]["status"], "in_progress");
    let call_id = &events[added]["item"]["id"];
    let done = events
        .iter()
        .position(|e| {
            e["type"] == "response.output_item.done" && e["item"]["type"] == "web_search_call"
        })
        .unwrap();
    assert_eq!(events[done]["item"]["status"], "completed");
    let phases = [
        at("response.web_search_call.in_progress"),
        at("response.web_search_call.searching"),
        at("response.web_search_call.completed"),
    ];
    assert!(
        added < phases[0] && phases[0] < phases[1] && phases[1] < phases[2] && phases[2] < done
    );
    for p in phases {
        assert_eq!(&events[p]["item_id"], call_id);
        assert_eq!(events[p]["output_index"], events[added]["output_index"]);
    }
    let first_delta = at("response.output_text.delta");
    let note = at("response.output_text.annotation.added");
    assert!(done < first_delta && first_delta < note && note < at("response.output_text.done"));
    assert_eq!(events[note]["annotation"]["type"], "url_citation");
    assert_eq!(events[note]["annotation_index"], 0);
    let part_added = &events[at("response.content_part.added")]["part"];
    assert_eq!(part_added["annotations"], json!([]), "{part_added}");
    let completed = &events[at("response.completed")]["response"];
    assert_cited(completed);
}

#[test]
fn azure_openai_runs_the_same_hosted_search() {
    let sims = Simulators::start(&[Api::AzureOpenAi]).unwrap();
    let _page = sims.register_search_page("q7w3", page());
    let r = send(
        &sims,
        Api::AzureOpenAi,
        "/openai/responses?api-version=2025-04-01-preview",
        &[("api-key", creds::AZURE_OPENAI_API_KEY)],
        &body("web_search_preview"),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_cited(&r.body);
}
