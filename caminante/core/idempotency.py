"""Create at most once: the `Idempotency-Key` header of the API's create operations.

At a border crossing the answer to a registration is often lost on the way back; the device
sends the request again. With the same key (per user and operation) and the same body, the
second request creates nothing and answers with the object the first one created (200 instead
of 201); with another body it is a 409. The key row is written in the same transaction as the
object, so a crash between the two is impossible and two simultaneous requests with one key
create one object (the loser's transaction is rolled back and it answers as a replay).
"""

import hashlib
import json
from collections.abc import Callable
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
SCHEMA_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) per intended creation: a request repeated with the same key "
    "creates nothing and answers 200 with the object created the first time.",
)


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


class _LostTheRace(Exception):
    """Another request with the same key committed first: roll ours back and replay theirs."""


def _request_hash(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _key(request) -> str:
    key = request.headers.get(HEADER, "")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("At most %(max)s printable characters.") % {"max": MAX_KEY_LENGTH}]}
        )
    return key


def _replayed(previous: IdempotentRequest, digest: str) -> UUID:
    if previous.request_hash != digest:
        raise IdempotencyConflict(_("This Idempotency-Key was already used for another request."))
    return previous.object_id


def create_once(request, operation: str, create: Callable[[], object]) -> tuple[UUID, bool]:
    """Run `create()` (which returns a model instance with a UUID pk) at most once per key.
    Returns (the object's id, whether this was a replay)."""
    key = _key(request)
    if not key:
        return create().pk, False
    digest = _request_hash(request.data)
    scope = {"user": request.user, "operation": operation, "key": key}
    try:
        with transaction.atomic():
            previous = IdempotentRequest.objects.select_for_update().filter(**scope).first()
            if previous is not None:
                return _replayed(previous, digest), True
            created = create()
            try:
                with transaction.atomic():
                    IdempotentRequest.objects.create(**scope, request_hash=digest, object_id=created.pk)
            except IntegrityError as exc:
                raise _LostTheRace from exc
            return created.pk, False
    except _LostTheRace:
        return _replayed(IdempotentRequest.objects.get(**scope), digest), True
