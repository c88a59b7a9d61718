"""The WhatsApp Cloud API: outbound JSON bodies (within Meta's limits) and the outbox sender.

Bodies follow https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages.
The outbox row keeps {"phone_number_id", "body", "fallback", "contact_id", "window"}; the sender
checks the 24-hour window again at send time, so a free-form message queued inside the window but
delivered after it closed goes out as its approved template (or not at all), never as a message
Meta would reject.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings

from caminante.core.outbox import PermanentFailure, Provider, SendResult, TemporaryFailure, register_channel

from . import wa_templates

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 20  # Meta allows 24; we keep every title at 20 or fewer
MAX_ROW_DESCRIPTION = 72
MAX_BODY = 1024
MAX_TEXT = 4096
# Meta error codes that mean "try again later" even when the HTTP status is 400.
RETRYABLE_CODES = {4, 80007, 130429, 131000, 131016, 131056, 133004}


def clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _base(to: str) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}


def text_body(to: str, text: str) -> dict:
    return {**_base(to), "type": "text", "text": {"preview_url": False, "body": text[:MAX_TEXT]}}


def buttons_body(to: str, text: str, buttons: list[tuple[str, str]]) -> dict:
    buttons = buttons[:MAX_BUTTONS]
    return {
        **_base(to),
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": text[:MAX_BODY]},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": bid[:256], "title": clip(title, MAX_BUTTON_TITLE)}}
                    for bid, title in buttons
                ]
            },
        },
    }


def list_body(to: str, text: str, button: str, rows: list[tuple[str, str, str]], section: str = "") -> dict:
    rows = rows[:MAX_ROWS]
    return {
        **_base(to),
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": text[:MAX_BODY]},
            "action": {
                "button": clip(button, MAX_BUTTON_TITLE),
                "sections": [
                    {
                        "title": clip(section or button, 24),
                        "rows": [
                            {
                                "id": rid[:200],
                                "title": clip(title, MAX_ROW_TITLE),
                                **({"description": clip(desc, MAX_ROW_DESCRIPTION)} if desc else {}),
                            }
                            for rid, title, desc in rows
                        ],
                    }
                ],
            },
        },
    }


def location_body(to: str, latitude: float, longitude: float, name: str, address: str) -> dict:
    return {
        **_base(to),
        "type": "location",
        "location": {
            "latitude": float(latitude),
            "longitude": float(longitude),
            "name": clip(name, 100),
            "address": clip(address, 200),
        },
    }


def template_body(to: str, name: str, language: str, params: list[str]) -> dict:
    template = wa_templates.get(name)
    if len(params) != template.params:
        raise ValueError(f"template {name!r} takes {template.params} parameters, got {len(params)}")
    return {
        **_base(to),
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": wa_templates.META_LANGUAGE.get(language, "es")},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]}]
            if params
            else [],
        },
    }


def check_limits(body: dict) -> list[str]:
    """Problems Meta would reject the body for (empty list when it is fine)."""
    problems = []
    if body.get("messaging_product") != "whatsapp" or not body.get("to"):
        problems.append("missing messaging_product or to")
    kind = body.get("type")
    if kind == "text" and not (0 < len(body["text"]["body"]) <= MAX_TEXT):
        problems.append("text body length")
    if kind == "interactive":
        inter = body["interactive"]
        if len(inter["body"]["text"]) > MAX_BODY:
            problems.append("interactive body too long")
        if inter["type"] == "button":
            buttons = inter["action"]["buttons"]
            if not 1 <= len(buttons) <= MAX_BUTTONS:
                problems.append("1 to 3 buttons")
            if any(len(b["reply"]["title"]) > MAX_BUTTON_TITLE for b in buttons):
                problems.append("button title over 20 characters")
            if len({b["reply"]["id"] for b in buttons}) != len(buttons):
                problems.append("duplicate button ids")
        elif inter["type"] == "list":
            rows = [row for section in inter["action"]["sections"] for row in section["rows"]]
            if not 1 <= len(rows) <= MAX_ROWS:
                problems.append("1 to 10 rows")
            if any(len(r["title"]) > 24 for r in rows) or len(inter["action"]["button"]) > MAX_BUTTON_TITLE:
                problems.append("row or button title too long")
    if kind == "template" and body["template"]["name"] not in wa_templates.TEMPLATES:
        problems.append("unknown template")
    return problems


def messages_url(phone_number_id: str) -> str:
    return f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_API_VERSION}/{phone_number_id}/messages"


def post(phone_number_id: str, body: dict) -> str:
    """POST one message to the Cloud API; return Meta's message id (wamid)."""
    url = messages_url(phone_number_id)
    if not url.startswith(("http://", "https://")):
        raise PermanentFailure(f"not an http(s) URL: {url}")
    if not settings.WHATSAPP_ACCESS_TOKEN:
        raise TemporaryFailure("CAMINANTE_WHATSAPP_ACCESS_TOKEN is not set")
    request = urllib.request.Request(  # noqa: S310 - URL comes from configuration, http(s) only
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            reply = json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        try:
            code = json.loads(detail).get("error", {}).get("code")
        except ValueError:
            code = None
        if exc.code == 429 or exc.code >= 500 or code in RETRYABLE_CODES:
            raise TemporaryFailure(f"HTTP {exc.code}: {detail}") from exc
        raise PermanentFailure(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
        raise TemporaryFailure(str(exc)) from exc
    messages = reply.get("messages") or [{}]
    return str(messages[0].get("id", ""))


def outgoing_body(message) -> dict:
    """The body that goes out for an outbox row, decided at send time: inside the window the
    free-form body, after it the template fallback (or nothing: PermanentFailure); within limits."""
    from .models import Contact

    payload = message.payload
    body = payload["body"]
    if payload.get("window"):
        contact = Contact.objects.filter(id=payload.get("contact_id")).first()
        if contact is None or not contact.window_open():
            if not payload.get("fallback"):
                raise PermanentFailure("the 24-hour window closed and there is no template to fall back on")
            body = payload["fallback"]
    problems = check_limits(body)
    if problems:
        raise PermanentFailure("; ".join(problems))
    return body


def send(message) -> SendResult:
    """Outbox sender for the "whatsapp" channel."""
    return SendResult(post(message.payload["phone_number_id"], outgoing_body(message)))


register_channel(
    "whatsapp",
    send,
    provider=Provider(lambda: bool(settings.WHATSAPP_ACCESS_TOKEN), "CAMINANTE_WHATSAPP_ACCESS_TOKEN"),
)

# The local sink (demo mode, or CAMINANTE_MESSAGE_SINK=1) and the start-up checks of the providers.
from . import checks, sink  # noqa: E402, F401
