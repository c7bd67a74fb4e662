"""Sends the rule ledger's probes (xtask/probes/*.yaml) with the providers' own clients.

Run by `cargo xtask probe` with the newest Anthropic SDK's virtualenv (anthropic + boto3,
compat_core::tools::sdks). One run sends every probe to one target:

  CONF_PROBES   a JSON file: the list of probes, as xtask/src/probe.rs writes it
                ({rule, api, model, request: {set, remove, headers, omit_headers, auth, path,
                endpoint, raw_body}})
  CONF_TARGET   a JSON file: {"mode": "sim" | "live", "apis": {api: {...}}}; in sim mode each
                api holds the simulator's base URL and its fake credentials; in live mode the
                clients read the same environment variables live mode's proxies read
                (docs/live.md) and an api missing from "apis" is not asked.

Clients: anthropic.Anthropic (anthropic), AnthropicFoundry (azure), AnthropicVertex (vertex_ai),
AnthropicBedrockMantle (bedrock_mantle), AnthropicAWS (claude_platform_aws), boto3 bedrock-runtime invoke_model / converse /
count_tokens (bedrock_invoke, bedrock_converse). A header the client always sends is removed with
the SDK's own `Omit`; no request is signed by hand.

Prints one line per probe: PROBE<TAB>{"index", "rule", "api", "status", "kind", "words"} where kind is
"answered" (status + the provider's error words, "" on 2xx) or "could_not_ask" (words = why).
"""

import json
import os
import sys
import traceback

import anthropic
from anthropic import Omit

ENV = os.environ
PROMPT = "Reply with the single word ok."
# In sim mode each request carries its probe's index, so that xtask can read the
# ledger rule the simulator's record names for it. Never sent to a real provider.
PROBE_HEADER = "x-compat-probe"


def load(name):
    with open(ENV[name], encoding="utf-8") as f:
        return json.load(f)


TARGET = load("CONF_TARGET")
MODE = TARGET["mode"]
APIS = TARGET["apis"]


def out(index, rule, api, kind, status=0, words=""):
    line = {"index": index, "rule": rule, "api": api, "kind": kind, "status": status, "words": words}
    print("PROBE\t" + json.dumps(line), flush=True)


def error_words(body_text):
    """The provider's own error message, from any of the five error shapes."""
    try:
        body = json.loads(body_text)
    except ValueError:
        return body_text.strip()[:400]
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        if isinstance(err, str):
            desc = body.get("error_description")
            return f"{err}: {desc}" if desc else err
        for key in ("message", "Message"):
            if isinstance(body.get(key), str):
                return body[key]
    return body_text.strip()[:400]


# ---- the Anthropic SDK's clients -------------------------------------------------------------


def anthropic_client(api, conf, invalid, no_workspace=False):
    kw = {"max_retries": 0, "timeout": 60}
    if MODE == "sim":
        kw["base_url"] = conf["base_url"]
    if api == "anthropic":
        key = "sk-ant-api03-invalid-probe-key" if invalid else (conf.get("api_key") or ENV["ANTHROPIC_API_KEY"])
        return anthropic.Anthropic(api_key=key, **kw)
    if api == "azure":
        base = conf["base_url"] if MODE == "sim" else ENV["AZURE_AI_API_BASE"]
        base = base.rstrip("/")
        if not base.endswith("/anthropic"):
            base += "/anthropic"
        kw["base_url"] = base
        key = "invalid-probe-key" if invalid else (conf.get("api_key") or ENV["AZURE_AI_API_KEY"])
        return anthropic.AnthropicFoundry(api_key=key, **kw)
    if api == "vertex_ai":
        if MODE == "sim":
            kw["base_url"] = conf["base_url"] + "/v1"
            kw["access_token"] = conf["access_token"]
        project = conf.get("project") or ENV["VERTEX_PROJECT"]
        region = conf.get("location") or ENV["VERTEX_LOCATION"]
        if MODE == "live" and region != ENV["VERTEX_LOCATION"]:
            # A probe of another location: the client would send it to that
            # region's host (which may not exist); keep the configured host.
            home = ENV["VERTEX_LOCATION"]
            host = "aiplatform.googleapis.com" if home == "global" else f"{home}-aiplatform.googleapis.com"
            kw["base_url"] = f"https://{host}/v1"
        if invalid:
            kw["access_token"] = "ya29.invalid-probe-token"
        return anthropic.AnthropicVertex(project_id=project, region=region, **kw)
    if api == "bedrock_mantle":
        from anthropic.lib.bedrock import AnthropicBedrockMantle

        region = conf.get("region") or ENV["AWS_REGION_NAME"]
        if MODE == "sim":
            kw["base_url"] = conf["base_url"] + "/anthropic"
        key = "ABSKinvalid-probe-key" if invalid else (conf.get("api_key") or ENV["BEDROCK_MANTLE_API_KEY"])
        return AnthropicBedrockMantle(api_key=key, aws_region=region, **kw)
    if api == "claude_platform_aws":
        from anthropic.lib.aws import AnthropicAWS

        region = conf.get("region") or ENV["AWS_REGION_NAME"]
        workspace = conf.get("workspace_id") or ENV["ANTHROPIC_AWS_WORKSPACE_ID"]
        key = "sk-ant-api03-invalid-probe-key" if invalid else (conf.get("api_key") or ENV["ANTHROPIC_AWS_API_KEY"])
        if no_workspace:
            # The client always sends the workspace header; skip_auth without
            # a workspace id is its only way to leave it out (as
            # conformance/anthropic_clients.py's workspace check does), the key
            # then goes as a plain header.
            return AnthropicAWS(skip_auth=True, aws_region=region, default_headers={"x-api-key": key}, **kw)
        return AnthropicAWS(api_key=key, workspace_id=workspace, aws_region=region, **kw)
    raise ValueError(f"no Anthropic SDK client for {api}")


def anthropic_body(api, model, req):
    body = {"model": model, "max_tokens": 8, "messages": [{"role": "user", "content": PROMPT}]}
    return shape(body, req)


def shape(body, req):
    body.update(req.get("set") or {})
    for key in req.get("remove") or []:
        body.pop(key, None)
    return body


def send_anthropic(p):
    api, req = p["api"], p.get("request") or {}
    conf = {**APIS[api], **(req.get("target") or {})}
    no_workspace = "anthropic-workspace-id" in (req.get("omit_headers") or [])
    client = anthropic_client(api, conf, req.get("auth") == "invalid", no_workspace)
    headers = dict(req.get("headers") or {})
    if MODE == "sim":
        headers[PROBE_HEADER] = str(p["index"])
    for name in req.get("omit_headers") or []:
        headers[name] = Omit()
    if req.get("endpoint") == "models":
        # GET /v1/models (the List Models API) with the probe's `limit`.
        try:
            client.get("/v1/models", cast_to=object,
                       options={"headers": headers, "params": {"limit": req.get("limit", 20)}})
            return 200, ""
        except anthropic.APIStatusError as e:
            return e.status_code, error_words(e.response.text)
    if req.get("endpoint") == "count_tokens":
        path = "/v1/messages/count_tokens"
        body = shape({"model": p["model"], "messages": [{"role": "user", "content": PROMPT}]}, req)
    else:
        path = req.get("path") or "/v1/messages"
        body = anthropic_body(api, p["model"], req)
    try:
        client.post(path, body=body, cast_to=object, options={"headers": headers})
        return 200, ""
    except anthropic.APIStatusError as e:
        return e.status_code, error_words(e.response.text)


# ---- boto3's bedrock-runtime client ----------------------------------------------------------


def bedrock_client(conf, invalid):
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60)
    kw = {"region_name": conf.get("region") or ENV.get("AWS_REGION_NAME"), "config": cfg}
    if MODE == "sim":
        kw.update(
            endpoint_url=conf["base_url"],
            aws_access_key_id=conf["access_key_id"],
            aws_secret_access_key=conf["secret_access_key"],
        )
    if invalid:
        kw.update(aws_access_key_id="AKIAINVALIDPROBEKEY0", aws_secret_access_key="invalid" * 5)
        kw.pop("aws_session_token", None)
    return boto3.client("bedrock-runtime", **kw)


def send_bedrock(p):
    import botocore.exceptions

    api, req = p["api"], p.get("request") or {}
    client = bedrock_client(APIS[api], req.get("auth") == "invalid")
    if MODE == "sim":
        def tag(request, **_):
            request.headers[PROBE_HEADER] = str(p["index"])

        client.meta.events.register("before-sign.bedrock-runtime.*", tag)
    try:
        if api == "bedrock_invoke":
            if "raw_body" in req:
                raw = req["raw_body"].encode()
            else:
                body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 8,
                        "messages": [{"role": "user", "content": PROMPT}]}
                raw = json.dumps(shape(body, req)).encode()
            if req.get("endpoint") == "count_tokens":
                client.count_tokens(modelId=p["model"], input={"invokeModel": {"body": raw}})
            else:
                client.invoke_model(modelId=p["model"], body=raw, contentType="application/json")
        else:
            body = {"messages": [{"role": "user", "content": [{"text": PROMPT}]}],
                    "inferenceConfig": {"maxTokens": 8}}
            client.converse(modelId=p["model"], **shape(body, req))
        return 200, ""
    except botocore.exceptions.ParamValidationError as e:
        raise CannotAsk(f"boto3 refuses the request client-side (botocore's service model): {e}")
    except botocore.exceptions.ClientError as e:
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status, e.response.get("Error", {}).get("Message", "")


class CannotAsk(Exception):
    pass


def main():
    probes = load("CONF_PROBES")
    for p in probes:
        index, rule, api = p["index"], p["rule"], p["api"]
        if api not in APIS:
            out(index, rule, api, "could_not_ask", words=TARGET.get("missing", {}).get(api, f"no target for {api}"))
            continue
        try:
            if api in ("bedrock_invoke", "bedrock_converse"):
                status, words = send_bedrock(p)
            else:
                status, words = send_anthropic(p)
            out(index, rule, api, "answered", status, words)
        except CannotAsk as e:
            out(index, rule, api, "could_not_ask", words=str(e))
        except Exception as e:  # a transport failure or a client bug: say so, do not guess
            traceback.print_exc(file=sys.stderr)
            out(index, rule, api, "could_not_ask", words=f"the client failed before an answer: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
