"""Drives one Anthropic-dialect simulator with the official Anthropic Python SDK.

Run by compat-harness/tests/sim_conformance.rs with the SDK's own virtualenv (two
SDK generations). Everything comes by environment:

  CONF_CLIENT     anthropic | vertex | bedrock | foundry | mantle (API key) | mantle_sigv4
                  | aws (Claude Platform on AWS, API key) | aws_sigv4
  CONF_BASE_URL   the simulator's base URL (http://127.0.0.1:PORT)
  CONF_MODEL      the model id as that provider spells it
  CONF_SECRET     the credential: API key, Vertex access token, or AWS secret key
  CONF_AWS_ACCESS_KEY_ID, CONF_AWS_REGION, CONF_VERTEX_PROJECT, CONF_VERTEX_LOCATION,
  CONF_VERTEX_SA_KEY, CONF_AWS_WORKSPACE_ID (Claude Platform on AWS)
  CONF_RATE_LIMIT_MARKER  a prompt marker the test harness made the simulator answer 429 to

Prints one line per check: RESULT<TAB>route<TAB>pass|fail|not_served<TAB>detail,
and exits 1 if any check failed.
"""

import base64
import os

import anthropic

from common import expect, finish, png, record

ENV = os.environ
CLIENT = ENV["CONF_CLIENT"]
BASE = ENV["CONF_BASE_URL"]
MODEL = ENV["CONF_MODEL"]
SECRET = ENV["CONF_SECRET"]


def make_client(secret=SECRET, max_retries=2):
    if CLIENT == "anthropic":
        return anthropic.Anthropic(api_key=secret, base_url=BASE, max_retries=max_retries)
    if CLIENT == "foundry":
        # Foundry's Claude endpoint is {resource}/anthropic/v1/messages.
        return anthropic.AnthropicFoundry(api_key=secret, base_url=BASE + "/anthropic", max_retries=max_retries)
    if CLIENT == "vertex":
        return anthropic.AnthropicVertex(
            region=ENV["CONF_VERTEX_LOCATION"],
            project_id=ENV["CONF_VERTEX_PROJECT"],
            access_token=secret,
            base_url=BASE + "/v1",
            max_retries=max_retries,
        )
    if CLIENT == "bedrock":
        return anthropic.AnthropicBedrock(
            aws_access_key=ENV["CONF_AWS_ACCESS_KEY_ID"],
            aws_secret_key=secret,
            aws_region=ENV["CONF_AWS_REGION"],
            base_url=BASE,
            max_retries=max_retries,
        )
    if CLIENT in ("mantle", "mantle_sigv4"):
        # Bedrock Mantle's Anthropic base is {host}/anthropic (the client's
        # default https://bedrock-mantle.{region}.api.aws/anthropic).
        from anthropic.lib.bedrock import AnthropicBedrockMantle

        if CLIENT == "mantle":
            return AnthropicBedrockMantle(
                api_key=secret, aws_region=ENV["CONF_AWS_REGION"], base_url=BASE + "/anthropic", max_retries=max_retries
            )
        return AnthropicBedrockMantle(
            aws_access_key=ENV["CONF_AWS_ACCESS_KEY_ID"],
            aws_secret_key=secret,
            aws_region=ENV["CONF_AWS_REGION"],
            base_url=BASE + "/anthropic",
            max_retries=max_retries,
        )
    if CLIENT in ("aws", "aws_sigv4"):
        # Claude Platform on AWS (anthropic/lib/aws/_client.py): the service's
        # root is the base URL (default https://aws-external-anthropic.{region}.api.aws).
        return aws_client(secret=secret, max_retries=max_retries)
    raise SystemExit(f"unknown CONF_CLIENT {CLIENT}")


def aws_client(secret=SECRET, max_retries=2, workspace_id=None, skip_auth=False):
    from anthropic.lib.aws import AnthropicAWS

    workspace_id = workspace_id or ENV["CONF_AWS_WORKSPACE_ID"]
    if skip_auth:
        return AnthropicAWS(
            skip_auth=True, workspace_id=workspace_id, aws_region=ENV["CONF_AWS_REGION"], base_url=BASE,
            max_retries=max_retries,
        )
    if CLIENT == "aws":
        return AnthropicAWS(
            api_key=secret, workspace_id=workspace_id, aws_region=ENV["CONF_AWS_REGION"], base_url=BASE,
            max_retries=max_retries,
        )
    return AnthropicAWS(
        aws_access_key=ENV["CONF_AWS_ACCESS_KEY_ID"],
        aws_secret_key=secret,
        aws_region=ENV["CONF_AWS_REGION"],
        workspace_id=workspace_id,
        base_url=BASE,
        max_retries=max_retries,
    )


def check(route, only=None):
    def wrap(fn):
        if only is not None and CLIENT != only:
            return fn
        record(route, fn, {NotServed: "not_served"})
        return fn

    return wrap


class NotServed(Exception):
    pass


def pdf(text):
    """A one-page PDF whose page says `text` (Helvetica), written by hand as
    the PDF 1.4 reference lays it out (catalog, pages, page, content, font,
    xref with exact offsets), so that the check needs no PDF package."""
    content = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out

client = make_client()
BASH = {
    "name": "Bash",
    "description": "Run a shell command",
    "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
}
THINKING = {"type": "enabled", "budget_tokens": 1024}


def text_of(message):
    return "".join(b.text for b in message.content if b.type == "text")


@check("messages (JSON)")
def _():
    m = client.messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Reply with exactly `PONG`."}]
    )
    expect(isinstance(m, anthropic.types.Message), f"not a Message: {type(m)}")
    expect(text_of(m) == "PONG", f"text {text_of(m)!r}")
    expect(m.stop_reason == "end_turn", f"stop_reason {m.stop_reason}")
    expect(m.usage.input_tokens > 0 and m.usage.output_tokens > 0, f"usage {m.usage}")
    return f"id={m.id}"


@check("messages (SSE stream)")
def _():
    events = []
    with client.messages.stream(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Count from 1 to 12."}]
    ) as s:
        for e in s:
            events.append(e.type)
        final = s.get_final_message()
    expect(text_of(final) == " ".join(str(i) for i in range(1, 13)), f"text {text_of(final)!r}")
    deltas = events.count("text")
    expect(deltas > 1, f"{deltas} text events")
    expect(events[0] == "message_start" and events[-1] == "message_stop", f"events {events[:3]}..{events[-3:]}")
    return f"{len(events)} events"


@check("tool use + tool_result round trip")
def _():
    msgs = [{"role": "user", "content": "Use the Bash tool to run `echo conformance`."}]
    m = client.messages.create(model=MODEL, max_tokens=256, tools=[BASH], messages=msgs)
    expect(m.stop_reason == "tool_use", f"stop_reason {m.stop_reason}")
    tool = next(b for b in m.content if b.type == "tool_use")
    expect(tool.name == "Bash" and tool.input.get("command") == "echo conformance", f"tool_use {tool}")
    msgs += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in m.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "conformance"}]},
    ]
    m2 = client.messages.create(model=MODEL, max_tokens=256, tools=[BASH], messages=msgs)
    expect(text_of(m2) == "The command printed: conformance", f"answer {text_of(m2)!r}")


@check("tool use (stream, input_json_delta)")
def _():
    with client.messages.stream(
        model=MODEL,
        max_tokens=256,
        tools=[BASH],
        messages=[{"role": "user", "content": "Use the Bash tool to run `echo streamed`."}],
    ) as s:
        final = s.get_final_message()
    tool = next(b for b in final.content if b.type == "tool_use")
    expect(tool.input.get("command") == "echo streamed", f"input {tool.input}")


def thinking_turn(stream):
    msgs = [{"role": "user", "content": "Use the Bash tool to run `echo thought`."}]
    kw = dict(model=MODEL, max_tokens=2048, thinking=THINKING, tools=[BASH], messages=msgs)
    if stream:
        with client.messages.stream(**kw) as s:
            m = s.get_final_message()
    else:
        m = client.messages.create(**kw)
    th = m.content[0]
    expect(th.type == "thinking" and th.thinking and th.signature, f"first block {th}")
    tool = next(b for b in m.content if b.type == "tool_use")
    msgs += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in m.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "thought"}]},
    ]
    return m, msgs


@check("thinking: signed block, round trip")
def _():
    _, msgs = thinking_turn(stream=False)
    m2 = client.messages.create(model=MODEL, max_tokens=2048, thinking=THINKING, tools=[BASH], messages=msgs)
    expect("The command printed: thought" in text_of(m2), f"answer {text_of(m2)!r}")


@check("thinking (stream, signature_delta) round trip")
def _():
    _, msgs = thinking_turn(stream=True)
    with client.messages.stream(
        model=MODEL, max_tokens=2048, thinking=THINKING, tools=[BASH], messages=msgs
    ) as s:
        m2 = s.get_final_message()
    expect("The command printed: thought" in text_of(m2), f"answer {text_of(m2)!r}")


@check("thinking: tampered signature -> BadRequestError 400")
def _():
    _, msgs = thinking_turn(stream=False)
    msgs[1]["content"][0]["thinking"] += " (edited)"
    try:
        client.messages.create(model=MODEL, max_tokens=2048, thinking=THINKING, tools=[BASH], messages=msgs)
    except anthropic.BadRequestError as e:
        expect(e.status_code == 400, f"status {e.status_code}")
        return "refused"
    raise AssertionError("accepted an edited thinking block")


@check("image (base64 PNG)")
def _():
    data = base64.b64encode(png((20, 40, 220))).decode()
    m = client.messages.create(
        model=MODEL,
        max_tokens=128,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
                    {"type": "text", "text": "What colour is this image?"},
                ],
            }
        ],
    )
    expect("blue" in text_of(m), f"answer {text_of(m)!r}")


@check("document (PDF)")
def _():
    data = base64.b64encode(pdf("The code is conf-pdf-7")).decode()
    m = client.messages.create(
        model=MODEL,
        max_tokens=64,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": data}},
                    {"type": "text", "text": "What does the document say?"},
                ],
            }
        ],
    )
    expect("conf-pdf-7" in text_of(m), f"answer {text_of(m)!r}")
    try:
        client.messages.create(
            model=MODEL,
            max_tokens=64,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(b"no pdf").decode()}},
                        {"type": "text", "text": "Summarise."},
                    ],
                }
            ],
        )
    except anthropic.BadRequestError:
        return "read; a broken PDF is a BadRequestError"
    raise AssertionError("a file that is no PDF was accepted")


@check("prompt caching (write then read)")
def _():
    # ~24k characters: above every model's minimum cacheable length at ~4 chars a token.
    system = [
        {
            "type": "text",
            "text": "You are a conformance test. " + "Remember the rules of this test. " * 700,
            "cache_control": {"type": "ephemeral"},
        }
    ]
    nonce = base64.b32encode(os.urandom(5)).decode()
    msgs = [{"role": "user", "content": f"Reply with exactly `{nonce}`."}]
    system[0]["text"] += nonce
    first = client.messages.create(model=MODEL, max_tokens=64, system=system, messages=msgs)
    second = client.messages.create(model=MODEL, max_tokens=64, system=system, messages=msgs)
    expect(first.usage.cache_creation_input_tokens > 0, f"first usage {first.usage}")
    expect(second.usage.cache_read_input_tokens > 0, f"second usage {second.usage}")
    return f"write={first.usage.cache_creation_input_tokens} read={second.usage.cache_read_input_tokens}"


@check("error: invalid request -> BadRequestError 400")
def _():
    try:
        client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}], extra_body={"colour": "red"}
        )
    except anthropic.BadRequestError as e:
        expect(e.status_code == 400, f"status {e.status_code}")
        return str(e)[:100]
    raise AssertionError("accepted an unknown top-level field")


@check("error: unknown model -> NotFoundError 404")
def _():
    try:
        client.messages.create(model="gpt-4o", max_tokens=64, messages=[{"role": "user", "content": "hi"}])
    except anthropic.NotFoundError as e:
        return str(e)[:100]
    except anthropic.BadRequestError as e:
        # Bedrock answers an unknown model id with ValidationException (400).
        expect(CLIENT == "bedrock", f"400 from {CLIENT}")
        return "400 ValidationException (Bedrock's answer): " + str(e)[:80]
    raise AssertionError("accepted an unknown model")


@check("error: 429 -> RateLimitError")
def _():
    marker = ENV["CONF_RATE_LIMIT_MARKER"]
    c = make_client(max_retries=0)
    try:
        c.messages.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": f"hi {marker}"}])
    except anthropic.RateLimitError as e:
        return str(e)[:100]
    raise AssertionError("no 429")


@check("auth: wrong credential refused")
def _():
    c = make_client(secret="wrong-" + SECRET, max_retries=0)
    signed = CLIENT in ("bedrock", "mantle_sigv4", "aws_sigv4")
    want = anthropic.PermissionDeniedError if signed else anthropic.AuthenticationError
    try:
        c.messages.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}])
    except want as e:
        return f"{type(e).__name__} {e.status_code}"
    raise AssertionError(f"expected {want.__name__}")


@check("/token: google-auth service-account exchange, then rawPredict", only="vertex")
def _():
    from google.oauth2 import service_account

    # The simulator's service-account key: its /token verifies the JWT's
    # RS256 signature against it, as Google's does.
    pem = ENV["CONF_VERTEX_SA_KEY"]
    info = {
        "type": "service_account",
        "project_id": ENV["CONF_VERTEX_PROJECT"],
        "private_key_id": "k",
        "private_key": pem,
        "client_email": "conformance@sim-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": BASE + "/token",
    }
    creds = service_account.Credentials.from_service_account_info(
        info, scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    c = anthropic.AnthropicVertex(
        region=ENV["CONF_VERTEX_LOCATION"],
        project_id=ENV["CONF_VERTEX_PROJECT"],
        credentials=creds,
        base_url=BASE + "/v1",
    )
    m = c.messages.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Reply with exactly `SA`."}])
    expect(text_of(m) == "SA", f"text {text_of(m)!r}")
    return "token from /token, then rawPredict"


@check("models.list: the Models API, paged by the SDK", only="anthropic")
def _():
    # LiteLLM's /anthropic pass-through forwards GET /anthropic/v1/models
    # here; the SDK parses ModelInfo and follows has_more/last_id itself.
    page = client.models.list(limit=2)
    expect(page.has_more and len(page.data) == 2, f"first page {page}")
    expect(page.first_id == page.data[0].id and page.last_id == page.data[1].id, f"cursors {page}")
    models = list(client.models.list(limit=2))
    ids = [m.id for m in models]
    expect(len(ids) == 3 and len(set(ids)) == 3, f"ids over pages {ids}")
    expect(MODEL in ids, f"{MODEL} not listed: {ids}")
    for m in models:
        expect(m.type == "model" and m.display_name and m.created_at.year >= 1970, f"model {m}")
    try:
        make_client(secret="wrong-" + SECRET, max_retries=0).models.list()
    except anthropic.AuthenticationError:
        pass
    else:
        raise AssertionError("a wrong key listed the models")
    return ", ".join(ids)


@check("workspace: no anthropic-workspace-id header -> BadRequestError 400", only="aws")
def _():
    # The client always sends the header (skip_auth without a workspace id is
    # the only way to leave it out); the service refuses such a request.
    from anthropic.lib.aws import AnthropicAWS

    c = AnthropicAWS(skip_auth=True, aws_region=ENV["CONF_AWS_REGION"], base_url=BASE, max_retries=0,
                     default_headers={"x-api-key": SECRET})
    try:
        c.messages.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}])
    except anthropic.BadRequestError as e:
        expect("anthropic-workspace-id" in str(e), f"words {e}")
        return str(e)[:100]
    raise AssertionError("accepted a request without a workspace id")


@check("workspace: client refuses to start without a workspace id", only="aws")
def _():
    # Not the simulator: the official client's own refusal, the evidence for
    # the simulator's rule (ledger claude_platform_aws.workspace_required).
    os.environ.pop("ANTHROPIC_AWS_WORKSPACE_ID", None)
    from anthropic.lib.aws import AnthropicAWS

    try:
        AnthropicAWS(api_key=SECRET, aws_region=ENV["CONF_AWS_REGION"], base_url=BASE)
    except anthropic.AnthropicError as e:
        expect("No workspace ID found" in str(e), f"words {e}")
        return str(e)[:80]
    raise AssertionError("the client started without a workspace id")


@check("workspace: another workspace -> PermissionDeniedError 403", only="aws_sigv4")
def _():
    c = aws_client(max_retries=0, workspace_id="wrkspc_someone_else")
    try:
        c.messages.create(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}])
    except anthropic.PermissionDeniedError as e:
        return str(e)[:100]
    raise AssertionError("accepted a foreign workspace")


@check("count_tokens")
def _():
    try:
        r = client.messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    except anthropic.NotFoundError as e:
        raise NotServed("the simulator does not serve count_tokens (404)") from e
    except Exception as e:  # noqa: BLE001 - e.g. a client that has no such route
        raise NotServed(f"{type(e).__name__}: {str(e)[:120]}") from e
    return f"input_tokens={r.input_tokens}"


finish()
