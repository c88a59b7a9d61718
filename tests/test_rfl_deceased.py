"""Deceased migrants: a minimal record (the personal details encrypted, every read audited), a
possible match with a tracing case confirmed by two different RFL officers (the database refuses
the same one twice), "found dead" only after it (service and database), no message ever sent
about it, RFL and protection officers only, and hostile input refused with a 4xx."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caminante.core.models import AuditEvent, OutboxMessage
from caminante.core.roles import Role
from caminante.rfl import deceased, services
from caminante.rfl.models import (
    ClosureReason,
    DeceasedMatch,
    DeceasedMatchState,
    DeceasedRecord,
    Status,
    TracingRequest,
)
from tests.builders import fast_hashing  # noqa: F401 - a fixture
from tests.conftest import make_user
from tests.test_rfl_services import tracing_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(users):
    return users["rfl.co"]


@pytest.fixture
def second(sp_co):
    return make_user(Role.RFL, sp_co, sp_co.national_society, username="rfl2.co")


def found_input(**extra) -> deceased.DeceasedInput:
    values = {
        "found_on": date.today() - timedelta(days=40),
        "place_found": "Río Táchira, cerca del puente Francisco de Paula Santander",
        "sex": "male",
        "estimated_age": 35,
        "description": "Tatuaje de una rosa en el brazo izquierdo",
        "belongings": "Rosario de madera, cédula venezolana mojada",
        "burial_place": "Cementerio Central de Cúcuta, bóveda 112",
        "authority": "Medicina Legal Cúcuta",
    }
    values.update(extra)
    return deceased.DeceasedInput(**values)


@pytest.fixture
def record(officer):
    return deceased.record_deceased(officer, found_input())


@pytest.fixture
def case(officer):
    return services.open_request(
        officer, tracing_input(given_names="Freddy", sex="male", birth_year=1989, circumstance="death_suspected")
    )


def test_a_record_keeps_the_personal_details_encrypted(officer, record):
    row = DeceasedRecord.objects.get(pk=record.pk)
    assert row.code.startswith("DM-")
    for secret in ("Táchira", "rosa", "Rosario", "bóveda", "Medicina"):
        assert secret not in row.sealed
    assert row.details["belongings"].startswith("Rosario") and row.details["authority"] == "Medicina Legal Cúcuta"
    event = AuditEvent.objects.get(action="rfl.deceased.recorded")
    assert "Táchira" not in str(event.data)


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"found_on": date.today() + timedelta(days=1)}, "found_on"),
        ({"found_on": None}, "found_on"),
        ({"place_found": " \u200b "}, "place_found"),
        ({"estimated_age": 150}, "estimated_age"),
        ({"sex": "?"}, "sex"),
        ({"description": "x" * 2001}, "description"),
        ({"authority": "x" * 201}, "authority"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(officer, extra, field):
    with pytest.raises(ValidationError) as error:
        deceased.record_deceased(officer, found_input(**extra))
    assert field in error.value.message_dict
    assert not DeceasedRecord.objects.exists()


def test_only_rfl_and_protection_officers_of_the_national_society(users, record):
    for name in ("volunteer.co", "officer.co", "datamanager.co", "admin", "analyst", "partner.co"):
        with pytest.raises(PermissionDenied):
            deceased.records_for(users[name])
    assert not deceased.records_for(users["rfl.pe"]).filter(pk=record.pk).exists()
    assert deceased.records_for(users["protection.co"]).filter(pk=record.pk).exists()


def test_a_match_needs_two_different_rfl_officers_before_found_dead(users, officer, second, record, case):
    outbox_before = OutboxMessage.objects.count()
    assert case in deceased.suggestions(officer, record)
    match = deceased.propose_match(officer, record, case)
    assert case not in deceased.suggestions(officer, record)
    with pytest.raises(ValidationError):
        services.change_status(officer, case, Status.CLOSED, closure_reason=ClosureReason.FOUND_DEAD)
    with pytest.raises(ValidationError):  # a protection officer reads, but does not confirm
        deceased.confirm_match(users["protection.co"], match)
    deceased.confirm_match(officer, match)
    with pytest.raises(ValidationError) as error:
        deceased.confirm_match(officer, match)  # the same officer twice
    assert "match" in error.value.message_dict
    match.refresh_from_db()
    assert match.state == DeceasedMatchState.PROPOSED and match.second_confirmed_by is None
    with pytest.raises(ValidationError):
        services.change_status(
            officer, TracingRequest.objects.get(pk=case.pk), Status.CLOSED, closure_reason=ClosureReason.FOUND_DEAD
        )
    deceased.confirm_match(second, match)
    match.refresh_from_db()
    assert match.state == DeceasedMatchState.CONFIRMED and match.second_confirmed_by == second
    case = TracingRequest.objects.get(pk=case.pk)
    assert case.deceased_record == record
    closed = services.change_status(officer, case, Status.CLOSED, closure_reason=ClosureReason.FOUND_DEAD)
    assert closed.closure_reason == ClosureReason.FOUND_DEAD
    # The family is told by a person: nothing was ever queued to go out.
    assert OutboxMessage.objects.count() == outbox_before
    assert set(
        AuditEvent.objects.filter(action="rfl.deceased.match_confirmed").values_list("data__confirmation", flat=True)
    ) == {"first", "second"}


def test_the_database_refuses_one_confirmer_twice_and_found_dead_without_a_match(officer, record, case):
    match = deceased.propose_match(officer, record, case)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeceasedMatch.objects.filter(pk=match.pk).update(
            first_confirmed_by=officer,
            first_confirmed_at=now,
            second_confirmed_by=officer,
            second_confirmed_at=now,
            state=DeceasedMatchState.CONFIRMED,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DeceasedMatch.objects.filter(pk=match.pk).update(state=DeceasedMatchState.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        TracingRequest.objects.filter(pk=case.pk).update(
            status=Status.CLOSED, closure_reason=ClosureReason.FOUND_DEAD, closed_at=now
        )


def test_a_case_of_another_national_society_cannot_be_proposed(users, record):
    peru_case = services.open_request(users["rfl.pe"], tracing_input())
    with pytest.raises(ValidationError):
        deceased.propose_match(users["rfl.co"], record, peru_case)
    with pytest.raises(PermissionDenied):
        deceased.propose_match(users["rfl.pe"], record, peru_case)
    assert not DeceasedMatch.objects.exists()


def test_the_pages_journey_audited_and_never_a_message(users, officer, second, record, case):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    assert record.code in client.get(reverse("rfl-deceased-list")).content.decode()
    url = reverse("rfl-deceased", kwargs={"deceased_id": record.pk})
    page = client.get(url).content.decode()
    assert 'id="told-by-a-person"' in page and "Medicina Legal" in page
    assert AuditEvent.objects.filter(action="rfl.deceased.read", object_id=str(record.pk)).exists()
    assert AuditEvent.objects.filter(action="rfl.deceased.list").exists()
    assert client.post(url, {"action": "propose", "tracing": case.code.lower()}).status_code == 302
    match = DeceasedMatch.objects.get()
    client.post(url, {"action": "confirm", "match": str(match.pk)})
    client.post(url, {"action": "confirm", "match": str(match.pk)})  # refused: the same officer
    assert DeceasedMatch.objects.get().state == DeceasedMatchState.PROPOSED
    other = Client(raise_request_exception=False)
    other.force_login(second)
    other.post(url, {"action": "confirm", "match": str(match.pk)})
    assert DeceasedMatch.objects.get().state == DeceasedMatchState.CONFIRMED
    detail = client.get(reverse("rfl-request", kwargs={"tracing_id": case.pk})).content.decode()
    assert 'id="deceased-match"' in detail and record.code in detail
    assert not OutboxMessage.objects.exists()
    # Outside the scope: another country's officer gets a 404, other roles a 403.
    peru = Client(raise_request_exception=False)
    peru.force_login(users["rfl.pe"])
    assert peru.get(url).status_code == 404
    assert peru.post(url, {"action": "reject", "match": str(match.pk)}).status_code == 404
    for name in ("volunteer.co", "officer.co", "admin"):
        outsider = Client(raise_request_exception=False)
        outsider.force_login(users[name])
        assert outsider.get(url).status_code == 403
        assert outsider.get(reverse("rfl-deceased-list")).status_code == 403


def test_hostile_input_on_the_new_record_form_is_a_4xx(officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    good = {"found_on": "2024-05-01", "place_found": "Pamplona", "sex": "male", "estimated_age": "30"}
    for bad in (
        {"found_on": "2024-13-45"},
        {"found_on": "0001-01-01"},
        {"found_on": "9999-12-31"},
        {"estimated_age": "99999999999999999999"},
        {"place_found": "x" * 1_000_000},
        {"place_found": "nul\x00byte"},
        {"description": "\x00" * 10},
        {"sex": "robot"},
    ):
        response = client.post(reverse("rfl-deceased-new"), {**good, **bad})
        assert 400 <= response.status_code < 500, bad
    assert not DeceasedRecord.objects.exists()
    response = client.post(reverse("rfl-deceased-new"), good)
    assert response.status_code == 302 and DeceasedRecord.objects.count() == 1
    url = reverse("rfl-deceased", kwargs={"deceased_id": DeceasedRecord.objects.get().pk})
    for bad in (
        {"action": "propose", "tracing": "x" * 100_000},
        {"action": "propose", "tracing": "TR-\x00"},
        {"action": "confirm", "match": "not-a-uuid"},
        {"action": "\x00"},
    ):
        assert client.post(url, bad).status_code in (302, 400)
    assert not DeceasedMatch.objects.exists()
