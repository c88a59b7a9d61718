"""The local message sink: in demo mode (and with CAMINANTE_MESSAGE_SINK=1) outgoing WhatsApp, SMS
and e-mail messages are delivered here instead of to a provider, and a staff page shows each one as
the person would read it.

- `store` is the outbox's sink (core/outbox.py calls it inside the transaction that marks the row
  delivered): it renders the message as it would arrive (a WhatsApp template with its parameters, the
  buttons or list of an interactive message, the SMS text, the e-mail subject and text) and keeps it
  once per outbox row.
- `sent_messages_for` is the scoped read: officers, protection officers and data managers see their
  National Society's messages, administrators all; a message of a sensitive conversation only
  protection officers; an e-mail to a staff member only that person. Recipients are shown masked;
  every opening of one message is audited.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from caminante.core import audit, outbox
from caminante.core.jobs import register_periodic
from caminante.core.models import OutboxMessage
from caminante.core.roles import Role
from caminante.core.scoping import Scope, access, by_national_society, get_or_404

from . import wa_templates, whatsapp
from .models import Message, SentMessage

SINK_ROLES = frozenset({Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN})
CHANNEL_LABELS = {"whatsapp": _("WhatsApp"), "sms": _("SMS"), "email": _("E-mail")}
PAGE_SIZE = 100
_LANGUAGE_OF = {meta: ours for ours, meta in wa_templates.META_LANGUAGE.items()}
# A partner's secure link (/r/<token>/) opens a referral without logging in.
_SECURE_LINK = re.compile(r"/r/[A-Za-z0-9_\-]{8,}/")


# ---- rendering: the message as the person reads it ------------------------------------------------


def render_whatsapp(body: dict) -> tuple[str, dict]:
    """(kind, content) of a WhatsApp Cloud API body."""
    kind = body.get("type")
    if kind == "text":
        return "text", {"text": body["text"]["body"]}
    if kind == "interactive":
        inter = body["interactive"]
        text = inter["body"]["text"]
        if inter["type"] == "button":
            return "buttons", {"text": text, "buttons": [b["reply"]["title"] for b in inter["action"]["buttons"]]}
        rows = [
            {"title": row["title"], "description": row.get("description", "")}
            for section in inter["action"]["sections"]
            for row in section["rows"]
        ]
        return "list", {"text": text, "list_button": inter["action"]["button"], "rows": rows}
    if kind == "location":
        loc = body["location"]
        return "location", {
            "text": "\n".join(part for part in (loc.get("name", ""), loc.get("address", "")) if part),
            "location": {"latitude": loc["latitude"], "longitude": loc["longitude"]},
        }
    if kind == "template":
        template = body["template"]
        language = _LANGUAGE_OF.get(template.get("language", {}).get("code", "es"), "es")
        params = [
            str(parameter.get("text", ""))
            for component in template.get("components", [])
            if component.get("type") == "body"
            for parameter in component.get("parameters", [])
        ]
        text = wa_templates.get(template["name"]).render(language, params)
        return "template", {"text": text, "template": template["name"], "language": language}
    raise outbox.PermanentFailure(f"the sink cannot show a WhatsApp {kind!r} message")


def render_message(message: OutboxMessage) -> tuple[str, dict]:
    """(kind, content) of an outbox row, decided as the provider's sender would decide it."""
    payload = message.payload or {}
    if message.channel == "whatsapp":
        kind, content = render_whatsapp(whatsapp.outgoing_body(message))
    elif message.channel == "sms":
        kind, content = "sms", {"text": str(payload.get("text", ""))}
    elif message.channel == "email":
        kind, content = "email", {"subject": str(payload.get("subject", "")), "text": str(payload.get("text", ""))}
    else:
        raise outbox.PermanentFailure(f"the sink does not take {message.channel!r} messages")
    return kind, {**content, "to": message.to}


def store(message: OutboxMessage, delivered_at) -> outbox.SendResult:
    """The outbox's sink: keep the message once (a second delivery of the same row finds the first)."""
    kind, content = render_message(message)
    sent = SentMessage.objects.filter(outbox_message_id=message.id).first()
    if sent is None:
        sent = SentMessage(
            outbox_message_id=message.id,
            national_society_id=message.national_society_id,
            channel=message.channel,
            kind=kind,
            delivered_at=delivered_at,
        )
        sent.content = content
        sent.save(force_insert=True)
    return outbox.SendResult(f"sink:{sent.id}")


outbox.register_sink(store)


def purge_expired(now=None) -> str:
    """Delete sink copies older than the chat retention period (periodic job)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CHAT_RETENTION_DAYS)
    count, _details = SentMessage.objects.filter(delivered_at__lt=cutoff).delete()
    return f"{count} sink messages deleted" if count else ""


register_periodic("channels.sink_retention", timedelta(hours=6), purge_expired)


# ---- reads ---------------------------------------------------------------------------------------


def sent_messages_for(user, *, channel: str = "") -> QuerySet:
    """The sink's messages the user may see: their National Society's (administrators: all); those
    of a sensitive conversation only for protection officers; an e-mail to a staff member (an alert,
    a confidential report's notice) only for that staff member."""
    from caminante.core.models import User

    scope = Scope.of(user).require(SINK_ROLES)
    qs = by_national_society(SentMessage.objects.select_related("outbox_message", "national_society"), scope)
    if scope.role != Role.PROTECTION:
        sensitive = Message.objects.filter(conversation__sensitive=True, outbox_id__isnull=False)
        qs = qs.exclude(outbox_message_id__in=sensitive.values("outbox_id"))
    staff_mail = Q(channel="email", outbox_message__to__in=User.objects.exclude(email="").values("email"))
    if user.email:
        staff_mail &= ~Q(outbox_message__to=user.email)
    qs = qs.exclude(staff_mail)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-delivered_at")


def mask_recipient(channel: str, to: str) -> str:
    """Enough of the address to recognise it, not to copy it: ••• 0101, a•••@example.org."""
    if channel == "email":
        local, at, domain = to.partition("@")
        return f"{local[:1]}•••{at}{domain}" if at else "•••"
    digits = re.sub(r"\D", "", to)
    return f"+••• {digits[-4:]}" if len(digits) > 4 else "•••"


def _row(sent: SentMessage) -> dict:
    content = sent.content
    text = content.get("text", "")
    if not settings.DEMO_MODE:  # a real person's secure link must not open from this page
        text = _SECURE_LINK.sub("/r/•••/", text)
    ns = sent.national_society
    return {
        "sent": sent,
        "content": content,
        "text": text,
        "channel_label": CHANNEL_LABELS.get(sent.channel, sent.channel),
        "recipient": mask_recipient(sent.channel, content.get("to", "")),
        "sender": (ns.short_name or ns.name) if ns else "Caminante",
        "status": sent.outbox_message.get_status_display(),
        "tz": ns.time_zone if ns else settings.TIME_ZONE,
    }


# ---- pages ---------------------------------------------------------------------------------------


@access(*SINK_ROLES)
@require_GET
def sent_messages(request):
    channel = request.GET.get("channel", "")
    if channel not in CHANNEL_LABELS:
        channel = ""
    qs = sent_messages_for(request.user, channel=channel)
    return render(
        request,
        "channels/sent_messages.html",
        {
            "rows": [_row(sent) for sent in qs[:PAGE_SIZE]],
            "total": qs.count(),
            "page_size": PAGE_SIZE,
            "channel": channel,
            "channels": list(CHANNEL_LABELS.items()),
            "sink_in_use": settings.DEMO_MODE or settings.MESSAGE_SINK,
        },
    )


@access(*SINK_ROLES)
@require_GET
def sent_message(request, sent_id):
    sent = get_or_404(sent_messages_for(request.user), request.user, id=sent_id)
    audit.record(request.user, "channels.sink.read", sent, data={"channel": sent.channel})
    return render(request, "channels/sent_message.html", {"row": _row(sent), "message": sent.outbox_message})
