"""The append-only, hash-chained audit log: `record` writes, `verify_chain` checks."""

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_ID = 0x43414D49  # "CAMI": one advisory lock serialises chain appends on PostgreSQL


def _canonical(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str, sort_keys=True))


def _digest(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        [
            event.seq,
            event.at.isoformat(),
            str(event.actor_id or ""),
            event.actor_username,
            event.action,
            event.object_type,
            event.object_id,
            str(event.national_society_id or ""),
            str(event.service_point_id or ""),
            event.data,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hmac.new(settings.AUDIT_KEY.encode(), f"{prev_hash}|{body}".encode(), hashlib.sha256).hexdigest()


def record(
    actor, action: str, obj=None, *, data: dict | None = None, national_society_id=None, service_point_id=None
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        if obj is not None:
            national_society_id = national_society_id or getattr(obj, "national_society_id", None)
            service_point_id = service_point_id or getattr(obj, "service_point_id", None)
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            actor_id=getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None,
            actor_username=getattr(actor, "username", "") or "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            national_society_id=national_society_id,
            service_point_id=service_point_id,
            data=_canonical(data or {}),
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = _digest(event.prev_hash, event)
        event.save(force_insert=True)
        return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole log in order; report the first entry whose link does not hold."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry #{expected_seq} is missing")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, "previous-hash link does not match")
        if not hmac.compare_digest(_digest(prev_hash, event), event.hash):
            return ChainReport(checked, event.seq, "content does not match its hash")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(checked)
