"""Drives the OpenAI / Azure OpenAI simulator with the official `openai` Python SDK.

Run by compat-harness/tests/sim_conformance.rs with the SDK's own virtualenv (two
SDK generations: the one LiteLLM resolves and the newest 1.x). Everything comes by
environment:

  CONF_CLIENT       openai    `OpenAI(base_url=<sim>/v1)`: Responses, input_tokens, Chat Completions
                    azure     `AzureOpenAI(azure_endpoint=<sim>, api_version=...)`: chat on the
                              deployment route, Responses on /openai/responses
                    azure_v1  `OpenAI(base_url=<sim>/openai/v1/)`: Azure's v1 routes
  CONF_BASE_URL     the simulator's base URL (http://127.0.0.1:PORT)
  CONF_MODEL        the model id (on Azure: the deployment name, which is the model id)
  CONF_SECRET       the API key
  CONF_API_VERSION  Azure's api-version (azure only)
  CONF_RATE_LIMIT_MARKER  a prompt marker the test harness made the simulator answer 429 to
  CONF_SEARCH_KEY   the key of the page the test harness put in the simulator's search corpus

Prints one line per check: RESULT<TAB>route<TAB>pass|fail|skip<TAB>detail, and
exits 1 if any check failed. `skip` names what this SDK generation lacks.
"""

import base64
import json
import os

import openai

from common import expect, finish, png, record

ENV = os.environ
CLIENT = ENV["CONF_CLIENT"]
BASE = ENV["CONF_BASE_URL"]
MODEL = ENV["CONF_MODEL"]
SECRET = ENV["CONF_SECRET"]


def make_client(secret=SECRET, max_retries=2):
    if CLIENT == "openai":
        return openai.OpenAI(api_key=secret, base_url=BASE + "/v1", max_retries=max_retries)
    if CLIENT == "azure":
        return openai.AzureOpenAI(
            api_key=secret,
            api_version=ENV["CONF_API_VERSION"],
            azure_endpoint=BASE,
            max_retries=max_retries,
        )
    if CLIENT == "azure_v1":
        # Microsoft's v1 API takes the plain OpenAI client on {resource}/openai/v1/.
        return openai.OpenAI(api_key=secret, base_url=BASE + "/openai/v1/", max_retries=max_retries)
    raise SystemExit(f"unknown CONF_CLIENT {CLIENT}")


class Skip(Exception):
    pass


def check(route, only=None):
    def wrap(fn):
        if only is not None and CLIENT not in only:
            return fn
        record(route, fn, {Skip: "skip"})
        return fn

    return wrap


def data_url(media_type, data):
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


client = make_client()
PARAMS = {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}
# The same tool in the two APIs' shapes.
BASH_RESP = {"type": "function", "name": "Bash", "description": "Run a shell command", "parameters": PARAMS, "strict": False}
BASH_CHAT = {"type": "function", "function": {"name": "Bash", "description": "Run a shell command", "parameters": PARAMS}}
PONG = "Reply with exactly `PONG`."
COUNT = "Count from 1 to 12."
ONE_TO_12 = " ".join(str(i) for i in range(1, 13))


# ---------------------------------------------------------------- Responses

@check("responses (JSON)")
def _():
    r = client.responses.create(model=MODEL, input=PONG)
    expect(r.object == "response" and r.status == "completed", f"response {r.object} {r.status}")
    expect(r.output_text == "PONG", f"output_text {r.output_text!r}")
    expect(r.usage.input_tokens > 0 and r.usage.output_tokens > 0, f"usage {r.usage}")
    return f"id={r.id}"


@check("responses (SSE, responses.stream helper)")
def _():
    types = []
    with client.responses.stream(model=MODEL, input=COUNT) as s:
        for e in s:
            types.append(e.type)
        final = s.get_final_response()
    expect(final.output_text == ONE_TO_12, f"output_text {final.output_text!r}")
    expect(types[0] == "response.created" and types[-1] == "response.completed", f"events {types[:3]}..{types[-2:]}")
    expect(types.count("response.output_text.delta") > 1, f"{types.count('response.output_text.delta')} text deltas")
    return f"{len(types)} events"


@check("responses: hosted web_search_preview -> web_search_call + url_citation (JSON and SSE)")
def _():
    key = ENV["CONF_SEARCH_KEY"]
    kw = dict(
        model=MODEL,
        input=f"Perform a web search for the query: notes {key}",
        tools=[{"type": "web_search_preview"}],
    )
    r = client.responses.create(**kw)
    kinds = [i.type for i in r.output]
    expect("web_search_call" in kinds and "message" in kinds, f"output items {kinds}")
    call = next(i for i in r.output if i.type == "web_search_call")
    expect(call.status == "completed" and call.action.type == "search", f"call {call}")
    expect(call.action.query == f"notes {key}", f"query {call.action.query!r}")
    expect(kinds.index("web_search_call") < kinds.index("message"), f"order {kinds}")
    part = next(i for i in r.output if i.type == "message").content[0]
    notes = [a for a in part.annotations if a.type == "url_citation"]
    expect(len(notes) == 1 and notes[0].url == f"https://notes.example/{key}.html", f"annotations {part.annotations}")
    cited = part.text[notes[0].start_index:notes[0].end_index]
    expect("ws-conf" in cited, f"cited text {cited!r}")
    events = list(client.responses.create(stream=True, **kw))
    types = [e.type for e in events]
    phases = [t for t in types if t.startswith("response.web_search_call.")]
    expect(phases == ["response.web_search_call.in_progress", "response.web_search_call.searching",
                      "response.web_search_call.completed"], f"search events {phases}")
    added = [e.annotation for e in events if e.type == "response.output_text.annotation.added"]
    expect(len(added) == 1, f"annotation events {len(added)}")
    url = added[0]["url"] if isinstance(added[0], dict) else added[0].url
    expect(url == notes[0].url, f"streamed annotation {added[0]}")
    final = events[-1].response
    expect(any(i.type == "web_search_call" for i in final.output), "web_search_call in response.completed")
    return f"{len(events)} events"


@check("responses (SSE, stream=True: event types and sequence numbers)")
def _():
    events = list(client.responses.create(model=MODEL, input=COUNT, stream=True))
    types = [e.type for e in events]
    seq = [e.sequence_number for e in events]
    expect(seq == list(range(seq[0], seq[0] + len(seq))), f"sequence numbers {seq}")
    expect(types[:2] == ["response.created", "response.in_progress"], f"first events {types[:2]}")
    expect(types[-1] == "response.completed", f"last event {types[-1]}")
    # The message item's own events, in the SDK's order (a reasoning item
    # may come before it, with events of its own).
    message = next(e.output_index for e in events if e.type == "response.output_item.added" and e.item.type == "message")
    own = [e.type for e in events if getattr(e, "output_index", None) == message]
    order = ["response.output_item.added", "response.content_part.added", "response.output_text.delta",
             "response.output_text.done", "response.content_part.done", "response.output_item.done"]
    squeezed = [t for i, t in enumerate(own) if i == 0 or t != own[i - 1]]
    expect(squeezed == order, f"message item events {squeezed}")
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    expect(text == ONE_TO_12, f"deltas {text!r}")
    expect(events[-1].response.usage.output_tokens > 0, "usage in response.completed")


def function_call_turn(stream, tools=(BASH_RESP,), **kw):
    inp = [{"role": "user", "content": "Use the Bash tool to run `echo conformance`."}]
    args = dict(model=MODEL, input=inp, tools=list(tools), **kw)
    if stream:
        with client.responses.stream(**args) as s:
            r = s.get_final_response()
    else:
        r = client.responses.create(**args)
    call = next(o for o in r.output if o.type == "function_call")
    expect(call.name == "Bash" and call.call_id, f"function_call {call}")
    expect(json.loads(call.arguments).get("command") == "echo conformance", f"arguments {call.arguments}")
    inp += [o.model_dump(exclude_none=True) for o in r.output]
    inp.append({"type": "function_call_output", "call_id": call.call_id, "output": "conformance"})
    return r, inp


@check("responses: function call + function_call_output round trip")
def _():
    _, inp = function_call_turn(stream=False)
    r2 = client.responses.create(model=MODEL, input=inp, tools=[BASH_RESP])
    expect(r2.output_text == "The command printed: conformance", f"answer {r2.output_text!r}")


@check("responses: function call (stream, function_call_arguments.delta)")
def _():
    _, inp = function_call_turn(stream=True)
    with client.responses.stream(model=MODEL, input=inp, tools=[BASH_RESP]) as s:
        r2 = s.get_final_response()
    expect(r2.output_text == "The command printed: conformance", f"answer {r2.output_text!r}")


REASONING = dict(reasoning={"effort": "high"}, include=["reasoning.encrypted_content"])


@check("responses: reasoning item with encrypted_content, replayed")
def _():
    r, inp = function_call_turn(stream=False, **REASONING)
    items = [o for o in r.output if o.type == "reasoning"]
    expect(items and items[0].encrypted_content, f"reasoning items {items}")
    expect(r.usage.output_tokens_details.reasoning_tokens > 0, f"usage {r.usage}")
    r2 = client.responses.create(model=MODEL, input=inp, tools=[BASH_RESP], **REASONING)
    expect("The command printed: conformance" in r2.output_text, f"answer {r2.output_text!r}")


@check("responses: forged encrypted_content -> BadRequestError 400")
def _():
    _, inp = function_call_turn(stream=False, **REASONING)
    for item in inp:
        if isinstance(item, dict) and item.get("type") == "reasoning":
            item["encrypted_content"] = base64.b64encode(b"not issued by this service").decode()
    try:
        client.responses.create(model=MODEL, input=inp, tools=[BASH_RESP], **REASONING)
    except openai.BadRequestError as e:
        expect(e.status_code == 400 and isinstance(e.body, dict), f"{e.status_code} {e.body}")
        return f"code={e.body.get('code')}"
    raise AssertionError("accepted forged encrypted_content")


@check("responses: usage.input_tokens_details.cached_tokens on a repeated long prompt")
def _():
    # Well over the 1024-token minimum of automatic prompt caching.
    long = "conformance cache filler. " * 400
    kw = dict(model=MODEL, instructions=long, input=PONG, prompt_cache_key="conformance-cache")
    client.responses.create(**kw)
    r = client.responses.create(**kw)
    cached = r.usage.input_tokens_details.cached_tokens
    expect(cached > 0, f"usage {r.usage}")
    return f"cached_tokens={cached}"


@check("responses.input_tokens.count", only=("openai",))
def _():
    if not hasattr(client.responses, "input_tokens"):
        raise Skip(f"openai {openai.__version__} has no client.responses.input_tokens")
    short = client.responses.input_tokens.count(model=MODEL, input=PONG)
    longer = client.responses.input_tokens.count(model=MODEL, input=PONG + " Then stop." * 50)
    expect(short.object == "response.input_tokens" and short.input_tokens > 0, f"count {short}")
    expect(longer.input_tokens > short.input_tokens, f"{longer.input_tokens} <= {short.input_tokens}")
    return f"input_tokens={short.input_tokens}"


# -------------------------------------------------------- Chat Completions

def chat_text(c):
    return c.choices[0].message.content


@check("chat.completions (JSON)")
def _():
    c = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PONG}])
    expect(c.object == "chat.completion", f"object {c.object}")
    expect(chat_text(c) == "PONG", f"content {chat_text(c)!r}")
    expect(c.choices[0].finish_reason == "stop", f"finish_reason {c.choices[0].finish_reason}")
    expect(c.usage.prompt_tokens > 0 and c.usage.completion_tokens > 0, f"usage {c.usage}")
    return f"id={c.id}"


@check("chat.completions (stream, stream_options.include_usage)")
def _():
    chunks = list(client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": COUNT}], stream=True,
        stream_options={"include_usage": True},
    ))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    expect(text == ONE_TO_12, f"deltas {text!r}")
    last = chunks[-1]
    expect(last.choices == [] and last.usage and last.usage.total_tokens > 0, f"last chunk {last}")
    expect(all(c.usage is None for c in chunks[:-1]), "usage before the last chunk")
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    expect(finish == ["stop"], f"finish reasons {finish}")
    return f"{len(chunks)} chunks"


@check("chat.completions (stream without include_usage: no usage chunk)")
def _():
    chunks = list(client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": PONG}], stream=True))
    expect(all(c.usage is None for c in chunks), "a usage chunk")
    # Only Azure's prompt-annotation chunk goes without a choice.
    bare = [c for c in chunks if not c.choices]
    expect(all(getattr(c, "prompt_filter_results", None) for c in bare), f"choice-less chunks {bare}")


@check("chat.completions: Azure's content-filter annotations", only=("azure", "azure_v1"))
def _():
    c = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PONG}])
    expect(getattr(c, "prompt_filter_results", None), f"no prompt_filter_results: {c}")
    expect(getattr(c.choices[0], "content_filter_results", None), "no content_filter_results on the choice")
    first = next(iter(client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": PONG}], stream=True)))
    expect(first.choices == [] and getattr(first, "prompt_filter_results", None), f"first chunk {first}")


def chat_tool_turn(stream):
    msgs = [{"role": "user", "content": "Use the Bash tool to run `echo conformance`."}]
    if stream:
        chunks = list(client.chat.completions.create(model=MODEL, messages=msgs, tools=[BASH_CHAT], stream=True))
        calls = {}
        for c in chunks:
            for tc in (c.choices[0].delta.tool_calls or []) if c.choices else []:
                slot = calls.setdefault(tc.index, {"id": None, "name": None, "arguments": ""})
                slot["id"] = tc.id or slot["id"]
                if tc.function:
                    slot["name"] = tc.function.name or slot["name"]
                    slot["arguments"] += tc.function.arguments or ""
        expect(len(calls) == 1, f"tool calls {calls}")
        call = calls[0]
        msgs.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}]})
        call_id, name, arguments = call["id"], call["name"], call["arguments"]
    else:
        c = client.chat.completions.create(model=MODEL, messages=msgs, tools=[BASH_CHAT])
        expect(c.choices[0].finish_reason == "tool_calls", f"finish_reason {c.choices[0].finish_reason}")
        tc = c.choices[0].message.tool_calls[0]
        msgs.append(c.choices[0].message.model_dump(exclude_none=True))
        call_id, name, arguments = tc.id, tc.function.name, tc.function.arguments
    expect(name == "Bash" and json.loads(arguments).get("command") == "echo conformance", f"call {name} {arguments}")
    msgs.append({"role": "tool", "tool_call_id": call_id, "content": "conformance"})
    c2 = client.chat.completions.create(model=MODEL, messages=msgs, tools=[BASH_CHAT])
    expect(chat_text(c2) == "The command printed: conformance", f"answer {chat_text(c2)!r}")


@check("chat.completions: tool_calls + tool message round trip")
def _():
    chat_tool_turn(stream=False)


@check("chat.completions: tool_calls (stream, arguments fragments)")
def _():
    chat_tool_turn(stream=True)


@check("chat.completions: image_url (data URL PNG)")
def _():
    c = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": data_url("image/png", png((20, 40, 220)))}},
        {"type": "text", "text": "What colour is this image?"},
    ]}])
    expect("blue" in chat_text(c), f"answer {chat_text(c)!r}")


@check("chat.completions: image_url holding a PDF -> BadRequestError 400")
def _():
    try:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": data_url("application/pdf", b"%PDF-1.4\n")}},
        ]}])
    except openai.BadRequestError as e:
        expect(isinstance(e.body, dict) and e.body.get("code") == "invalid_image_format", f"body {e.body}")
        return str(e)[:100]
    raise AssertionError("accepted a PDF as an image")


@check("chat.completions: max_tokens on a GPT-5 model -> BadRequestError 400")
def _():
    try:
        client.chat.completions.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": PONG}])
    except openai.BadRequestError as e:
        expect(isinstance(e.body, dict) and e.body.get("code") == "unsupported_parameter", f"body {e.body}")
        return "refused"
    raise AssertionError("accepted max_tokens")


# ------------------------------------------------------------------ errors

@check("error: wrong API key -> AuthenticationError 401, body parsed")
def _():
    c = make_client(secret="wrong-" + SECRET, max_retries=0)
    try:
        c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    except openai.AuthenticationError as e:
        expect(e.status_code == 401, f"status {e.status_code}")
        expect(isinstance(e.body, dict) and e.body.get("message"), f"body {e.body}")
        return f"code={e.body.get('code')}"
    raise AssertionError("accepted a wrong key")


@check("error: unknown model / deployment -> NotFoundError 404")
def _():
    try:
        client.chat.completions.create(model="gpt-0-nonexistent", messages=[{"role": "user", "content": "hi"}])
    except openai.NotFoundError as e:
        expect(isinstance(e.body, dict) and e.body.get("message"), f"body {e.body}")
        return f"code={e.body.get('code')}"
    raise AssertionError("accepted an unknown model")


@check("error: unknown model on responses -> NotFoundError 404")
def _():
    try:
        client.responses.create(model="gpt-0-nonexistent", input="hi")
    except openai.NotFoundError as e:
        return f"code={(e.body or {}).get('code')}"
    raise AssertionError("accepted an unknown model")


@check("error: 429 -> RateLimitError (chat and responses)")
def _():
    marker = ENV["CONF_RATE_LIMIT_MARKER"]
    c = make_client(max_retries=0)
    seen = []
    try:
        c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": f"hi {marker}"}])
    except openai.RateLimitError as e:
        seen.append(e.status_code)
    try:
        c.responses.create(model=MODEL, input=f"hi {marker}")
    except openai.RateLimitError as e:
        seen.append(e.status_code)
    expect(seen == [429, 429], f"429s {seen}")


@check("error: no api-version on the dated route -> NotFoundError 404", only=("azure",))
def _():
    # AzureOpenAI always adds its api-version; the plain client on the
    # deployment's path, with Azure's api-key header, sends none.
    c = openai.OpenAI(
        api_key=SECRET, base_url=f"{BASE}/openai/deployments/{MODEL}", default_headers={"api-key": SECRET},
        max_retries=0,
    )
    try:
        c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    except openai.NotFoundError as e:
        return str(e)[:100]
    raise AssertionError("accepted a request without api-version")


finish()
