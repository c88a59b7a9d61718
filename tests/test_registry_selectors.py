"""Searching people and the duplicate check, always within the asking user's scope."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from caminante.core.models import User
from caminante.core.roles import Role
from caminante.registry import selectors
from caminante.registry.services import link_to_service_point
from tests.builders import fast_hashing, register  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Reasons are translated; these tests read them in the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(users, sp_co, sp_co_other, sp_pe):
    """Yusmary in Cúcuta, Pedro in Maicao (both Colombia), a Peruvian Yusmary in Tumbes."""
    yusmary = register(
        users["volunteer.co"],
        "Yusmary",
        "González",
        "Pérez",
        birth_date=date(1992, 3, 14),
        phone="0412-1234567",
        document_type="ve_cedula",
        document_number="V-12.345.678",
    )
    pedro = register(users["officer.co"], "Pedro José", "Rodríguez", "Páez", service_point=sp_co_other)
    peruvian = register(
        users["volunteer.pe"],
        "Yusmary",
        "González",
        "Pérez",
        birth_date=date(1992, 3, 14),
        phone="0412-1234567",
        document_type="ve_cedula",
        document_number="V-12.345.678",
    )
    return {"yusmary": yusmary, "pedro": pedro, "peruvian": peruvian}


def _search(user, text):
    return [p.pk for p in selectors.search_people(user, text)]


def test_search_by_code(users, people):
    volunteer, code = users["volunteer.co"], people["yusmary"].code
    assert _search(volunteer, code) == [people["yusmary"].pk]
    assert _search(volunteer, code.lower().replace("-", "")) == [people["yusmary"].pk]
    assert _search(volunteer, code.replace("0", "o").replace("1", "i").lower()) == [people["yusmary"].pk]


@pytest.mark.parametrize("text", ["+58 412 123 4567", "0412 1234567", "04121234567", "+584121234567"])
def test_search_by_phone_in_another_format(users, people, text):
    assert _search(users["volunteer.co"], text) == [people["yusmary"].pk]


@pytest.mark.parametrize("text", ["12345678", "V-12.345.678", "v12345678", "12.345.678"])
def test_search_by_document_number(users, people, text):
    assert _search(users["volunteer.co"], text) == [people["yusmary"].pk]


@pytest.mark.parametrize(
    "text",
    [
        "Yusmary González Pérez",
        "yusmary gonzalez perez",  # accents dropped, lower case
        "González Pérez Yusmary",  # surnames first
        "Yusmary Pérez",  # first surname missing
        "Yusmary Gonzalez",  # second surname missing
        "Yusmari Gonzales",  # typos
        "Pérez González Yusmari",
        "YUSMARY",
    ],
)
def test_search_by_misspelled_name(users, people, text):
    assert _search(users["volunteer.co"], text)[:1] == [people["yusmary"].pk]


def test_empty_or_unmatched_search(users, people):
    assert _search(users["volunteer.co"], "") == []
    assert _search(users["volunteer.co"], "Zacarías Wolfenstein") == []


def test_volunteer_sees_only_people_of_their_hsp(users, people):
    volunteer = users["volunteer.co"]
    visible = set(selectors.people_for(volunteer).values_list("pk", flat=True))
    assert visible == {people["yusmary"].pk}
    assert _search(volunteer, "Pedro Rodríguez") == []
    assert _search(volunteer, people["pedro"].code) == []


def test_person_served_at_another_hsp_becomes_visible_there(users, people, sp_co):
    link_to_service_point(people["pedro"], sp_co)
    assert people["pedro"].pk in set(selectors.people_for(users["volunteer.co"]).values_list("pk", flat=True))


def test_colombian_user_never_sees_a_peruvian_person(users, people):
    peruvian = people["peruvian"]
    for role in ("volunteer.co", "coordinator.co", "officer.co", "protection.co", "datamanager.co"):
        user = users[role]
        assert not selectors.people_for(user).filter(pk=peruvian.pk).exists(), role
        for text in (peruvian.code, "Yusmary González", "0412-1234567", "V-12.345.678"):
            assert peruvian.pk not in _search(user, text), (role, text)


def test_officer_sees_the_whole_national_society(users, people):
    visible = set(selectors.people_for(users["officer.co"]).values_list("pk", flat=True))
    assert visible == {people["yusmary"].pk, people["pedro"].pk}
    assert _search(users["officer.co"], "pedro jose rodriguez") == [people["pedro"].pk]


def test_admin_sees_every_country(users, people):
    assert selectors.people_for(users["admin"]).count() == 3


def test_analyst_may_not_read_people(users, people):
    with pytest.raises(PermissionDenied):
        selectors.people_for(users["analyst"])
    with pytest.raises(PermissionDenied):
        selectors.search_people(users["analyst"], "Yusmary")
    with pytest.raises(PermissionDenied):
        selectors.households_for(users["analyst"])
    with pytest.raises(PermissionDenied):
        selectors.find_candidates(users["analyst"], given_names="Yusmary", family_name_1="González")


def test_scoping_fails_closed_without_a_scope(people):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        selectors.people_for(AnonymousUser())
    broken = User(username="no-scope", role=Role.OFFICER)  # never saved: the database refuses it
    with pytest.raises(PermissionDenied):
        selectors.people_for(broken)


def test_find_candidates_ranked_with_reasons(users, people):
    found = selectors.find_candidates(
        users["volunteer.co"],
        given_names="Yusmari",
        family_name_1="Gonzales",
        birth_date=date(1992, 3, 14),
        phone_e164="+584121234567",
    )
    assert found, "the same person with a misspelled name must be proposed"
    assert found[0].person.pk == people["yusmary"].pk
    assert people["peruvian"].pk not in [c.person.pk for c in found]
    reasons = " ".join(found[0].reasons)
    assert "date of birth" in reasons
    assert "phone" in reasons
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_find_candidates_day_month_swapped_and_document(users, people):
    found = selectors.find_candidates(
        users["volunteer.co"], given_names="Y.", family_name_1="Gonzalez", document_number="12.345.678"
    )
    assert found[0].person.pk == people["yusmary"].pk
    assert any("document" in r for r in found[0].reasons)


def test_find_candidates_across_the_national_society(users, people, sp_co_other):
    """A volunteer at another Colombian HSP is told about Yusmary, registered at Cúcuta."""
    maicao_volunteer = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    assert not selectors.people_for(maicao_volunteer).filter(pk=people["yusmary"].pk).exists()
    found = selectors.find_candidates(maicao_volunteer, given_names="Yusmary", family_name_1="Pérez")
    assert [c.person.pk for c in found] == [people["yusmary"].pk]


def test_find_candidates_never_crosses_a_border(users, people):
    found = selectors.find_candidates(
        users["volunteer.pe"],
        given_names="Yusmary",
        family_name_1="González",
        family_name_2="Pérez",
        document_number="12345678",
        phone_e164="+584121234567",
    )
    assert [c.person.pk for c in found] == [people["peruvian"].pk]


def test_households_for_scoping(users, people, sp_co):
    from caminante.registry.services import register_household
    from tests.builders import person_input

    co = register_household(
        users["volunteer.co"], [person_input("Ana", relationship="head"), person_input("Luis", relationship="child")]
    )
    pe = register_household(users["volunteer.pe"], [person_input("Rosa", relationship="head")])
    assert list(selectors.households_for(users["volunteer.co"])) == [co]
    assert list(selectors.households_for(users["officer.co"])) == [co]
    assert set(selectors.households_for(users["admin"])) == {co, pe}
    assert list(selectors.households_for(users["officer.pe"])) == [pe]


@pytest.mark.parametrize(
    "given, family1, family2",
    [
        ("Yusmari", "Gonzales", ""),  # typos and one surname missing, nothing else known
        ("yusmary", "perez", "gonzalez"),  # surnames swapped, no accents
        ("YUSMARY", "", "PÉREZ"),
    ],
)
def test_find_candidates_on_the_name_alone(users, people, given, family1, family2):
    found = selectors.find_candidates(
        users["volunteer.co"], given_names=given, family_name_1=family1, family_name_2=family2
    )
    assert [c.person.pk for c in found] == [people["yusmary"].pk]
    assert any("name" in r for r in found[0].reasons)


def test_find_candidates_probability_and_explanation(users, people):
    """The score is the engine's calibrated probability; reasons name what agrees and what is missing."""
    found = selectors.find_candidates(
        users["volunteer.co"],
        given_names="Yusmary",
        family_name_1="González",
        family_name_2="Pérez",
        sex="female",
        birth_date=date(1992, 3, 14),
        document_number="V12345678",
    )
    assert found[0].person.pk == people["yusmary"].pk
    assert found[0].score > 0.99
    assert "same identity document number" in found[0].reasons
    assert "same date of birth" in found[0].reasons
    assert any(r.startswith("not recorded for one of them") and "phone" in r for r in found[0].reasons)
    levels = {e["field"]: e["level"] for e in found[0].explanation}
    assert levels["given_names"] == "agrees" and levels["phone"] == "missing"


def test_a_twin_is_not_proposed_as_the_same_person(users, people):
    """Twins share family names, date of birth and phone: only the given name differs."""
    twin = register(
        users["volunteer.co"], "Yorgelis", "González", "Pérez", birth_date=date(1992, 3, 14), phone="0412-1234567"
    )
    found = selectors.find_candidates(
        users["volunteer.co"],
        given_names="Yusmary",
        family_name_1="González",
        family_name_2="Pérez",
        birth_date=date(1992, 3, 14),
        phone_e164="+584121234567",
    )
    by_pk = {c.person.pk: c for c in found}
    assert found[0].person.pk == people["yusmary"].pk and found[0].score > 0.9
    if twin.pk in by_pk:
        assert by_pk[twin.pk].score < 0.1
        assert any("relative" in r for r in by_pk[twin.pk].reasons)


def test_find_candidates_in_spanish(users, people):
    with translation.override("es"):
        found = selectors.find_candidates(users["volunteer.co"], given_names="Yusmary", family_name_1="González")
    assert found and found[0].reasons
    assert not any(r == "same given names" for r in found[0].reasons)
