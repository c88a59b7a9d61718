"""The transactional outbox and its delivery.

`enqueue` is called inside the transaction of the change that causes a message, so the message
exists if and only if the change committed. `deliver_due` is what `caminante worker` runs: it
claims due rows one at a time with a conditional UPDATE (only one worker's UPDATE can match a
row's current state), sends it outside any transaction, then records the outcome. Several
workers can run at once; a worker that dies leaves a lease that expires, and the row is claimed
again.

Channels that reach people through a provider (WhatsApp, SMS, e-mail) say how to tell whether the
provider is configured. In demo mode a channel without one, and every such channel with
CAMINANTE_MESSAGE_SINK=1, is delivered to the local sink (channels/sink.py: stored and shown on a
staff page) instead; elsewhere a channel without a provider is not attempted at all: its messages
wait in the outbox, the worker says so when it starts and `caminante check` reports it.
"""

import json
import logging
import random
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """The provider refused the message for good (bad address, rejected content): do not retry."""


class TemporaryFailure(Exception):
    """The provider or network is unavailable or throttling: retry later."""


@dataclass
class SendResult:
    provider_message_id: str = ""


Sender = Callable[[OutboxMessage], SendResult]
_SENDERS: dict[str, Sender] = {}


@dataclass(frozen=True)
class Provider:
    """How a channel reaches people: whether its provider is configured, and the variable that does it."""

    configured: Callable[[], bool]
    setting: str


_PROVIDERS: dict[str, Provider] = {}
# The local sink: stores a message (channels/sink.py registers it) and returns its reference.
Sink = Callable[[OutboxMessage, object], SendResult]
_SINK: list[Sink] = []


def register_channel(name: str, sender: Sender, *, provider: Provider | None = None) -> None:
    """Plug a channel (whatsapp, sms, email, webhook, ...) into the outbox. A channel that reaches
    people through a provider gives `provider`; it can then be delivered to the local sink."""
    _SENDERS[name] = sender
    if provider is not None:
        _PROVIDERS[name] = provider


def register_sink(sink: Sink) -> None:
    _SINK[:] = [sink]


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def uses_sink(channel: str) -> bool:
    """Whether messages of this channel go to the local sink rather than to its provider."""
    provider = _PROVIDERS.get(channel)
    if provider is None or not _SINK:
        return False
    return bool(settings.MESSAGE_SINK or (settings.DEMO_MODE and not provider.configured()))


def waiting_channels() -> list[str]:
    """Channels that have neither a configured provider nor the sink: their messages wait."""
    return sorted(name for name, p in _PROVIDERS.items() if not uses_sink(name) and not p.configured())


def channel_report() -> list[str]:
    """One line per provider channel: where its messages go (the worker prints it when it starts)."""
    lines = []
    for name, provider in sorted(_PROVIDERS.items()):
        if uses_sink(name):
            lines.append(f"{name}: to the local sink (Messages sent (demo) page)")
        elif provider.configured():
            lines.append(f"{name}: to the provider")
        else:
            lines.append(f"{name}: NOT SENT, no provider: set {provider.setting}; messages wait in the outbox")
    return lines


def enqueue(channel: str, to: str, payload: dict, *, national_society=None, idempotency_key=None) -> OutboxMessage:
    if channel not in _SENDERS:
        raise ValueError(f"unknown outbox channel {channel!r}")
    if idempotency_key:
        existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    return OutboxMessage.objects.create(
        channel=channel, to=to, payload=payload, national_society=national_society, idempotency_key=idempotency_key
    )


def post_json(url: str, body: dict, headers: dict | None = None) -> dict:
    """POST JSON; map HTTP outcomes to temporary (retry) or permanent failures."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - URL comes from configuration, http(s) only
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    if not url.startswith(("http://", "https://")):
        raise PermanentFailure(f"not an http(s) URL: {url}")
    try:
        with urllib.request.urlopen(request, timeout=settings.HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            text = response.read().decode() or "{}"
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        if exc.code == 429 or exc.code >= 500:
            raise TemporaryFailure(f"HTTP {exc.code}: {detail}") from exc
        raise PermanentFailure(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TemporaryFailure(str(exc)) from exc
    try:
        return json.loads(text)
    except ValueError:
        return {}


def _send_webhook(message: OutboxMessage) -> SendResult:
    reply = post_json(message.to, message.payload, {"Idempotency-Key": str(message.id)})
    return SendResult(str(reply.get("id", "")))


def _send_sms(message: OutboxMessage) -> SendResult:
    if not settings.SMS_GATEWAY_URL:
        raise TemporaryFailure("CAMINANTE_SMS_GATEWAY_URL is not set")
    reply = post_json(
        settings.SMS_GATEWAY_URL,
        {"to": message.to, "text": message.payload.get("text", "")},
        {"Idempotency-Key": str(message.id)},
    )
    return SendResult(str(reply.get("id", "")))


def _send_email(message: OutboxMessage) -> SendResult:
    try:
        send_mail(
            message.payload.get("subject", ""),
            message.payload.get("text", ""),
            settings.DEFAULT_FROM_EMAIL,
            [message.to],
        )
    except (OSError, ConnectionError) as exc:
        raise TemporaryFailure(str(exc)) from exc
    return SendResult()


# E-mail backends that only write the message to the log or drop it: no provider.
LOG_ONLY_EMAIL_BACKENDS = frozenset(
    {"django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.dummy.EmailBackend"}
)

register_channel("webhook", _send_webhook)
register_channel(
    "sms", _send_sms, provider=Provider(lambda: bool(settings.SMS_GATEWAY_URL), "CAMINANTE_SMS_GATEWAY_URL")
)
register_channel(
    "email",
    _send_email,
    provider=Provider(lambda: settings.EMAIL_BACKEND not in LOG_ONLY_EMAIL_BACKENDS, "CAMINANTE_EMAIL_BACKEND"),
)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: base, 2×base, 4×base, ... capped at 6 hours."""
    seconds = min(settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), 6 * 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def claim_next(worker_id: str) -> OutboxMessage | None:
    """Claim one due message for this worker, or None when nothing is due."""
    now = timezone.now()
    due = Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxMessage.Status.SENDING, lease_until__lt=now
    )
    candidates = OutboxMessage.objects.filter(due)
    waiting = waiting_channels()
    if waiting:  # no provider: leave them pending, untouched, until one is configured
        candidates = candidates.exclude(channel__in=waiting)
    for candidate in candidates.order_by("next_attempt_at").values("id", "status", "attempts")[:20]:
        changes = {
            "status": OutboxMessage.Status.SENDING,
            "lease_until": now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            "claimed_by": worker_id,
        }
        abandoned = candidate["status"] == OutboxMessage.Status.SENDING
        if abandoned:
            # The worker holding it stopped mid-attempt (killed, out of memory): that attempt
            # counts, so a message whose sending crashes every worker ends as failed, not
            # retried forever.
            changes["attempts"] = F("attempts") + 1
            changes["last_error"] = "the worker stopped during the delivery (its lease expired)"
            if candidate["attempts"] + 1 >= settings.OUTBOX_MAX_ATTEMPTS:
                changes.update(status=OutboxMessage.Status.FAILED, lease_until=None)
        claimed = (
            OutboxMessage.objects.filter(id=candidate["id"], status=candidate["status"]).filter(due).update(**changes)
        )
        if claimed and changes["status"] == OutboxMessage.Status.SENDING:
            return OutboxMessage.objects.get(id=candidate["id"])
        if claimed:
            log.warning("outbox %s failed: every attempt stopped its worker", candidate["id"])
    return None


def _record_failure(mine, attempts: int, exc: Exception, *, permanent: bool) -> None:
    if permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        mine.update(status=OutboxMessage.Status.FAILED, attempts=attempts, last_error=str(exc)[:2000], lease_until=None)
    else:
        mine.update(
            status=OutboxMessage.Status.PENDING,
            attempts=attempts,
            last_error=str(exc)[:2000],
            next_attempt_at=timezone.now() + backoff(attempts),
            lease_until=None,
        )


def deliver(message: OutboxMessage) -> None:
    """Send one claimed message and record the outcome on its row."""
    sender = _SENDERS.get(message.channel)
    attempts = message.attempts + 1
    mine = OutboxMessage.objects.filter(
        id=message.id, claimed_by=message.claimed_by, status=OutboxMessage.Status.SENDING
    )
    if uses_sink(message.channel):
        _deliver_to_sink(message, mine, attempts)
        return
    try:
        if sender is None:
            raise PermanentFailure(f"no sender for channel {message.channel!r}")
        result = sender(message)
    except PermanentFailure as exc:
        _record_failure(mine, attempts, exc, permanent=True)
        log.warning("outbox %s failed permanently: %s", message.id, exc)
        return
    except Exception as exc:  # noqa: BLE001 - any other error is retried; the row keeps the reason
        _record_failure(mine, attempts, exc, permanent=False)
        log.info("outbox %s attempt %s failed, will retry: %s", message.id, attempts, exc)
        return
    mine.update(
        status=OutboxMessage.Status.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        last_error="",
        provider_message_id=result.provider_message_id[:200],
        lease_until=None,
    )


def _deliver_to_sink(message: OutboxMessage, mine, attempts: int) -> None:
    """Store the message in the local sink and mark the row delivered, in one transaction: a worker
    that lost its lease meanwhile keeps nothing, so each message is in the sink exactly once."""
    now = timezone.now()
    try:
        with transaction.atomic():
            result = _SINK[0](message, now)
            delivered = mine.update(
                status=OutboxMessage.Status.DELIVERED,
                attempts=attempts,
                sent_at=now,
                last_error="",
                provider_message_id=result.provider_message_id[:200],
                lease_until=None,
            )
            if not delivered:  # another worker owns the row now
                transaction.set_rollback(True)
    except PermanentFailure as exc:
        _record_failure(mine, attempts, exc, permanent=True)
        log.warning("outbox %s refused by the sink: %s", message.id, exc)
    except Exception as exc:  # noqa: BLE001 - retried like any delivery
        _record_failure(mine, attempts, exc, permanent=False)
        log.info("outbox %s attempt %s to the sink failed, will retry: %s", message.id, attempts, exc)


def deliver_due(worker_id: str | None = None, limit: int = 100) -> int:
    """Deliver up to `limit` due messages; return how many were attempted."""
    worker_id = worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    count = 0
    while count < limit:
        message = claim_next(worker_id)
        if message is None:
            break
        deliver(message)
        count += 1
    return count
