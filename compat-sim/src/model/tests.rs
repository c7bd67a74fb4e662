//! The scripted model's tests: the script's answers, signed thinking and
//! prompt caching, through [`super::ScriptedModel::respond`].

use serde_json::json;

use super::script::{requested_tool, write_input};
use super::*;
use crate::wire::request::{Message, ToolDef};

#[test]
fn a_shortened_tool_name_is_the_tool_the_prompt_asked_for() {
    let tool = |name: &str| ToolDef {
        name: name.into(),
        input_schema: json!({"type": "object"}),
        cache: None,
        deferred: false,
    };
    let tools = vec![
        tool("Bash"),
        tool("mcp__compat-matrix-fixtures__file_support_ticket_with_s_c222b91e"),
    ];
    let prompt = "use the mcp__compat-matrix-fixtures__file_support_ticket_with_structured_priority_and_tags tool to file it";
    assert_eq!(
        requested_tool(prompt, &tools).as_deref(),
        Some("mcp__compat-matrix-fixtures__file_support_ticket_with_s_c222b91e")
    );
    assert_eq!(requested_tool("use the bash2 tool", &tools), None);
}

fn user(text: &str) -> Message {
    Message {
        role: Role::User,
        content: vec![Block::text(text)],
    }
}

fn request(messages: Vec<Message>) -> ModelRequest {
    ModelRequest {
        model: "claude-sonnet-4-6".into(),
        messages,
        ..Default::default()
    }
}

fn text(resp: &ModelResponse) -> String {
    resp.content
        .iter()
        .filter_map(|b| match b {
            OutBlock::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn replies_with_the_backticked_token() {
    let m = ScriptedModel::new();
    let r = m
        .respond(&request(vec![user(
            "Reply with exactly `PONG-42` and nothing else.",
        )]))
        .unwrap();
    assert_eq!(text(&r), "PONG-42");
    assert_eq!(r.stop_reason, StopReason::EndTurn);
}

#[test]
fn quotes_the_line_asked_for_and_reads_pdfs() {
    let m = ScriptedModel::new();
    let log = format!(
        "Quote the line that starts with \"The final code is\" please.\n{}The final code is c-9\n",
        "noise\n".repeat(1000)
    );
    assert_eq!(
        text(&m.respond(&request(vec![user(&log)])).unwrap()),
        "The final code is c-9"
    );
    let pdf = crate::wire::document::pdf_with_text(&["The code is d-7"]);
    let r = m
        .respond(&request(vec![Message {
            role: Role::User,
            content: vec![
                Block::Document {
                    data: pdf,
                    cache: None,
                },
                Block::text("What does it say?"),
            ],
        }]))
        .unwrap();
    assert!(text(&r).contains("The code is d-7"), "{}", text(&r));
}

#[test]
fn counts() {
    let m = ScriptedModel::new();
    let r = m
        .respond(&request(vec![user(
            "Count from 1 to 5, separated by spaces.",
        )]))
        .unwrap();
    assert_eq!(text(&r), "1 2 3 4 5");
}

#[test]
fn summarises_a_compaction_request_and_answers_from_the_summary() {
    let m = ScriptedModel::new();
    // The CLI's `/compact` request: the turn's tool result and the
    // summary instruction in the last user turn (captured, 2.1.331).
    let compact = request(vec![
        user("Use the Bash tool to run `echo ctx-n0nce`"),
        Message {
            role: Role::Assistant,
            content: vec![Block::ToolUse {
                id: "toolu_1".into(),
                name: "Bash".into(),
                input: json!({"command": "echo ctx-n0nce"}),
                cache: None,
            }],
        },
        Message {
            role: Role::User,
            content: vec![
                Block::ToolResult {
                    tool_use_id: "toolu_1".into(),
                    content: vec![Block::text("ctx-n0nce")],
                    is_error: false,
                    cache: None,
                },
                Block::text(
                    "Your task is to create a detailed summary of the conversation so far.",
                ),
            ],
        },
    ]);
    let summary = text(&m.respond(&compact).unwrap());
    assert!(
        summary.contains("<summary>") && summary.contains("ctx-n0nce"),
        "{summary}"
    );

    let continued = request(vec![
        user(&format!(
            "This session is being continued from a previous conversation.\n{summary}"
        )),
        Message {
            role: Role::Assistant,
            content: vec![Block::text("Done.")],
        },
        user("Quote the line that starts with \"ctx-\" from the earlier output."),
    ]);
    assert_eq!(text(&m.respond(&continued).unwrap()), "ctx-n0nce");
}

#[test]
fn calls_a_tool_only_when_offered_and_quotes_its_result() {
    let m = ScriptedModel::new();
    let prompt = "Use the Bash tool to run `echo n0nce` and tell me what it printed.";
    let r = m.respond(&request(vec![user(prompt)])).unwrap();
    assert_eq!(r.stop_reason, StopReason::EndTurn, "no tools offered");

    let mut req = request(vec![user(prompt)]);
    req.tools = vec![ToolDef {
        name: "Bash".into(),
        input_schema: json!({"type": "object"}),
        cache: None,
        deferred: false,
    }];
    let r = m.respond(&req).unwrap();
    assert_eq!(r.stop_reason, StopReason::ToolUse);
    let (id, input) = match &r.content[1] {
        OutBlock::ToolUse { id, name, input } if name == "Bash" => (id.clone(), input.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(input["command"], "echo n0nce");

    req.messages.push(Message {
        role: Role::Assistant,
        content: vec![Block::ToolUse {
            id: id.clone(),
            name: "Bash".into(),
            input,
            cache: None,
        }],
    });
    req.messages.push(Message {
        role: Role::User,
        content: vec![Block::ToolResult {
            tool_use_id: id,
            content: vec![Block::text("n0nce\n")],
            is_error: false,
            cache: None,
        }],
    });
    let r = m.respond(&req).unwrap();
    assert_eq!(text(&r), "The command printed: n0nce");
}

#[test]
fn fetches_with_the_users_question_and_answers_the_summarising_call() {
    let m = ScriptedModel::new();
    let prompt = "Use the WebFetch tool to fetch `http://127.0.0.1:1/n.html` and quote the line \
                  that starts with \"The code is\".";
    let mut req = request(vec![user(prompt)]);
    req.tools = vec![ToolDef {
        name: "WebFetch".into(),
        input_schema: json!({"type": "object"}),
        cache: None,
        deferred: false,
    }];
    let r = m.respond(&req).unwrap();
    let input = match &r.content[1] {
        OutBlock::ToolUse { name, input, .. } if name == "WebFetch" => input.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(input["url"], "http://127.0.0.1:1/n.html");
    assert_eq!(input["prompt"], prompt);
    // The CLI's summarising request to the small fast model (captured
    // from claude 2.1.331): the page as markdown, then the tool's prompt.
    let summarising = format!(
        "\nWeb page content:\n---\nTrial n\n\nThe code is wf-1\n---\n\n{prompt}\n\nProvide a \
         concise response based only on the content above."
    );
    let r = m.respond(&request(vec![user(&summarising)])).unwrap();
    assert_eq!(text(&r), "The code is wf-1");
}

#[test]
fn writes_the_requested_lines() {
    let input = write_input(
        "Use the Write tool to create the file `/tmp/x/a.txt` containing the line `L-1` repeated 3 times.",
    );
    assert_eq!(
        input,
        json!({"file_path": "/tmp/x/a.txt", "content": "L-1\nL-1\nL-1\n"})
    );
}

#[test]
fn thinking_signatures_are_checked() {
    let m = ScriptedModel::new();
    let mut req = request(vec![user("Reply with exactly `A`.")]);
    req.thinking = Thinking::Budget(1024);
    let r = m.respond(&req).unwrap();
    let OutBlock::Thinking {
        thinking,
        signature,
    } = r.content[0].clone()
    else {
        panic!()
    };

    let follow_up = |thinking: String, signature: String| {
        let mut next = req.clone();
        next.messages.push(Message {
            role: Role::Assistant,
            content: vec![
                Block::Thinking {
                    thinking,
                    signature,
                },
                Block::text("A"),
            ],
        });
        next.messages.push(user("Again."));
        m.respond(&next)
    };
    follow_up(thinking.clone(), signature.clone()).unwrap();
    let e = follow_up(format!("{thinking} (edited)"), signature).unwrap_err();
    assert!(e.message.contains("Invalid `signature`"), "{}", e.message);
}

#[test]
fn thinking_must_lead_a_tool_turn() {
    let m = ScriptedModel::new();
    let mut req = request(vec![user("go")]);
    req.thinking = Thinking::Adaptive;
    req.messages.push(Message {
        role: Role::Assistant,
        content: vec![Block::ToolUse {
            id: "t1".into(),
            name: "Bash".into(),
            input: json!({}),
            cache: None,
        }],
    });
    req.messages.push(Message {
        role: Role::User,
        content: vec![Block::ToolResult {
            tool_use_id: "t1".into(),
            content: vec![],
            is_error: false,
            cache: None,
        }],
    });
    let e = m.respond(&req).unwrap_err();
    assert!(
        e.message.contains("must start with a thinking block"),
        "{}",
        e.message
    );
}

#[test]
fn cache_creation_then_read_only_with_markers() {
    let m = ScriptedModel::new();
    let long = "x".repeat(20_000);
    let mut req = request(vec![user("Reply with exactly `A`.")]);
    req.system = vec![Block::Text {
        text: long.clone(),
        cache: Some(CacheTtl::FiveMinutes),
    }];
    let first = m.respond(&req).unwrap().usage;
    assert!(first.cache_creation_input_tokens > 1024, "{first:?}");
    assert_eq!(first.cache_read_input_tokens, 0);
    let second = m.respond(&req).unwrap().usage;
    assert!(second.cache_read_input_tokens > 1024, "{second:?}");

    let mut unmarked = req.clone();
    unmarked.system = vec![Block::text(long)];
    let u = m.respond(&unmarked).unwrap().usage;
    assert_eq!(
        (u.cache_read_input_tokens, u.cache_creation_input_tokens),
        (0, 0)
    );
}

#[test]
fn a_one_hour_write_is_reported_in_the_one_hour_bucket() {
    let m = ScriptedModel::new();
    let mut req = request(vec![user("Reply with exactly `A`.")]);
    req.system = vec![
        Block::Text {
            text: "x".repeat(20_000),
            cache: Some(CacheTtl::OneHour),
        },
        Block::Text {
            text: "y".repeat(8_000),
            cache: Some(CacheTtl::FiveMinutes),
        },
    ];
    let u = m.respond(&req).unwrap().usage;
    assert!(u.cache_creation_1h_input_tokens >= 5000, "{u:?}");
    assert!(u.cache_creation_5m_input_tokens() >= 2000, "{u:?}");
    let again = m.respond(&req).unwrap().usage;
    assert_eq!(again.cache_creation_input_tokens, 0, "{again:?}");
    assert_eq!(
        again.cache_read_input_tokens, u.cache_creation_input_tokens,
        "{again:?}"
    );
}

/// A GPT turn: reasoning on, at `effort`.
fn gpt(messages: Vec<Message>, effort: Option<&str>) -> ModelRequest {
    ModelRequest {
        model: "gpt-5.6-terra".into(),
        messages,
        thinking: Thinking::Adaptive,
        effort: effort.map(str::to_owned),
        ..ModelRequest::default()
    }
}

#[test]
fn gpt_reasoning_is_sealed_for_its_model_and_verified_on_replay() {
    let model = ScriptedModel::new();
    let resp = model
        .respond(&gpt(vec![user("Reply with exactly `G`.")], Some("low")))
        .unwrap();
    let Some(OutBlock::Thinking {
        thinking,
        signature,
    }) = resp.content.first()
    else {
        panic!("a GPT model reasons at low effort too: {resp:?}");
    };
    assert!(thinking.contains("(effort: low)"));
    assert_eq!(
        model.unseal("gpt-5.6-terra", signature).as_deref(),
        Some(thinking.as_str())
    );
    assert_eq!(model.unseal("gpt-5.6-sol", signature), None);
    assert_eq!(
        ScriptedModel::new().unseal("gpt-5.6-terra", signature),
        None
    );
    assert!(resp.usage.reasoning_tokens > 0);

    // Replayed as it was issued: accepted; altered: refused.
    let replay = |data: String| {
        gpt(
            vec![
                user("Reply with exactly `G`."),
                Message {
                    role: Role::Assistant,
                    content: vec![Block::RedactedThinking { data }, Block::text("G")],
                },
                user("Again."),
            ],
            None,
        )
    };
    assert!(model.respond(&replay(signature.clone())).is_ok());
    let e = model.respond(&replay(format!("{signature}x"))).unwrap_err();
    assert_eq!(e.rule, "responses.reasoning_encrypted");
    assert!(
        e.message.starts_with("The encrypted content gAAA..."),
        "{}",
        e.message
    );

    // Effort `none`: no reasoning at all.
    let resp = model
        .respond(&gpt(vec![user("Reply with exactly `G`.")], Some("none")))
        .unwrap();
    assert!(
        !resp
            .content
            .iter()
            .any(|b| matches!(b, OutBlock::Thinking { .. }))
    );
}

#[test]
fn a_gpt_tool_continuation_needs_no_reasoning_item() {
    let model = ScriptedModel::new();
    let req = gpt(
        vec![
            user("Use the Bash tool to run `echo hi`."),
            Message {
                role: Role::Assistant,
                content: vec![Block::ToolUse {
                    id: "call_1".into(),
                    name: "Bash".into(),
                    input: json!({"command": "echo hi"}),
                    cache: None,
                }],
            },
            Message {
                role: Role::User,
                content: vec![Block::ToolResult {
                    tool_use_id: "call_1".into(),
                    content: vec![Block::text("hi")],
                    is_error: false,
                    cache: None,
                }],
            },
        ],
        Some("high"),
    );
    assert!(model.respond(&req).is_ok());
    // A Claude model with thinking on refuses the same turn.
    let claude = ModelRequest {
        model: "claude-sonnet-4-6".into(),
        effort: None,
        ..req
    };
    assert_eq!(
        model.respond(&claude).unwrap_err().rule,
        "conv.thinking_tool_continuation"
    );
}
