"""Unaccompanied and separated children: the best-interests steps, the reunification rule (the
family link verified first, in the service and in the database), the child list (RFL and
protection officers only, 404 across National Societies), the priority ordering, and the
referral to the child-protection pathway of the referrals directory."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caminante.core.models import AuditEvent
from caminante.core.roles import Role
from caminante.referrals.models import Referral
from caminante.registry.models import ConsentPurpose
from caminante.rfl import candidates, children, services
from caminante.rfl.models import (
    CandidateDecision,
    ChildReferral,
    ChildStep,
    ChildStepKind,
    FoundConsent,
    Status,
    TracingRequest,
)
from tests.builders import fast_hashing, register  # noqa: F401 - fast_hashing is a fixture
from tests.conftest import make_user
from tests.test_referrals_builders import add_service
from tests.test_rfl_services import tracing_input

pytestmark = pytest.mark.django_db
CHILD_YEAR = date.today().year - 11


@pytest.fixture
def officer(users):
    return users["rfl.co"]


@pytest.fixture
def child_case(officer):
    return services.open_request(
        officer,
        tracing_input(
            given_names="Keiber",
            family_names="Parra Linares",
            nicknames="",
            sex="male",
            birth_year=CHILD_YEAR,
            unaccompanied_child=True,
        ),
    )


@pytest.fixture
def child(sp_co_other):
    volunteer = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    return register(
        volunteer,
        "Keiber",
        "Parra",
        "Linares",
        sex="male",
        birth_date=date(CHILD_YEAR, 2, 3),
        consents=[ConsentPurpose.ASSISTANCE, ConsentPurpose.TRACING],
    )


def _to_contact_restored(officer, case, person):
    proposed = candidates.find(officer, case)
    candidate = next(c for c in proposed if c.person_id == person.pk)
    candidates.decide(officer, candidate, CandidateDecision.CONFIRMED)
    candidates.record_located(officer, case, FoundConsent.SHARE_LOCATION)
    return services.change_status(officer, case, Status.CONTACT_RESTORED)


def test_a_child_is_reunited_only_after_the_family_link_is_verified(officer, child_case, child):
    today = timezone.localdate()
    children.record_step(officer, child_case, ChildStepKind.ASSESSMENT, done_on=today, note="Niño de 11 años, solo")
    with pytest.raises(ValidationError) as error:  # nobody matched yet: no link to verify
        children.record_step(officer, child_case, ChildStepKind.VERIFICATION, done_on=today)
    assert "kind" in error.value.message_dict
    case = _to_contact_restored(officer, child_case, child)
    with pytest.raises(ValidationError) as error:
        services.change_status(officer, case, Status.REUNITED)
    assert "status" in error.value.message_dict
    assert TracingRequest.objects.get(pk=case.pk).status == Status.CONTACT_RESTORED
    children.record_step(officer, case, ChildStepKind.VERIFICATION, done_on=today)
    case = services.change_status(officer, TracingRequest.objects.get(pk=case.pk), Status.REUNITED)
    assert case.status == Status.REUNITED and case.family_link_verified_at is not None
    # The note is encrypted at rest and never in the audit log.
    step = ChildStep.objects.get(tracing_request=case, kind=ChildStepKind.ASSESSMENT)
    assert "solo" not in step.sealed and step.note == "Niño de 11 años, solo"
    assert not AuditEvent.objects.filter(action="rfl.child.step", data__icontains="solo").exists()


def test_the_database_refuses_a_child_reunited_without_verification(officer, child_case, child):
    case = _to_contact_restored(officer, child_case, child)
    with pytest.raises(IntegrityError), transaction.atomic():
        TracingRequest.objects.filter(pk=case.pk).update(status=Status.REUNITED, reunited_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        TracingRequest.objects.filter(pk=case.pk).update(reunited_at=timezone.now())
    # An adult's case is not bound by the child rule.
    adult = services.open_request(officer, tracing_input())
    TracingRequest.objects.filter(pk=adult.pk).update(reunited_at=timezone.now())


def test_steps_are_for_child_cases_once_each_and_dated_sensibly(officer, child_case):
    adult = services.open_request(officer, tracing_input())
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        children.record_step(officer, adult, ChildStepKind.ASSESSMENT, done_on=today)
    with pytest.raises(ValidationError) as error:
        children.record_step(officer, child_case, ChildStepKind.ASSESSMENT, done_on=today + timedelta(days=2))
    assert "done_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        children.record_step(officer, child_case, "sorcery", done_on=today)
    with pytest.raises(ValidationError):
        children.record_step(officer, child_case, ChildStepKind.TRACING, done_on=today, note="x" * 2001)
    children.record_step(officer, child_case, ChildStepKind.INTERIM_CARE, done_on=today)
    with pytest.raises(ValidationError):
        children.record_step(officer, child_case, ChildStepKind.INTERIM_CARE, done_on=today)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChildStep.objects.create(tracing_request=child_case, kind=ChildStepKind.INTERIM_CARE, done_on=today)
    assert ChildStep.objects.count() == 1


def test_other_roles_and_other_national_societies_cannot_touch_a_child_case(users, child_case):
    today = timezone.localdate()
    for name in ("rfl.pe", "protection.pe", "officer.co", "volunteer.co", "admin"):
        with pytest.raises(PermissionDenied):
            children.record_step(users[name], child_case, ChildStepKind.ASSESSMENT, done_on=today)
    children.record_step(users["protection.co"], child_case, ChildStepKind.ASSESSMENT, done_on=today)


def test_child_cases_come_first_and_the_child_list_shows_only_them(users, officer, child_case):
    adult = services.open_request(officer, tracing_input(given_names="Adulta"))
    assert list(children.prioritised(TracingRequest.objects.all())) == [child_case, adult]
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    page = client.get(reverse("rfl-list")).content.decode()
    assert page.index(child_case.code) < page.index(adult.code)
    api = client.get("/api/v1/rfl/tracing-requests/").json()["results"]
    assert [r["code"] for r in api] == [child_case.code, adult.code]
    response = client.get(reverse("rfl-children"))
    assert response.status_code == 200
    body = response.content.decode()
    assert child_case.code in body and adult.code not in body
    assert AuditEvent.objects.filter(action="rfl.tracing.list", data__where="children").exists()
    # Another National Society's child list does not show this child; other roles are refused.
    peru = Client(raise_request_exception=False)
    peru.force_login(users["rfl.pe"])
    assert child_case.code not in peru.get(reverse("rfl-children")).content.decode()
    assert peru.get(reverse("rfl-request", kwargs={"tracing_id": child_case.pk})).status_code == 404
    for name in ("volunteer.co", "officer.co", "coordinator.co", "datamanager.co", "admin", "analyst"):
        other = Client(raise_request_exception=False)
        other.force_login(users[name])
        assert other.get(reverse("rfl-children")).status_code == 403


def test_the_detail_page_records_steps_and_refuses_hostile_input(officer, child_case):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    url = reverse("rfl-request", kwargs={"tracing_id": child_case.pk})
    assert "child-step-form" in client.get(url).content.decode()
    for bad in (
        {"kind": "assessment", "done_on": "2020-13-45"},
        {"kind": "assessment", "done_on": "0001-01-01"},
        {"kind": "assessment", "done_on": "2024-01-01", "note": "x" * 1_000_000},
        {"kind": "assessment\x00", "done_on": "2024-01-01"},
        {"kind": "assessment", "done_on": "2024-01-01", "note": "nul\x00"},
    ):
        response = client.post(url, {"action": "child_step", **bad})
        assert response.status_code in (302, 400)  # the error is shown on the case, or refused at the door
    assert not ChildStep.objects.exists()
    client.post(url, {"action": "child_step", "kind": "assessment", "done_on": "2024-01-01", "note": "Visto"})
    assert ChildStep.objects.get().kind == "assessment"


def test_referral_of_a_registered_child_goes_through_the_referrals_app(users, child_case, child):
    service = add_service(name="ICBF Cúcuta", service_type=children.CHILD_PROTECTION)
    other = add_service(name="Legal aid")
    protection = users["protection.co"]
    _to_contact_restored(protection, child_case, child)
    case = TracingRequest.objects.get(pk=child_case.pk)
    with pytest.raises(ValidationError):
        children.refer(protection, case, service=other, consent=True)
    record = children.refer(protection, case, service=service, consent=True, note="Urgente")
    assert record.sent and record.referral.need == children.CHILD_NEED and record.referral.urgent
    assert Referral.objects.get().person_id == child.pk


def test_without_a_registered_child_the_referral_intent_is_recorded(officer, child_case):
    service = add_service(name="ICBF Cúcuta", service_type=children.CHILD_PROTECTION)
    record = children.refer(officer, child_case, service=service, consent=False)
    assert not record.sent and ChildReferral.objects.get().service == service
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="rfl.child.referral", data__sent=False).exists()
