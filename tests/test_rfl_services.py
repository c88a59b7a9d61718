"""RFL services: opening a case, the status machine (in the services and in the database), the
RFL consent rule, assignment, notes, tasks, and the candidates from the matching engine."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from caminante.core.codes import normalize_code
from caminante.core.models import AuditEvent
from caminante.core.roles import Role
from caminante.registry.models import ConsentPurpose
from caminante.rfl import candidates, selectors, services
from caminante.rfl.models import (
    CandidateDecision,
    CaseNote,
    ClosureReason,
    FoundConsent,
    Status,
    TracingCandidate,
    TracingRequest,
)
from tests.builders import fast_hashing, register  # noqa: F401 - fast_hashing is a fixture
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def tracing_input(**extra) -> services.TracingInput:
    values = {
        "enquirer_name": "Carmen Rojas",
        "enquirer_contact": "+573001234567",
        "enquirer_consent": True,
        "given_names": "Yorgelis",
        "family_names": "Rojas Marcano",
        "nicknames": "Yoye",
        "sex": "female",
        "birth_year": 1998,
        "place_of_origin": "Maracaibo",
        "last_known_place": "Pamplona",
        "last_known_date": date.today() - timedelta(days=20),
        "circumstance": "route",
        "relationship": "child",
    }
    values.update(extra)
    return services.TracingInput(**values)


@pytest.fixture
def officer(users):
    return users["rfl.co"]


@pytest.fixture
def case(officer):
    return services.open_request(officer, tracing_input())


@pytest.fixture
def found(sp_co_other):
    """Yorgelis, registered at another HSP of Colombia (Maicao) with consent to family tracing."""
    volunteer = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    return register(
        volunteer,
        "Yorgelis",
        "Rojas",
        "Marcano",
        birth_date=date(1998, 3, 14),
        consents=[ConsentPurpose.ASSISTANCE, ConsentPurpose.TRACING],
    )


def _to_possible_match(officer, case, found):
    proposed = candidates.find(officer, case)
    candidate = next(c for c in proposed if c.person_id == found.pk)
    candidates.decide(officer, candidate, CandidateDecision.CONFIRMED)
    case.refresh_from_db()
    return case


# ---- opening ---------------------------------------------------------------------------------


def test_open_request_has_a_checked_code_and_sealed_details(case, officer):
    assert case.code.startswith("TR-") and normalize_code(case.code) == case.code
    assert case.status == Status.OPEN and case.national_society_id == officer.national_society_id
    row = TracingRequest.objects.get(pk=case.pk)
    # Names and contacts are encrypted at rest: not in any plain column.
    assert "Yorgelis" not in row.sought_sealed and "Carmen" not in row.enquirer_sealed
    assert row.sought["given_names"] == "Yorgelis" and row.enquirer["contact"] == "+573001234567"
    assert row.status_changes.get().to_status == Status.OPEN
    event = AuditEvent.objects.filter(action="rfl.tracing.status", object_id=str(case.pk)).get()
    assert "Yorgelis" not in str(event.data) and event.data["code"] == case.code


def test_open_request_needs_the_enquirers_consent_and_a_name(officer):
    with pytest.raises(ValidationError) as error:
        services.open_request(officer, tracing_input(enquirer_consent=False, given_names="  \u200b "))
    assert {"enquirer_consent", "given_names"} <= set(error.value.message_dict)
    assert not TracingRequest.objects.exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"birth_year": 1850}, "birth_year"),
        ({"birth_year": date.today().year + 1}, "birth_year"),
        ({"birth_year": None, "age": 130}, "age"),
        ({"birth_year": 1998, "age": 5}, "age"),
        ({"last_known_date": date.today() + timedelta(days=3)}, "last_known_date"),
        ({"unaccompanied_child": True}, "unaccompanied_child"),  # born 1998: not a child
        ({"older_person": True}, "older_person"),
        ({"given_names": "x" * 121}, "given_names"),
        ({"circumstance": "abducted by aliens"}, "circumstance"),
        ({"relationship": "boss"}, "relationship"),
        ({"sex": "?"}, "sex"),
    ],
)
def test_open_request_refuses_inconsistent_input(officer, extra, field):
    with pytest.raises(ValidationError) as error:
        services.open_request(officer, tracing_input(**extra))
    assert field in error.value.message_dict
    assert not TracingRequest.objects.exists()


def test_an_age_stands_in_for_the_year_of_birth(officer):
    case = services.open_request(officer, tracing_input(birth_year=None, age=10, unaccompanied_child=True))
    assert case.sought_birth_year == timezone.localdate().year - 10 and case.sought_birth_year_estimated


def test_only_rfl_and_protection_officers_open_and_read_cases(users, case):
    for name in ("volunteer.co", "coordinator.co", "officer.co", "datamanager.co", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.open_request(users[name], tracing_input())
        with pytest.raises(PermissionDenied):
            selectors.requests_for(users[name])
    assert list(selectors.requests_for(users["protection.co"])) == [case]
    assert not selectors.requests_for(users["rfl.pe"]).exists()
    with pytest.raises(PermissionDenied):
        services.change_status(users["rfl.pe"], case, Status.SEARCHING)


# ---- the status machine ------------------------------------------------------------------------


def test_status_machine_refuses_skipped_steps(officer, case):
    for target in (Status.CONTACT_RESTORED, Status.REUNITED, Status.POSSIBLE_MATCH, Status.LOCATED):
        with pytest.raises(ValidationError):
            services.change_status(officer, case, target)
    services.change_status(officer, case, Status.SEARCHING)
    with pytest.raises(ValidationError):
        services.change_status(officer, case, Status.SEARCHING)
    assert TracingRequest.objects.get(pk=case.pk).status == Status.SEARCHING


def test_closing_needs_a_reason_that_fits(officer, case):
    with pytest.raises(ValidationError) as error:
        services.change_status(officer, case, Status.CLOSED)
    assert "closure_reason" in error.value.message_dict
    for reason in (ClosureReason.LINK_RESTORED, ClosureReason.FOUND_DECLINED):
        with pytest.raises(ValidationError):
            services.change_status(officer, case, Status.CLOSED, closure_reason=reason)
    with pytest.raises(ValidationError):
        services.change_status(officer, case, Status.SEARCHING, closure_reason=ClosureReason.WITHDRAWN)
    closed = services.change_status(officer, case, Status.CLOSED, closure_reason=ClosureReason.WITHDRAWN)
    assert closed.closed_at and closed.closure_reason == ClosureReason.WITHDRAWN
    with pytest.raises(ValidationError):
        services.change_status(officer, closed, Status.SEARCHING)
    assert [c.to_status for c in closed.status_changes.all()] == [Status.OPEN, Status.CLOSED]


def _violates(case, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        TracingRequest.objects.filter(pk=case.pk).update(**values)


def test_the_database_holds_the_status_machine(case, found):
    now = timezone.now()
    _violates(case, status="lost")
    _violates(case, status=Status.CLOSED, closed_at=now)  # no reason
    _violates(case, closure_reason=ClosureReason.WITHDRAWN)  # a reason on an open case
    _violates(case, status=Status.POSSIBLE_MATCH)  # no matched person
    _violates(case, status=Status.LOCATED, matched_person=found)  # no decision of the found person
    _violates(case, status=Status.CLOSED, closure_reason="bored", closed_at=now)
    _violates(case, enquirer_consent=False)
    _violates(case, sought_birth_year=1800)
    _violates(case, status=Status.CLOSED, closure_reason=ClosureReason.LINK_RESTORED, closed_at=now)
    assert TracingRequest.objects.get(pk=case.pk).status == Status.OPEN


def test_the_database_holds_the_consent_rule(case, found):
    """Contact restored or reunited only when the found person agreed the enquirer may reach them."""
    now = timezone.now()
    located = {"matched_person": found, "located_at": now, "contact_restored_at": now}
    for decision in (FoundConsent.REFUSES, FoundConsent.SAFE_AND_WELL):
        _violates(case, status=Status.CONTACT_RESTORED, found_consent=decision, **located)
        _violates(case, status=Status.REUNITED, found_consent=decision, **located)
    _violates(case, status=Status.CONTACT_RESTORED, found_consent=FoundConsent.SHARE_LOCATION, matched_person=found,
              located_at=now)  # fmt: skip
    TracingRequest.objects.filter(pk=case.pk).update(
        status=Status.CONTACT_RESTORED, found_consent=FoundConsent.SHARE_LOCATION, **located
    )


def test_one_confirmed_candidate_per_case_in_the_database(case, found, sp_co_other):
    other = register(make_user(Role.VOLUNTEER, sp_co_other, username="v2.maicao"), "Otra", "Persona")
    now = timezone.now()
    TracingCandidate.objects.create(
        tracing_request=case, person=found, score=0.9, decision=CandidateDecision.CONFIRMED, decided_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TracingCandidate.objects.create(
            tracing_request=case, person=other, score=0.5, decision=CandidateDecision.CONFIRMED, decided_at=now
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TracingCandidate.objects.create(tracing_request=case, person=other, score=1.5)


# ---- matching, confirmation and the found person's decision ----------------------------------


def test_find_candidates_at_another_hsp_with_reasons(officer, case, found, sp_co_other):
    volunteer = make_user(Role.VOLUNTEER, sp_co_other, username="v3.maicao")
    no_consent = register(volunteer, "Yorgelis", "Rojas", "Marcano", birth_date=date(1998, 3, 14))
    proposed = candidates.find(officer, case)
    assert [c.person_id for c in proposed][:1] == [found.pk]
    assert no_consent.pk not in {c.person_id for c in proposed}  # no consent to family tracing
    with translation.override("en"):
        reasons = candidates.candidate_reasons(proposed[0])
    assert "same given names" in reasons and "same year of birth (full date unknown)" in reasons
    assert not any("not recorded" in r for r in reasons)  # phone, document: never in a request
    case.refresh_from_db()
    assert case.status == Status.SEARCHING  # the search started


def test_a_rejected_candidate_is_never_proposed_again(officer, case, found):
    candidate = next(c for c in candidates.find(officer, case) if c.person_id == found.pk)
    candidates.decide(officer, candidate, CandidateDecision.REJECTED)
    assert found.pk not in {c.person_id for c in candidates.find(officer, case)}
    assert TracingCandidate.objects.get(pk=candidate.pk).decision == CandidateDecision.REJECTED
    with pytest.raises(ValidationError):
        candidates.decide(officer, candidate, CandidateDecision.CONFIRMED)


def test_candidates_come_from_the_officers_national_society_only(users, found):
    case_pe = services.open_request(users["rfl.pe"], tracing_input())
    assert candidates.find(users["rfl.pe"], case_pe) == []


def test_confirming_makes_a_possible_match_and_a_wrong_match_goes_back(officer, case, found):
    case = _to_possible_match(officer, case, found)
    assert case.status == Status.POSSIBLE_MATCH and case.matched_person_id == found.pk
    back = services.change_status(officer, case, Status.SEARCHING)
    assert back.matched_person_id is None
    assert TracingCandidate.objects.get(tracing_request=case, person=found).decision == CandidateDecision.REJECTED


def test_located_needs_the_found_persons_decision(officer, case, found):
    with pytest.raises(ValidationError):
        candidates.record_located(officer, case, FoundConsent.SHARE_LOCATION)  # nobody confirmed yet
    case = _to_possible_match(officer, case, found)
    with pytest.raises(ValidationError):
        candidates.record_located(officer, case, "maybe")
    located = candidates.record_located(officer, case, FoundConsent.SHARE_LOCATION)
    assert located.status == Status.LOCATED and located.located_at
    told = candidates.for_enquirer(officer, located)
    assert told["kind"] == "share_location" and "Maicao" in told["location"]
    services.change_status(officer, located, Status.CONTACT_RESTORED)
    services.change_status(officer, located, Status.REUNITED)
    closed = services.change_status(officer, located, Status.CLOSED, closure_reason=ClosureReason.LINK_RESTORED)
    assert closed.status == Status.CLOSED


@pytest.mark.parametrize("decision", [FoundConsent.REFUSES, FoundConsent.SAFE_AND_WELL])
def test_a_refusal_never_shows_the_location(officer, case, found, decision):
    case = _to_possible_match(officer, case, found)
    located = candidates.record_located(officer, case, decision)
    told = candidates.for_enquirer(officer, located)
    assert told["location"] is None
    assert told["kind"] == ("nothing" if decision == FoundConsent.REFUSES else "safe_and_well")
    with pytest.raises(ValidationError):
        services.change_status(officer, located, Status.CONTACT_RESTORED)
    closed = services.change_status(officer, located, Status.CLOSED, closure_reason=ClosureReason.FOUND_DECLINED)
    assert candidates.for_enquirer(officer, closed)["location"] is None


# ---- assignment, notes, tasks ----------------------------------------------------------------


def test_assignment_to_an_rfl_officer_of_the_same_national_society(users, case):
    second = make_user(Role.RFL, national_society=users["rfl.co"].national_society, username="rfl2.co")
    assert services.assign(users["protection.co"], case, second).assigned_to == second
    for wrong in (users["officer.co"], users["rfl.pe"], users["protection.co"]):
        with pytest.raises(ValidationError):
            services.assign(users["rfl.co"], case, wrong)
    assert services.assign(users["rfl.co"], case, None).assigned_to is None


def test_notes_are_encrypted_and_their_words_stay_out_of_the_audit_log(officer, case):
    note = services.add_note(officer, case, "La madre dice que iba con un primo.\u202e")
    stored = CaseNote.objects.get(pk=note.pk)
    assert "primo" not in stored.sealed and stored.text == "La madre dice que iba con un primo."
    assert not AuditEvent.objects.filter(data__icontains="primo").exists()
    for bad in ("   ", "x" * (services.MAX_NOTE + 1)):
        with pytest.raises(ValidationError):
            services.add_note(officer, case, bad)


def test_tasks_with_a_due_date(officer, case):
    task = services.add_task(officer, case, title="Llamar a la madre", due_on=date.today() - timedelta(days=1))
    assert task.is_overdue
    done = services.complete_task(officer, task)
    assert done.done_at and not done.is_overdue
    with pytest.raises(ValidationError):
        services.complete_task(officer, task)
    with pytest.raises(ValidationError):
        services.add_task(officer, case, title="", due_on=None)
