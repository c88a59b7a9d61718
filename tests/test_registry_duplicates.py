"""Duplicates: volunteers' answers, the learned model, duplicate_pairs, the review queue, merge and unmerge."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from caminante.assistance.models import ServiceDelivery
from caminante.core.models import AuditEvent, NationalSociety
from caminante.core.roles import Role
from caminante.registry import engine, selectors, services
from caminante.registry.models import (
    Consent,
    DuplicateCandidate,
    DuplicateStatus,
    MatchDecision,
    MatchDecisionKind,
    MatchModel,
    Membership,
    MergeRecord,
    Person,
    PersonServicePoint,
)
from tests.builders import person_input, register
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _yusmary(user, given="Yusmary", **extra):
    extra.setdefault("birth_date", date(1992, 3, 14))
    extra.setdefault("phone", "0412-1234567")
    return register(user, given, "González", "Pérez", **extra)


# ---- duplicate_pairs (contract 4, for cash) ----------------------------------------------------


def test_duplicate_pairs_finds_the_same_person_not_the_twin(users):
    officer = users["officer.co"]
    a = _yusmary(users["volunteer.co"])
    b = _yusmary(users["volunteer.co"], given="Yusmari")
    twin = _yusmary(users["volunteer.co"], given="Yorgelis")
    other = register(users["volunteer.co"], "Pedro José", "Rodríguez", "Páez")
    pairs = selectors.duplicate_pairs(officer, [a.pk, b.pk, twin.pk, other.pk])
    assert [{p.person_a_id, p.person_b_id} for p in pairs] == [{a.pk, b.pk}]
    assert pairs[0].score >= 0.9
    assert "same date of birth" in pairs[0].reasons


def test_duplicate_pairs_skips_not_the_same_and_other_countries(users):
    officer = users["officer.co"]
    a = _yusmary(users["volunteer.co"])
    b = _yusmary(users["volunteer.co"], given="Yusmari")
    peruvian = _yusmary(users["volunteer.pe"])
    assert len(selectors.duplicate_pairs(officer, [a.pk, b.pk, peruvian.pk])) == 1
    assert selectors.duplicate_pairs(officer, [a.pk, peruvian.pk]) == []
    MatchDecision.objects.create(
        national_society=a.national_society,
        person_a=b,
        person_b=a,
        decision=MatchDecisionKind.NOT_SAME,
        source="review",
    )
    assert selectors.duplicate_pairs(officer, [a.pk, b.pk]) == []
    with pytest.raises(PermissionDenied):
        selectors.duplicate_pairs(users["analyst"], [a.pk, b.pk])


# ---- answers at registration and the learned model ----------------------------------------------


def test_registration_answers_are_stored_and_audited(users):
    volunteer = users["volunteer.co"]
    existing = _yusmary(volunteer)
    sister = _yusmary(volunteer, given="Yorgelis")
    data = person_input("Yusmari", "González", "Pérez", birth_date=date(1992, 3, 14))
    data.shown_candidates = [(str(existing.pk), 0.97), (str(sister.pk), 0.04), ("not-a-uuid", 0.5)]
    data.existing_person_id = str(existing.pk)
    assert services.register_person(volunteer, data) == existing
    decisions = {d.person_a_id: d for d in MatchDecision.objects.all()}
    assert decisions[existing.pk].decision == MatchDecisionKind.SAME
    assert decisions[existing.pk].score_shown == pytest.approx(0.97)
    assert decisions[existing.pk].probe["given_names"] == "Yusmari"
    assert decisions[sister.pk].decision == MatchDecisionKind.NOT_SAME
    assert decisions[sister.pk].person_b_id is None
    assert AuditEvent.objects.filter(action="person.match_answer").count() == 2


def test_new_person_answer_is_remembered_as_not_the_same(users):
    volunteer = users["volunteer.co"]
    existing = _yusmary(volunteer)
    data = person_input("Yusmari", "González", "Pérez", birth_date=date(1992, 3, 14), phone="0412-1234567")
    data.shown_candidates = [(str(existing.pk), 0.9)]
    new = services.register_person(volunteer, data)
    d = MatchDecision.objects.get()
    assert (d.person_a_id, d.person_b_id, d.decision) == (existing.pk, new.pk, MatchDecisionKind.NOT_SAME)
    # duplicate_pairs and the duplicate check for the new person honour it.
    assert selectors.duplicate_pairs(users["officer.co"], [existing.pk, new.pk]) == []
    found = selectors.find_candidates(
        volunteer, given_names="Yusmari", family_name_1="González", birth_date=date(1992, 3, 14), person=new
    )
    assert existing.pk not in [c.person.pk for c in found]


def test_candidates_from_another_country_are_never_recorded(users):
    peruvian = _yusmary(users["volunteer.pe"])
    data = person_input("Yusmari", "González", "Pérez")
    data.shown_candidates = [(str(peruvian.pk), 0.9)]
    services.register_person(users["volunteer.co"], data)
    assert not MatchDecision.objects.exists()


def test_decisions_change_the_model_used_by_the_duplicate_check(users):
    volunteer = users["volunteer.co"]
    ns = volunteer.national_society
    assert services.improve_model(ns) is None
    before = selectors.find_candidates(volunteer, given_names="Yusmary", family_name_1="González")
    people = [_yusmary(volunteer, given=g, phone="") for g in ("Yusmary", "Yorgelis", "Maikel", "Johnny")]
    for i in range(12):
        for person in people:
            MatchDecision.objects.create(
                national_society=ns,
                person_a=person,
                probe=engine.record_to_json(engine.person_record(person)),
                decision=MatchDecisionKind.SAME if i % 2 else MatchDecisionKind.NOT_SAME,
                source="registration",
            )
    stored = services.improve_model(ns)
    assert stored.decisions_used == 48
    assert MatchModel.objects.get(national_society=ns).parameters["calibration"] != [1.0, 0.0]
    assert engine.model_for(ns.pk).to_dict() == stored.parameters
    assert AuditEvent.objects.filter(action="matching.model_improved").exists()
    after = selectors.find_candidates(volunteer, given_names="Yusmary", family_name_1="González")
    assert before == [] or after[0].score != before[0].score
    # Peru keeps the default model.
    assert engine.model_for(NationalSociety.objects.get(country="PE").pk).to_dict()["calibration"] == [1.0, 0.0]
    assert services.improve_all_models() == "0 model(s) improved"


def test_improve_matching_command(users):
    from django.core.management import call_command

    volunteer = users["volunteer.co"]
    existing = _yusmary(volunteer)
    data = person_input("Yusmari", "González", "Pérez")
    data.shown_candidates = [(str(existing.pk), 0.9)]
    data.existing_person_id = str(existing.pk)
    services.register_person(volunteer, data)
    call_command("improve_matching", national_society="CO")
    assert MatchModel.objects.get(national_society=volunteer.national_society).decisions_used == 1


# ---- the review queue ---------------------------------------------------------------------------


@pytest.fixture
def pair(users, sp_co_other):
    """Yusmary registered twice (Cúcuta, then Maicao with a misspelling), her twin, and a Peruvian copy."""
    first = _yusmary(users["volunteer.co"])
    maicao = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    second = _yusmary(maicao, given="Yusmari")
    twin = _yusmary(users["volunteer.co"], given="Yorgelis")
    _yusmary(users["volunteer.pe"])
    _yusmary(users["volunteer.pe"], given="Yusmari")
    return {"first": first, "second": second, "twin": twin, "maicao": maicao}


def test_find_duplicates_queues_pairs_per_national_society(users, pair):
    co = users["volunteer.co"].national_society
    report = services.find_duplicates(co)
    assert (report.people, report.new) == (3, 1)
    candidate = DuplicateCandidate.objects.get(national_society=co)
    assert {candidate.person_a_id, candidate.person_b_id} == {pair["first"].pk, pair["second"].pk}
    assert candidate.score >= 0.9 and candidate.reasons
    # A second run changes nothing; Peru's run queues Peru's pair only.
    assert services.find_duplicates(co).new == 0
    services.find_duplicates(users["volunteer.pe"].national_society)
    assert DuplicateCandidate.objects.count() == 2
    # Scoped reads: a data manager of Peru never sees the Colombian pair; volunteers see no queue.
    assert [c.pk for c in selectors.duplicate_queue(users["datamanager.co"])] == [candidate.pk]
    assert candidate.pk not in [c.pk for c in selectors.duplicate_queue(users["datamanager.pe"])]
    assert len(selectors.duplicate_queue(users["admin"])) == 2
    for role in ("volunteer.co", "officer.co", "protection.co", "analyst"):
        with pytest.raises(PermissionDenied):
            selectors.duplicate_queue(users[role])


def test_not_the_same_is_remembered_forever(users, pair):
    co = users["volunteer.co"].national_society
    services.find_duplicates(co)
    candidate = DuplicateCandidate.objects.get(national_society=co)
    with pytest.raises(DuplicateCandidate.DoesNotExist):
        services.mark_not_same(users["datamanager.pe"], candidate.pk)
    with pytest.raises(PermissionDenied):
        services.mark_not_same(users["volunteer.co"], candidate.pk)
    services.mark_not_same(users["datamanager.co"], candidate.pk)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.NOT_SAME
    assert AuditEvent.objects.filter(action="duplicates.not_same").exists()
    with pytest.raises(ValidationError):
        services.mark_not_same(users["datamanager.co"], candidate.pk)
    # Not queued again, not a duplicate for cash, not proposed for either person.
    assert services.find_duplicates(co).new == 0
    assert list(selectors.duplicate_queue(users["datamanager.co"])) == []
    assert selectors.duplicate_pairs(users["officer.co"], [pair["first"].pk, pair["second"].pk]) == []
    found = selectors.find_candidates(
        users["volunteer.co"], given_names="Yusmary", family_name_1="González", person=pair["second"]
    )
    assert pair["first"].pk not in [c.person.pk for c in found]


def _snapshot(person):
    return {
        "consents": set(Consent.objects.filter(person=person).values_list("pk", flat=True)),
        "links": set(PersonServicePoint.objects.filter(person=person).values_list("service_point_id", flat=True)),
        "memberships": set(Membership.objects.filter(person=person).values_list("pk", flat=True)),
        "deliveries": set(ServiceDelivery.objects.filter(person=person).values_list("pk", flat=True)),
    }


def test_merge_and_unmerge_lose_nothing(users, pair, sp_co):
    from caminante.assistance.services import record_delivery
    from caminante.core.models import ServiceType

    first, second, maicao = pair["first"], pair["second"], pair["maicao"]
    household = services.register_household(
        maicao,
        [
            person_input("Luis", relationship="head"),
            person_input("Yusmari", existing_person_id=str(second.pk), relationship="spouse"),
        ],
    )
    kind = ServiceType.objects.first()
    record_delivery(maicao, service_type=kind, person=second, unit="kit")
    record_delivery(users["volunteer.co"], service_type=kind, person=first, unit="kit")
    services.link_to_service_point(second, sp_co)  # both linked to Cúcuta: one link is redundant
    before_first, before_second = _snapshot(first), _snapshot(second)
    assert before_second["memberships"] and before_second["deliveries"]
    services.find_duplicates(first.national_society)
    candidate = DuplicateCandidate.objects.get(national_society=first.national_society)

    with pytest.raises(PermissionDenied):
        services.merge_people(users["volunteer.co"], candidate.pk)
    record = services.merge_people(users["datamanager.co"], candidate.pk)
    second.refresh_from_db()
    assert record.survivor_id == first.pk and second.merged_into_id == first.pk  # the older code survives
    after = _snapshot(first)
    for key in after:
        assert after[key] >= before_first[key] | before_second[key], key
    assert _snapshot(second) == {"consents": set(), "links": set(), "memberships": set(), "deliveries": set()}
    assert Membership.objects.get(household=household, person=first).relationship == "spouse"
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.MERGED
    # Hidden from lists and search; the audit log names both people.
    assert not selectors.people_for(users["officer.co"]).filter(pk=second.pk).exists()
    assert second.pk not in [p.pk for p in selectors.search_people(users["officer.co"], "Yusmari González")]
    events = AuditEvent.objects.filter(action__in=["person.merged", "person.merged_into"])
    assert {e.object_id for e in events} == {str(first.pk), str(second.pk)}

    services.unmerge(users["datamanager.co"], record.pk)
    second.refresh_from_db()
    assert second.merged_into_id is None
    assert _snapshot(first) == before_first
    assert _snapshot(second) == before_second
    assert AuditEvent.objects.filter(action="person.unmerged").exists()
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.OPEN
    with pytest.raises(ValidationError):
        services.unmerge(users["datamanager.co"], record.pk)
    from caminante.core.audit import verify_chain

    assert verify_chain().ok


def test_merge_refuses_two_members_of_one_household_and_changes_nothing(users, pair):
    first, second = pair["first"], pair["second"]
    services.register_household(
        users["volunteer.co"],
        [
            person_input("Luis", relationship="head"),
            person_input("Yusmary", existing_person_id=str(first.pk), relationship="sibling"),
            person_input("Yusmari", existing_person_id=str(second.pk), relationship="sibling"),
        ],
    )
    before = _snapshot(first), _snapshot(second)
    with pytest.raises(ValidationError) as error:
        services.merge_people(users["datamanager.co"], person_a_id=first.pk, person_b_id=second.pk)
    assert "cannot be combined" in str(error.value)
    second.refresh_from_db()
    assert second.merged_into_id is None
    assert (_snapshot(first), _snapshot(second)) == before
    assert not MergeRecord.objects.exists()


def test_merge_across_national_societies_is_refused(users, pair):
    peruvian = Person.objects.filter(national_society__country="PE").first()
    with pytest.raises(ValidationError):
        services.merge_people(users["admin"], person_a_id=pair["first"].pk, person_b_id=peruvian.pk)
    with pytest.raises(ValidationError):
        services.merge_people(users["datamanager.co"], person_a_id=pair["first"].pk, person_b_id=peruvian.pk)
