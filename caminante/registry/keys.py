"""The blocking keys stored for every registered person (`PersonBlockingKey`): the matching
engine's `blocking_keys` (name pairs, a name with the date of birth, phone, document...), one
indexed row per key, so the registration duplicate check finds its candidates in an index.

Every write of a person's matching fields goes through the registry services, which call
`store_keys` / `drop_keys`; `caminante seed-load` writes `key_rows` in bulk. If the engine's key
rules change, `caminante rebuild-blocking-keys` recomputes every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from django.db import transaction

from caminante.matching.blocking import feature_keys
from caminante.matching.record import Features, Record, prepare

from .engine import RECORD_FIELDS, record_from_values

#: Longest key stored (a key is cut the same way when stored and when looked up).
KEY_LENGTH = 120

#: The columns of `Person` a person's keys depend on, in this order.
KEY_SOURCE_FIELDS = (*RECORD_FIELDS, "national_society_id")


def keys_of_features(x: Features) -> set[str]:
    return {key[:KEY_LENGTH] for key in feature_keys(x)}


def keys_of_record(record: Record) -> set[str]:
    return keys_of_features(prepare(record))


def keys_of_row(row: tuple) -> set[str]:
    """Keys of a person given as a row of `KEY_SOURCE_FIELDS` (or of `engine.RECORD_FIELDS`)."""
    return keys_of_record(record_from_values(tuple(row[: len(RECORD_FIELDS)])))


def key_rows(people: Iterable[dict]) -> list[dict]:
    """Rows of `PersonBlockingKey` (as dicts of column values) for people given as dicts of
    their column values (`seed-load` writes people this way), sorted by key: the primary key
    index is then written in its own order, one leaf page after the other."""
    out = []
    for p in people:
        if p.get("merged_into_id"):
            continue
        row = tuple(p.get(name, "") for name in KEY_SOURCE_FIELDS)
        person_id, ns_id = p["id"], p["national_society_id"]
        out += [{"key": key, "national_society_id": ns_id, "person_id": person_id} for key in keys_of_row(row)]
    out.sort(key=itemgetter("key"))
    return out


def fill(person_model, key_model, person_ids=None, chunk: int = 2000) -> int:
    """Write the keys of every person not merged into another (or of `person_ids` only), after
    removing those people's old keys. Works with the migration's historical models."""
    people = person_model._base_manager.filter(merged_into__isnull=True)
    if person_ids is not None:
        ids = list(person_ids)
        key_model._base_manager.filter(person_id__in=ids).delete()
        people = people.filter(pk__in=ids)
    else:
        key_model._base_manager.all().delete()
    written = 0
    batch: list = []
    for row in people.order_by().values_list(*KEY_SOURCE_FIELDS).iterator(chunk_size=chunk):
        batch += [key_model(key=key, national_society_id=row[-1], person_id=row[0]) for key in keys_of_row(row)]
        if len(batch) >= 10 * chunk:
            key_model._base_manager.bulk_create(batch, batch_size=chunk)
            written, batch = written + len(batch), []
    key_model._base_manager.bulk_create(batch, batch_size=chunk)
    return written + len(batch)


def store_keys(*person_ids) -> int:
    """Recompute the stored keys of these people from their current data (none for a person
    merged into another). Call after every change to a person's names, date of birth, phone or
    document, and after a merge or unmerge."""
    from .models import Person, PersonBlockingKey

    with transaction.atomic():
        return fill(Person, PersonBlockingKey, person_ids)


def drop_keys(*person_ids) -> None:
    from .models import PersonBlockingKey

    PersonBlockingKey.objects.filter(person_id__in=person_ids).delete()
