"""The blocking keys table (PersonBlockingKey): written wherever people are written, read by the
registration duplicate check."""

import importlib
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caminante.registry import keys, selectors, services
from caminante.registry.engine import person_record
from caminante.registry.models import DuplicateCandidate, Person, PersonBlockingKey
from tests.builders import register

pytestmark = pytest.mark.django_db


def _stored(person) -> set[str]:
    return set(PersonBlockingKey.objects.filter(person=person).values_list("key", flat=True))


def _yusmary(user, given="Yusmary", **extra):
    extra.setdefault("birth_date", date(1992, 3, 14))
    extra.setdefault("phone", "0412-1234567")
    return register(user, given, "González", "Pérez", **extra)


def test_registration_stores_the_engine_keys(users):
    person = _yusmary(users["volunteer.co"], document_type="ve_cedula", document_number="V-12.345.678")
    stored = _stored(person)
    assert stored == keys.keys_of_record(person_record(person))
    assert "p:+584121234567" in stored and "d:12345678" in stored
    assert any(k.startswith("gf:") for k in stored) and any(k.startswith("fd:") for k in stored)
    assert set(PersonBlockingKey.objects.filter(person=person).values_list("national_society_id", flat=True)) == {
        person.national_society_id
    }


def test_changed_data_replaces_the_keys(users):
    person = _yusmary(users["volunteer.co"])
    before = _stored(person)
    Person.objects.filter(pk=person.pk).update(given_names="Maikel", phone_e164="", birth_date=date(1980, 1, 2))
    keys.store_keys(person.pk)
    after = _stored(person)
    person.refresh_from_db()
    assert after == keys.keys_of_record(person_record(person))
    assert "p:+584121234567" in before and not any(k.startswith("p:") for k in after)
    assert not any("1992" in k for k in after) and any("1980" in k for k in after)


def test_merge_drops_the_merged_keys_and_unmerge_restores_them(users, sp_co_other):
    first = _yusmary(users["volunteer.co"])
    second = _yusmary(users["volunteer.co"], given="Yusmari")
    first_keys, second_keys = _stored(first), _stored(second)
    assert first_keys and second_keys
    record = services.merge_people(users["datamanager.co"], person_a_id=first.pk, person_b_id=second.pk)
    assert record.survivor == first
    assert _stored(second) == set() and _stored(first) == first_keys
    assert not any(m["model"] == "registry.personblockingkey" for m in record.moved)
    # The duplicate check no longer proposes the merged registration.
    found = selectors.find_candidates(users["volunteer.co"], given_names="Yusmari", family_name_1="González")
    assert second.pk not in [c.person.pk for c in found]
    services.unmerge(users["datamanager.co"], record.pk)
    assert _stored(second) == second_keys and _stored(first) == first_keys


def test_find_candidates_reads_the_keys_table(users):
    person = _yusmary(users["volunteer.co"])
    probe = {"given_names": "Yusmari", "family_name_1": "Gonzales", "birth_date": date(1992, 3, 14)}
    with CaptureQueriesContext(connection) as queries:
        found = selectors.find_candidates(users["volunteer.co"], **probe)
    assert [c.person.pk for c in found] == [person.pk]
    assert PersonBlockingKey._meta.db_table in queries.captured_queries[0]["sql"]
    keys.drop_keys(person.pk)  # without its keys, the person cannot be found
    assert selectors.find_candidates(users["volunteer.co"], **probe) == []
    keys.store_keys(person.pk)
    assert [c.person.pk for c in selectors.find_candidates(users["volunteer.co"], **probe)] == [person.pk]


def test_find_candidates_prefers_the_people_sharing_the_most_keys(users, monkeypatch):
    """With room for one candidate, the person sharing name, date of birth and phone wins over
    namesakes sharing the name only, whatever their ids."""
    namesakes = [_yusmary(users["volunteer.co"], birth_date=date(1970 + i, 1, 1), phone="") for i in range(4)]
    person = _yusmary(users["volunteer.co"], birth_date=date(1992, 3, 14))
    monkeypatch.setattr(selectors, "CANDIDATE_ROWS", 1)
    found = selectors.find_candidates(
        users["volunteer.co"],
        given_names="Yusmary",
        family_name_1="González",
        family_name_2="Pérez",
        birth_date=date(1992, 3, 14),
        phone_e164="+584121234567",
    )
    assert [c.person.pk for c in found] == [person.pk]
    assert len(namesakes) == 4


def test_the_migration_backfills_existing_people(users):
    person = _yusmary(users["volunteer.co"])
    merged = _yusmary(users["volunteer.co"], given="Yusmari")
    expected = _stored(person)
    Person.objects.filter(pk=merged.pk).update(merged_into=person)
    PersonBlockingKey.objects.all().delete()
    migration = importlib.import_module("caminante.registry.migrations.0004_person_blocking_keys")
    migration.backfill(apps, None)
    assert _stored(person) == expected
    assert _stored(merged) == set()  # merged people are never proposed


def test_seed_load_fills_the_keys_table():
    call_command("seed_load", people=300, batch=120, seed=5, quiet=True, stdout=StringIO(), stderr=StringIO())
    people = list(Person.objects.all())
    assert len(people) == 300
    by_person: dict = {}
    for key, person_id in PersonBlockingKey.objects.values_list("key", "person_id"):
        by_person.setdefault(person_id, set()).add(key)
    for p in people[:50]:
        assert by_person[p.pk] == keys.keys_of_record(person_record(p))
    assert set(by_person) == {p.pk for p in people}


def test_keys_never_block_a_person_from_being_deleted(users):
    person = _yusmary(users["volunteer.co"])
    other = _yusmary(users["volunteer.co"], given="Yusmari")
    DuplicateCandidate.objects.all().delete()
    Person.objects.filter(pk=other.pk).delete()
    assert _stored(other) == set() and _stored(person)


def test_rebuild_command_recomputes_every_key(users):
    person = _yusmary(users["volunteer.co"])
    expected = _stored(person)
    PersonBlockingKey.objects.filter(person=person, key=min(expected)).delete()
    PersonBlockingKey.objects.create(key="stale", national_society_id=person.national_society_id, person=person)
    assert _stored(person) != expected
    out = StringIO()
    call_command("rebuild_blocking_keys", stdout=out)
    assert _stored(person) == expected
    assert f"{len(expected)} blocking keys written" in out.getvalue()
