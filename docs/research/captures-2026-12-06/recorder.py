#!/usr/bin/env python3
"""Recording server for capturing what the claude CLI sends (issue 28).

Listens on 127.0.0.1:PORT, appends one JSON line per request to LOG
(method, path, header names with values redacted except a safe list,
body shape), and answers:
  - POST .../v1/messages[...]        a minimal Anthropic Messages answer
                                      (SSE when the body has "stream": true)
  - POST .../count_tokens             {"input_tokens": 5}
  - GET  .../v1/models                MODELS_JSON (env) or an Anthropic-shaped list
  - anything else                     404 Anthropic-shaped error
Usage: recorder.py PORT LOG
"""
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
# Header values shown as sent: they carry no secret in our runs and are the
# point of the capture. Every other value is replaced by its length.
SAFE = {"anthropic-version", "anthropic-beta", "content-type", "accept",
        "user-agent", "x-app", "anthropic-dangerous-direct-browser-access",
        "x-stainless-lang", "x-stainless-package-version", "x-stainless-runtime",
        "x-stainless-retry-count", "x-stainless-timeout", "x-stainless-helper-method",
        "anthropic-workspace-id", "x-goog-user-project", "host", "content-length",
        "accept-encoding", "connection", "x-claude-code-session-id",
        "x-stainless-os", "x-stainless-arch", "x-stainless-runtime-version",
        "anthropic-model-discovery"}
MODELS = os.environ.get("MODELS_JSON")

def shape(v, depth=0):
    if isinstance(v, dict):
        return {k: shape(x, depth + 1) if depth < 1 else type(x).__name__ for k, x in v.items()}
    if isinstance(v, list):
        return [f"list[{len(v)}]"]
    return v if isinstance(v, (bool, int, float)) or (isinstance(v, str) and len(v) < 80) else f"str[{len(v)}]"

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def _record(self, body):
        hdrs = {}
        for k, v in self.headers.items():
            lk = k.lower()
            hdrs[lk] = v if lk in SAFE else f"<redacted len={len(v)} prefix={v.split(' ')[0] if ' ' in v else ''}>"
        rec = {"method": self.command, "path": self.path, "headers": hdrs}
        if body:
            try:
                j = json.loads(body)
                rec["body_keys"] = sorted(j.keys()) if isinstance(j, dict) else type(j).__name__
                rec["body"] = {k: shape(v) for k, v in j.items()} if isinstance(j, dict) else None
                if isinstance(j, dict):
                    rec["model"] = j.get("model"); rec["stream"] = j.get("stream")
            except Exception:
                rec["body_raw_len"] = len(body)
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return rec
    def _send(self, code, obj, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_recorder")
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self._record(b"")
        p = self.path.split("?")[0]
        if p.endswith("/v1/models") or p.endswith("/models"):
            if MODELS:
                return self._send(200, MODELS.encode())
            return self._send(200, {"data": [{"type": "model", "id": "claude-sonnet-4-6", "display_name": "Claude Sonnet 4.6", "created_at": "2026-01-01T00:00:00Z"}], "has_more": False, "first_id": "claude-sonnet-4-6", "last_id": "claude-sonnet-4-6"})
        self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": f"recorder: no route {p}"}})
    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        rec = self._record(body)
        p = self.path.split("?")[0]
        if p.endswith("count_tokens"):
            return self._send(200, {"input_tokens": 5})
        if p.endswith("/messages") or p.endswith("/invoke"):
            model = rec.get("model") or "claude-sonnet-4-6"
            msg = {"id": "msg_rec", "type": "message", "role": "assistant", "model": model,
                   "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
                   "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 1}}
            if rec.get("stream"):
                ev = []
                def e(t, d): ev.append(f"event: {t}\ndata: {json.dumps(d)}\n\n")
                e("message_start", {"type": "message_start", "message": {**msg, "content": [], "stop_reason": None, "usage": {"input_tokens": 5, "output_tokens": 0}}})
                e("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
                e("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}})
                e("content_block_stop", {"type": "content_block_stop", "index": 0})
                e("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 1}})
                e("message_stop", {"type": "message_stop"})
                return self._send(200, "".join(ev).encode(), "text/event-stream")
            return self._send(200, msg)
        self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": f"recorder: no route {p}"}})
    do_PUT = do_POST

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
