"""The transactional outbox and its delivery.

`enqueue` is called inside the transaction of the change that causes a message, so the message
exists if and only if the change committed. `deliver_due` is what `caminante worker` runs: it
claims due rows one at a time with a conditional UPDATE (only one worker's UPDATE can match a
row's current state), sends it outside any transaction, then records the outcome. Several
workers can run at once; a worker that dies leaves a lease that expires, and the row is claimed
again.
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
from django.db.models import Q
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


def register_channel(name: str, sender: Sender) -> None:
    """Plug a channel (whatsapp, sms, email, webhook, ...) into the outbox."""
    _SENDERS[name] = sender


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


register_channel("webhook", _send_webhook)
register_channel("sms", _send_sms)
register_channel("email", _send_email)


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
    for candidate in OutboxMessage.objects.filter(due).order_by("next_attempt_at").values("id", "status")[:20]:
        claimed = (
            OutboxMessage.objects.filter(id=candidate["id"], status=candidate["status"])
            .filter(due)
            .update(
                status=OutboxMessage.Status.SENDING,
                lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
                claimed_by=worker_id,
            )
        )
        if claimed:
            return OutboxMessage.objects.get(id=candidate["id"])
    return None


def deliver(message: OutboxMessage) -> None:
    """Send one claimed message and record the outcome on its row."""
    sender = _SENDERS.get(message.channel)
    attempts = message.attempts + 1
    mine = OutboxMessage.objects.filter(
        id=message.id, claimed_by=message.claimed_by, status=OutboxMessage.Status.SENDING
    )
    try:
        if sender is None:
            raise PermanentFailure(f"no sender for channel {message.channel!r}")
        result = sender(message)
    except PermanentFailure as exc:
        mine.update(status=OutboxMessage.Status.FAILED, attempts=attempts, last_error=str(exc)[:2000], lease_until=None)
        log.warning("outbox %s failed permanently: %s", message.id, exc)
        return
    except Exception as exc:  # noqa: BLE001 - any other error is retried; the row keeps the reason
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            mine.update(
                status=OutboxMessage.Status.FAILED, attempts=attempts, last_error=str(exc)[:2000], lease_until=None
            )
        else:
            mine.update(
                status=OutboxMessage.Status.PENDING,
                attempts=attempts,
                last_error=str(exc)[:2000],
                next_attempt_at=timezone.now() + backoff(attempts),
                lease_until=None,
            )
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
