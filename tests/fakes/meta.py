"""Real-shaped WhatsApp Cloud API webhook payloads (as Meta sends them) and their signature."""

import hashlib
import hmac
import json
import time
import uuid

APP_SECRET = "test-app-secret"


def envelope(phone_number_id: str, *, messages=(), statuses=(), wa_id="573005550101", name="Ana") -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def _msg(kind: str, body: dict, sender="573005550101", msg_id=None, ts=None) -> dict:
    return {
        "from": sender,
        "id": msg_id or f"wamid.HBgM{uuid.uuid4().hex.upper()}",
        "timestamp": str(int(ts if ts is not None else time.time())),
        "type": kind,
        **body,
    }


def text(body: str, **kw) -> dict:
    return _msg("text", {"text": {"body": body}}, **kw)


def button_reply(button_id: str, title: str, **kw) -> dict:
    return _msg(
        "interactive",
        {"interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}},
        **kw,
    )


def list_reply(row_id: str, title: str, description: str = "", **kw) -> dict:
    return _msg(
        "interactive",
        {
            "interactive": {
                "type": "list_reply",
                "list_reply": {"id": row_id, "title": title, "description": description},
            }
        },
        **kw,
    )


def template_button(payload: str, text_: str, **kw) -> dict:
    return _msg(
        "button",
        {"context": {"from": "15550001111", "id": "wamid.CONTEXT"}, "button": {"payload": payload, "text": text_}},
        **kw,
    )


def location(latitude: float, longitude: float, **kw) -> dict:
    return _msg("location", {"location": {"latitude": latitude, "longitude": longitude}}, **kw)


def image(media_id: str = "1234567890", caption: str = "", **kw) -> dict:
    return _msg(
        "image",
        {"image": {"caption": caption, "mime_type": "image/jpeg", "sha256": "abc=", "id": media_id}},
        **kw,
    )


def status(wamid: str, state: str, recipient="573005550101", errors=None) -> dict:
    result = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
        "conversation": {"id": "CONVERSATION_ID", "origin": {"type": "service"}},
        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
    }
    if errors:
        result["errors"] = errors
    return result


def signed_post(client, payload: dict, secret: str = APP_SECRET, signature: str | None = None):
    raw = json.dumps(payload).encode()
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    return client.post("/webhooks/whatsapp", data=raw, content_type="application/json", **headers)
