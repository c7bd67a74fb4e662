"""Drives the Bedrock Invoke and Converse simulators with boto3's own
`bedrock-runtime` client: its SigV4 signer, its event-stream parser, and its
service model. Every response is also walked against the operation's output
shape in botocore's service model (required members present, types right).

Run by compat-harness/tests/sim_conformance.rs. Environment:

  CONF_INVOKE_URL, CONF_CONVERSE_URL   the two simulators' base URLs
  CONF_AWS_ACCESS_KEY_ID, CONF_AWS_SECRET_ACCESS_KEY, CONF_AWS_REGION
  CONF_RATE_LIMIT_MARKER               a prompt marker the harness made the simulators answer 429 to

Prints RESULT<TAB>route<TAB>pass|fail|not_served<TAB>detail per check; exits 1
if any failed.
"""

import base64
import datetime
import json
import os
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

from common import expect, finish, png, record

ENV = os.environ
REGION = ENV["CONF_AWS_REGION"]
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


class NotServed(Exception):
    pass


def client(url, secret=None, access_key=None, retries=2):
    return boto3.client(
        "bedrock-runtime",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=access_key or ENV["CONF_AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or ENV["CONF_AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": retries, "mode": "standard"}),
    )


INVOKE = client(ENV["CONF_INVOKE_URL"])
CONVERSE = client(ENV["CONF_CONVERSE_URL"])
SERVICE = INVOKE.meta.service_model


def check(route):
    def wrap(fn):
        record(route, fn, {NotServed: "not_served"})
        return fn

    return wrap


# ---- the service-model walk ---------------------------------------------------

PY_TYPES = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (float, int),
    "float": (float, int),
    "timestamp": (datetime.datetime,),
}


def walk(shape, value, at):
    """Checks `value` (as botocore parsed it) against `shape`: every required
    member present, every member known, every scalar of the right type, enums
    within their values, unions with exactly one member."""
    t = shape.type_name
    if getattr(shape, "is_document_type", False) or shape.metadata.get("document"):
        return  # a document: any JSON value
    if t == "structure":
        expect(isinstance(value, dict), f"{at}: expected a structure, got {type(value).__name__}")
        # ResponseMetadata is botocore's own addition.
        keys = [k for k in value if k != "ResponseMetadata"]
        for name in shape.required_members:
            expect(name in value, f"{at}: required member {name} missing")
        for k in keys:
            expect(k in shape.members, f"{at}: unknown member {k}")
            walk(shape.members[k], value[k], f"{at}.{k}")
        if shape.metadata.get("union"):
            expect(len(keys) == 1, f"{at}: a union must set exactly one member, found {keys}")
    elif t == "list":
        expect(isinstance(value, list), f"{at}: expected a list")
        for i, v in enumerate(value):
            walk(shape.member, v, f"{at}[{i}]")
    elif t == "map":
        expect(isinstance(value, dict), f"{at}: expected a map")
        for k, v in value.items():
            walk(shape.value, v, f"{at}[{k}]")
    elif t == "blob":
        expect(isinstance(value, (bytes, bytearray)) or hasattr(value, "read"), f"{at}: expected a blob")
    elif t in PY_TYPES:
        ok = isinstance(value, PY_TYPES[t]) and not (t in ("integer", "long") and isinstance(value, bool))
        expect(ok, f"{at}: expected {t}, got {type(value).__name__} {value!r}")
        if t == "string" and shape.enum:
            expect(value in shape.enum, f"{at}: {value!r} is not one of {shape.enum}")
    else:
        raise AssertionError(f"{at}: unhandled shape type {t}")


def check_output(op, response):
    out = SERVICE.operation_model(op).output_shape
    members = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    for name, shape in out.members.items():
        if shape.serialization.get("eventstream") or getattr(shape, "is_event_stream", False):
            members.pop(name, None)
    stream_name = next((n for n, s in out.members.items() if s.type_name == "structure" and s.serialization.get("eventstream")), None)
    for name in out.required_members:
        expect(name in response, f"{op}: required member {name} missing")
    for k, v in members.items():
        expect(k in out.members, f"{op}: unknown member {k}")
        if k != stream_name:
            walk(out.members[k], v, f"{op}.{k}")
    return stream_name


def stream_events(op, response):
    """Iterates an event stream, walking each event against its member shape."""
    out = SERVICE.operation_model(op).output_shape
    name = next(n for n, s in out.members.items() if s.serialization.get("eventstream"))
    shape = out.members[name]
    events = []
    for event in response[name]:
        expect(len(event) == 1, f"{op}: an event has exactly one member, got {list(event)}")
        (kind, payload), = event.items()
        expect(kind in shape.members, f"{op}: unknown event {kind}")
        expect("Exception" not in shape.members[kind].name, f"{op}: error event {kind}: {payload}")
        walk(shape.members[kind], payload, f"{op}.{name}.{kind}")
        events.append((kind, payload))
    return events



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

# ---- Converse -------------------------------------------------------------------

TOOLS = {
    "tools": [
        {
            "toolSpec": {
                "name": "Bash",
                "description": "Run a shell command",
                "inputSchema": {"json": {"type": "object", "properties": {"command": {"type": "string"}}}},
            }
        }
    ]
}
THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}}


def user(text):
    return {"role": "user", "content": [{"text": text}]}


def converse_text(r):
    return "".join(b.get("text", "") for b in r["output"]["message"]["content"])


@check("converse")
def _():
    r = CONVERSE.converse(modelId=MODEL, messages=[user("Reply with exactly `PONG`.")], inferenceConfig={"maxTokens": 64})
    check_output("Converse", r)
    expect(converse_text(r) == "PONG", f"text {converse_text(r)!r}")
    expect(r["stopReason"] == "end_turn", r["stopReason"])


@check("converse_stream")
def _():
    r = CONVERSE.converse_stream(modelId=MODEL, messages=[user("Count from 1 to 12.")], inferenceConfig={"maxTokens": 64})
    check_output("ConverseStream", r)
    events = stream_events("ConverseStream", r)
    text = "".join(p["delta"].get("text", "") for k, p in events if k == "contentBlockDelta")
    expect(text == " ".join(str(i) for i in range(1, 13)), f"text {text!r}")
    kinds = [k for k, _ in events]
    expect(kinds[0] == "messageStart" and "messageStop" in kinds and kinds[-1] == "metadata", kinds)
    return f"{len(events)} events"


@check("converse: toolUse + toolResult round trip")
def _():
    msgs = [user("Use the Bash tool to run `echo conformance`.")]
    r = CONVERSE.converse(modelId=MODEL, messages=msgs, toolConfig=TOOLS, inferenceConfig={"maxTokens": 256})
    check_output("Converse", r)
    expect(r["stopReason"] == "tool_use", r["stopReason"])
    tool = next(b["toolUse"] for b in r["output"]["message"]["content"] if "toolUse" in b)
    expect(tool["input"].get("command") == "echo conformance", tool)
    msgs += [
        r["output"]["message"],
        {"role": "user", "content": [{"toolResult": {"toolUseId": tool["toolUseId"], "content": [{"text": "conformance"}]}}]},
    ]
    r2 = CONVERSE.converse(modelId=MODEL, messages=msgs, toolConfig=TOOLS, inferenceConfig={"maxTokens": 256})
    check_output("Converse", r2)
    expect(converse_text(r2) == "The command printed: conformance", converse_text(r2))


@check("converse_stream: toolUse")
def _():
    r = CONVERSE.converse_stream(
        modelId=MODEL, messages=[user("Use the Bash tool to run `echo streamed`.")], toolConfig=TOOLS
    )
    events = stream_events("ConverseStream", r)
    start = next(p for k, p in events if k == "contentBlockStart")
    expect(start["start"]["toolUse"]["name"] == "Bash", start)
    args = "".join(p["delta"]["toolUse"]["input"] for k, p in events if k == "contentBlockDelta" and "toolUse" in p["delta"])
    expect(json.loads(args).get("command") == "echo streamed", args)


def converse_thinking_turn(stream):
    msgs = [user("Use the Bash tool to run `echo thought`.")]
    kw = dict(
        modelId=MODEL, messages=msgs, toolConfig=TOOLS, inferenceConfig={"maxTokens": 2048},
        additionalModelRequestFields=THINKING,
    )
    if stream:
        events = stream_events("ConverseStream", CONVERSE.converse_stream(**kw))
        text, sig, tool, args = "", "", None, ""
        for k, p in events:
            if k == "contentBlockDelta":
                rc = p["delta"].get("reasoningContent", {})
                text += rc.get("text", "")
                sig += rc.get("signature", "")
                args += p["delta"].get("toolUse", {}).get("input", "")
            if k == "contentBlockStart":
                tool = p["start"]["toolUse"]
        expect(text and sig and tool, f"reasoning {text!r} signature {sig!r} tool {tool}")
        content = [
            {"reasoningContent": {"reasoningText": {"text": text, "signature": sig}}},
            {"toolUse": {"toolUseId": tool["toolUseId"], "name": tool["name"], "input": json.loads(args)}},
        ]
    else:
        r = CONVERSE.converse(**kw)
        check_output("Converse", r)
        content = r["output"]["message"]["content"]
        rt = content[0]["reasoningContent"]["reasoningText"]
        expect(rt["text"] and rt["signature"], rt)
        tool = next(b["toolUse"] for b in content if "toolUse" in b)
    msgs += [
        {"role": "assistant", "content": content},
        {"role": "user", "content": [{"toolResult": {"toolUseId": tool["toolUseId"], "content": [{"text": "thought"}]}}]},
    ]
    kw["messages"] = msgs
    return kw


@check("converse: reasoningContent signed, round trip")
def _():
    kw = converse_thinking_turn(stream=False)
    r = CONVERSE.converse(**kw)
    expect("The command printed: thought" in converse_text(r), converse_text(r))


@check("converse_stream: reasoning + signature delta, round trip")
def _():
    kw = converse_thinking_turn(stream=True)
    r = CONVERSE.converse(**kw)
    expect("The command printed: thought" in converse_text(r), converse_text(r))


@check("converse: tampered reasoning signature -> ValidationException")
def _():
    kw = converse_thinking_turn(stream=False)
    kw["messages"][1]["content"][0]["reasoningContent"]["reasoningText"]["text"] += " (edited)"
    try:
        CONVERSE.converse(**kw)
    except CONVERSE.exceptions.ValidationException as e:
        return e.response["Error"]["Message"][:100]
    raise AssertionError("accepted an edited reasoning block")


@check("converse: image")
def _():
    msgs = [{"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": png((20, 40, 220))}}}, {"text": "What colour?"}]}]
    r = CONVERSE.converse(modelId=MODEL, messages=msgs)
    check_output("Converse", r)
    expect("blue" in converse_text(r), converse_text(r))


@check("converse: document (PDF)")
def _():
    def ask(name):
        doc = {"document": {"format": "pdf", "name": name, "source": {"bytes": pdf("The code is conf-pdf-8")}}}
        return CONVERSE.converse(modelId=MODEL, messages=[{"role": "user", "content": [doc, {"text": "What does it say?"}]}])

    r = ask("DocumentPDFmessages_0123abcd_pdf")
    check_output("Converse", r)
    expect("conf-pdf-8" in converse_text(r), converse_text(r))
    try:
        ask("report.pdf")
    except CONVERSE.exceptions.ValidationException as e:
        expect("document file name" in e.response["Error"]["Message"], e.response["Error"]["Message"])
        return "read; a name with a dot is a ValidationException"
    raise AssertionError("a document name with a dot was accepted")


@check("converse: cachePoint (write then read)")
def _():
    nonce = base64.b32encode(os.urandom(5)).decode()
    system = [{"text": "You are a conformance test. " + "Remember the rules of this test. " * 700 + nonce}, {"cachePoint": {"type": "default"}}]
    kw = dict(modelId=MODEL, system=system, messages=[user(f"Reply with exactly `{nonce}`.")])
    first = CONVERSE.converse(**kw)
    second = CONVERSE.converse(**kw)
    check_output("Converse", first)
    check_output("Converse", second)
    expect(first["usage"].get("cacheWriteInputTokens", 0) > 0, first["usage"])
    expect(second["usage"].get("cacheReadInputTokens", 0) > 0, second["usage"])
    return f"write={first['usage']['cacheWriteInputTokens']} read={second['usage']['cacheReadInputTokens']}"


@check("converse: invalid request -> ValidationException")
def _():
    try:
        CONVERSE.converse(
            modelId=MODEL, messages=[user("hi")], inferenceConfig={"maxTokens": 2048},
            additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 100}},
        )
    except CONVERSE.exceptions.ValidationException as e:
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response)
        return e.response["Error"]["Message"][:100]
    raise AssertionError("accepted budget_tokens 100")


@check("converse: 429 -> ThrottlingException")
def _():
    c = client(ENV["CONF_CONVERSE_URL"], retries=1)
    try:
        c.converse(modelId=MODEL, messages=[user("hi " + ENV["CONF_RATE_LIMIT_MARKER"])])
    except c.exceptions.ThrottlingException as e:
        return e.response["Error"]["Message"][:100]
    raise AssertionError("no ThrottlingException")


@check("converse: bad SigV4 (wrong secret) -> 403")
def _():
    c = client(ENV["CONF_CONVERSE_URL"], secret="wrong" + ENV["CONF_AWS_SECRET_ACCESS_KEY"][5:], retries=1)
    try:
        c.converse(modelId=MODEL, messages=[user("hi")])
    except ClientError as e:
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response)
        expect(e.response["Error"]["Code"] == "InvalidSignatureException", e.response["Error"])
        return e.response["Error"]["Code"]
    raise AssertionError("accepted a bad signature")


@check("converse: unknown access key -> 403 UnrecognizedClientException")
def _():
    c = client(ENV["CONF_CONVERSE_URL"], access_key="AKIANOTTHESIMULATOR0", retries=1)
    try:
        c.converse(modelId=MODEL, messages=[user("hi")])
    except ClientError as e:
        expect(e.response["Error"]["Code"] == "UnrecognizedClientException", e.response["Error"])
        return e.response["Error"]["Code"]
    raise AssertionError("accepted an unknown access key")


@check("count_tokens")
def _():
    try:
        CONVERSE.count_tokens(modelId=MODEL, input={"converse": {"messages": [user("hi")]}})
    except ClientError as e:
        raise NotServed(f"the simulator does not serve CountTokens ({e.response['ResponseMetadata']['HTTPStatusCode']})") from e
    return "served"


# ---- InvokeModel ----------------------------------------------------------------


def invoke_body(**extra):
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 256}
    body.update(extra)
    return json.dumps(body)


@check("invoke_model")
def _():
    r = INVOKE.invoke_model(modelId=MODEL, body=invoke_body(messages=[{"role": "user", "content": "Reply with exactly `PONG`."}]))
    check_output("InvokeModel", r)
    expect(r["contentType"] == "application/json", r["contentType"])
    m = json.loads(r["body"].read())
    expect(m["content"][0]["text"] == "PONG", m)


@check("invoke_model_with_response_stream")
def _():
    r = INVOKE.invoke_model_with_response_stream(
        modelId=MODEL, body=invoke_body(messages=[{"role": "user", "content": "Count from 1 to 12."}])
    )
    check_output("InvokeModelWithResponseStream", r)
    events = [json.loads(p["bytes"]) for k, p in stream_events("InvokeModelWithResponseStream", r)]
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    expect(text == " ".join(str(i) for i in range(1, 13)), text)
    expect(events[-1]["type"] == "message_stop" and "amazon-bedrock-invocationMetrics" in events[-1], events[-1])
    return f"{len(events)} chunks"


@check("invoke_model: thinking + tool round trip")
def _():
    tools = [{"name": "Bash", "description": "Run", "input_schema": {"type": "object"}}]
    msgs = [{"role": "user", "content": "Use the Bash tool to run `echo thought`."}]
    th = {"type": "enabled", "budget_tokens": 1024}
    m = json.loads(INVOKE.invoke_model(modelId=MODEL, body=invoke_body(max_tokens=2048, thinking=th, tools=tools, messages=msgs))["body"].read())
    expect(m["content"][0]["type"] == "thinking" and m["content"][0]["signature"], m["content"][0])
    tool = next(b for b in m["content"] if b["type"] == "tool_use")
    msgs += [{"role": "assistant", "content": m["content"]}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool["id"], "content": "thought"}]}]
    m2 = json.loads(INVOKE.invoke_model(modelId=MODEL, body=invoke_body(max_tokens=2048, thinking=th, tools=tools, messages=msgs))["body"].read())
    expect("The command printed: thought" in m2["content"][-1]["text"], m2)


@check("invoke_model: invalid body -> ValidationException")
def _():
    try:
        INVOKE.invoke_model(modelId=MODEL, body=invoke_body(messages=[{"role": "user", "content": "hi"}], stream=True))
    except INVOKE.exceptions.ValidationException as e:
        return e.response["Error"]["Message"][:100]
    raise AssertionError("accepted stream in an Invoke body")


@check("invoke_model_with_response_stream: 429 -> ThrottlingException")
def _():
    c = client(ENV["CONF_INVOKE_URL"], retries=1)
    try:
        r = c.invoke_model_with_response_stream(
            modelId=MODEL, body=invoke_body(messages=[{"role": "user", "content": "hi " + ENV["CONF_RATE_LIMIT_MARKER"]}])
        )
        list(r["body"])
    except c.exceptions.ThrottlingException as e:
        return e.response["Error"]["Message"][:100]
    raise AssertionError("no ThrottlingException")


@check("invoke_model: bad SigV4 (wrong secret) -> 403")
def _():
    c = client(ENV["CONF_INVOKE_URL"], secret="wrong" + ENV["CONF_AWS_SECRET_ACCESS_KEY"][5:], retries=1)
    try:
        c.invoke_model(modelId=MODEL, body=invoke_body(messages=[{"role": "user", "content": "hi"}]))
    except ClientError as e:
        expect(e.response["Error"]["Code"] == "InvalidSignatureException", e.response["Error"])
        return e.response["Error"]["Code"]
    raise AssertionError("accepted a bad signature")


print(f"INFO\tboto3 {boto3.__version__}, botocore {botocore.__version__}", file=sys.stderr)
finish()
