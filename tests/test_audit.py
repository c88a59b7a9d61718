"""The audit log: hash chain, verification command, append-only triggers."""

import importlib
import json
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from caminante.core import audit
from caminante.core.models import AuditEvent

pytestmark = pytest.mark.django_db

_MIGRATION = importlib.import_module("caminante.core.migrations.0002_audit_append_only_and_catalogue")


@contextmanager
def append_only_trigger_disabled():
    """Lift the append-only trigger for a tampering test, and put it back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_update")
            else:
                for statement in _MIGRATION.SQLITE:
                    cursor.execute(statement)


def _tamper_data(seq: int, data: dict) -> None:
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with append_only_trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE core_auditevent SET data = %s{cast} WHERE seq = %s", [json.dumps(data), seq])


def _delete(seq: int) -> None:
    with append_only_trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq = %s", [seq])


def _events(n: int) -> list[AuditEvent]:
    return [
        audit.record(None, "test.event", data={"n": i, "text": "ñandú", "nested": {"b": 2, "a": [1]}}) for i in range(n)
    ]


def test_record_chains_hashes():
    events = _events(4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == 4
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.hash for e in stored] == [e.hash for e in events]


def test_record_stores_actor_object_and_scope(users, sp_co):
    user = users["volunteer.co"]
    event = audit.record(user, "service_point.viewed", sp_co, data={"why": "test"})
    event.refresh_from_db()
    assert event.actor_id == user.pk
    assert event.actor_username == "volunteer.co"
    assert event.object_type == "core.servicepoint"
    assert event.object_id == str(sp_co.pk)
    assert event.national_society_id == sp_co.national_society_id
    assert event.data == {"why": "test"}


def test_verify_chain_ok_on_clean_chain():
    _events(6)
    report = audit.verify_chain(batch_size=2)
    assert report.ok
    assert report.checked == 6


def test_verify_chain_depends_on_the_key():
    _events(2)
    with override_settings(AUDIT_KEY="another-key"):
        report = audit.verify_chain()
    assert not report.ok
    assert report.broken_at == 1


def test_audit_verify_command_ok(capsys):
    _events(3)
    call_command("audit_verify")
    assert "audit chain OK: 3 entries verified" in capsys.readouterr().out


def test_audit_verify_command_reports_first_tampered_entry():
    _events(5)
    _tamper_data(3, {"n": 99})
    assert AuditEvent.objects.get(seq=3).data == {"n": 99}
    with pytest.raises(CommandError, match=r"entry #3\b") as excinfo:
        call_command("audit_verify")
    assert "content does not match" in str(excinfo.value)
    assert "2 entries verified" in str(excinfo.value)


def test_deleted_middle_entry_is_detected():
    _events(5)
    _delete(3)
    report = audit.verify_chain()
    assert (report.ok, report.broken_at) == (False, 3)
    with pytest.raises(CommandError, match=r"entry #3 is missing"):
        call_command("audit_verify")


def test_rehashed_entry_without_the_key_breaks_the_next_link():
    """Rewriting an entry and its hash (without the key) is caught at that entry."""
    _events(4)
    with append_only_trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET hash = %s WHERE seq = 2", ["f" * 64])
    report = audit.verify_chain()
    assert report.broken_at == 2


def test_orm_update_is_refused_by_the_trigger():
    event = _events(2)[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.data = {"n": 42}
        event.save()
    event.refresh_from_db()
    assert event.action == "test.event"
    assert event.data["n"] == 1
    assert audit.verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test runner's flush")
def test_orm_delete_is_refused_on_postgresql():
    event = _events(3)[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).delete()
    assert AuditEvent.objects.count() == 3


def test_events_recorded_in_a_rolled_back_transaction_leave_no_gap():
    _events(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(None, "test.rolled_back")
        raise RuntimeError
    _events(1)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3]
    assert audit.verify_chain().ok
