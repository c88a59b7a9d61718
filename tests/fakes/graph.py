"""A local fake of Meta's Graph API (WhatsApp Cloud API messages endpoint) on 127.0.0.1.

It checks what Meta checks (bearer token, JSON shape, interactive limits) independently of the
product code, records every request, and can be told to answer the next requests with errors
(429, 500, ...) or to go down entirely.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "test-access-token"


def meta_problems(body: dict) -> list[str]:
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product")
    if not str(body.get("to", "")).isdigit():
        problems.append("to must be digits")
    kind = body.get("type")
    if kind not in {"text", "interactive", "template", "location"}:
        problems.append(f"type {kind}")
    if kind == "text" and not body.get("text", {}).get("body"):
        problems.append("empty text")
    if kind == "interactive":
        inter = body["interactive"]
        if inter["type"] == "button":
            buttons = inter["action"]["buttons"]
            if not 1 <= len(buttons) <= 3:
                problems.append("buttons count")
            if any(len(b["reply"]["title"]) > 20 for b in buttons):
                problems.append("button title length")
        elif inter["type"] == "list":
            rows = [r for s in inter["action"]["sections"] for r in s["rows"]]
            if not 1 <= len(rows) <= 10:
                problems.append("rows count")
            if any(len(r["title"]) > 24 for r in rows):
                problems.append("row title length")
        else:
            problems.append("interactive type")
    if kind == "template":
        tpl = body["template"]
        if not tpl.get("name") or not tpl.get("language", {}).get("code"):
            problems.append("template name/language")
    if kind == "location":
        loc = body["location"]
        if not (-90 <= loc["latitude"] <= 90 and -180 <= loc["longitude"] <= 180):
            problems.append("location")
    return problems


class FakeGraph:
    def __init__(self):
        self.requests: list[dict] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer the next requests with
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                with outer.lock:
                    forced = outer.fail_next.pop(0) if outer.fail_next else None
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                record = {"path": self.path, "auth": self.headers.get("Authorization", ""), "body": body}
                if forced:
                    code = 130429 if forced == 429 else 131000
                    return self._reply(forced, {"error": {"message": "fake failure", "code": code}}, record)
                if record["auth"] != f"Bearer {TOKEN}":
                    return self._reply(401, {"error": {"message": "bad token", "code": 190}}, record)
                parts = self.path.strip("/").split("/")
                if len(parts) != 3 or parts[2] != "messages" or not parts[0].startswith("v"):
                    return self._reply(404, {"error": {"message": "unknown path", "code": 100}}, record)
                problems = meta_problems(body or {})
                if problems:
                    return self._reply(400, {"error": {"message": "; ".join(problems), "code": 100}}, record)
                wamid = f"wamid.{uuid.uuid4().hex}"
                record["wamid"] = wamid
                return self._reply(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                        "messages": [{"id": wamid}],
                    },
                    record,
                )

            def _reply(self, status, payload, record):
                record["status"] = status
                with outer.lock:
                    outer.requests.append(record)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def accepted(self) -> list[dict]:
        return [r for r in self.requests if r["status"] == 200]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_graph(settings):
    graph = FakeGraph()
    settings.WHATSAPP_API_URL = graph.url
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_APP_SECRET = "test-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "test-verify-token"
    yield graph
    graph.stop()
