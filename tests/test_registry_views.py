"""Registration, person and household pages, search, through the Django test client."""

import pytest
from django.test import Client
from django.urls import reverse

from caminante.core.models import AuditEvent
from caminante.registry.models import Household, Membership, Person, PersonServicePoint
from tests.builders import fast_hashing, register  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _member(prefix="m0", given="Yusmari", family1="Gonzales", family2="", **extra) -> dict:
    data = {
        f"{prefix}-given_names": given,
        f"{prefix}-family_name_1": family1,
        f"{prefix}-family_name_2": family2,
        f"{prefix}-sex": "female",
        f"{prefix}-birth_date": "",
        f"{prefix}-estimated_age": "",
        f"{prefix}-nationality": "VE",
        f"{prefix}-document_type": "",
        f"{prefix}-document_number": "",
        f"{prefix}-phone": "",
        f"{prefix}-migration_situation": "in_transit",
        f"{prefix}-consents": ["assistance", "whatsapp"],
        f"{prefix}-consent_channel": "in_person",
    }
    data.update({f"{prefix}-{k}": v for k, v in extra.items()})
    return data


def test_register_page_renders(users):
    response = _client(users["volunteer.co"]).get(reverse("register"))
    assert response.status_code == 200
    assert b'name="m0-given_names"' in response.content
    household = _client(users["volunteer.co"]).get(reverse("register") + "?members=2")
    assert b'name="m1-relationship"' in household.content


def test_register_a_new_person_without_similar_people(users, sp_co):
    client = _client(users["volunteer.co"])
    response = client.post(reverse("register"), {"members": "1", **_member(given="Wilmer", family1="Quintero")})
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("person", kwargs={"person_id": person.pk})
    assert person.service_point == sp_co
    assert person.migration_situation == "in_transit"
    assert set(person.consents.values_list("purpose", flat=True)) == {"assistance", "whatsapp"}
    page = client.get(response["Location"])
    assert person.code in page.content.decode()


def test_register_shows_duplicates_then_same_person(users, sp_co_other):
    existing = register(users["officer.co"], "Yusmary", "González", "Pérez", service_point=sp_co_other)
    client = _client(users["volunteer.co"])
    first = client.post(reverse("register"), {"members": "1", **_member()})
    assert first.status_code == 200
    html = first.content.decode()
    assert existing.code in html
    assert 'name="checked" value="1"' in html
    assert f'value="{existing.pk}"' in html
    assert Person.objects.count() == 1

    second = client.post(
        reverse("register"), {"members": "1", "checked": "1", "m0-match_choice": str(existing.pk), **_member()}
    )
    assert second.status_code == 302
    assert second["Location"] == reverse("person", kwargs={"person_id": existing.pk})
    assert Person.objects.count() == 1
    assert PersonServicePoint.objects.filter(person=existing, service_point=users["volunteer.co"].service_point)
    assert AuditEvent.objects.filter(action="person.confirmed_same", object_id=str(existing.pk)).exists()
    # Now the volunteer's HSP serves her: her page opens.
    assert client.get(second["Location"]).status_code == 200


def test_register_shows_duplicates_then_new_person(users):
    existing = register(users["volunteer.co"], "Yusmary", "González", "Pérez")
    client = _client(users["volunteer.co"])
    assert client.post(reverse("register"), {"members": "1", **_member()}).status_code == 200
    response = client.post(reverse("register"), {"members": "1", "checked": "1", "m0-match_choice": "new", **_member()})
    assert response.status_code == 302
    assert Person.objects.count() == 2
    new = Person.objects.exclude(pk=existing.pk).get()
    assert new.given_names == "Yusmari"


def test_register_with_bad_input_shows_errors_and_saves_nothing(users):
    client = _client(users["volunteer.co"])
    response = client.post(
        reverse("register"),
        {"members": "1", "checked": "1", **_member(given="Wilmer", family1="Quintero", phone="12", consents=[])},
    )
    assert response.status_code == 400
    assert "12" in response.content.decode()
    assert Person.objects.count() == 0


def test_register_a_household_with_two_members(users):
    client = _client(users["volunteer.co"])
    data = {
        "members": "2",
        **_member("m0", given="Wilmer", family1="Quintero", relationship="head"),
        **_member("m1", given="Ana Karina", family1="Quintero", relationship="child", **{"estimated_age": "7"}),
    }
    response = client.post(reverse("register"), data)
    assert response.status_code == 302
    household = Household.objects.get()
    assert response["Location"] == reverse("household", kwargs={"household_id": household.pk})
    assert sorted(Membership.objects.filter(household=household).values_list("relationship", flat=True)) == [
        "child",
        "head",
    ]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Ana Karina" in page.content.decode()


def test_household_without_head_is_refused(users):
    client = _client(users["volunteer.co"])
    data = {
        "members": "2",
        "checked": "1",
        **_member("m0", given="Wilmer", family1="Quintero", relationship="spouse"),
        **_member("m1", given="Ana", family1="Quintero", relationship="child"),
    }
    response = client.post(reverse("register"), data)
    assert response.status_code == 400
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_add_member_keeps_what_was_typed(users):
    client = _client(users["volunteer.co"])
    response = client.post(
        reverse("register"), {"members": "1", "action": "add_member", **_member(given="Wilmer", family1="Quintero")}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="m1-given_names"' in html
    assert 'value="Wilmer"' in html
    assert Person.objects.count() == 0


def test_officer_registers_at_a_chosen_service_point(users, sp_co_other):
    client = _client(users["officer.co"])
    page = client.get(reverse("register"))
    assert f'value="{sp_co_other.pk}"'.encode() in page.content
    response = client.post(
        reverse("register"),
        {"members": "1", "service_point": str(sp_co_other.pk), **_member(given="Wilmer", family1="Quintero")},
    )
    assert response.status_code == 302
    assert Person.objects.get().service_point == sp_co_other


def test_search_page(users):
    person = register(users["volunteer.co"], "Yusmary", "González", "Pérez")
    client = _client(users["volunteer.co"])
    assert client.get(reverse("search")).status_code == 200
    response = client.get(reverse("search"), {"q": "yusmari gonzales"})
    assert response.status_code == 200
    assert person.code in response.content.decode()
    response = client.get(reverse("search"), {"q": person.code.lower().replace("-", "")})
    assert person.full_name in response.content.decode()


def test_person_of_another_country_is_404_and_logged(users):
    peruvian = register(users["volunteer.pe"], "Rosa", "Mendoza")
    for role in ("volunteer.co", "officer.co"):
        user = users[role]
        response = _client(user).get(reverse("person", kwargs={"person_id": peruvian.pk}))
        assert response.status_code == 404
        assert "Rosa" not in response.content.decode()
        event = AuditEvent.objects.filter(action="access.denied", actor_id=user.pk).get()
        assert str(peruvian.pk) in str(event.data)


def test_household_of_another_country_is_404(users):
    from caminante.registry.services import register_household
    from tests.builders import person_input

    household = register_household(users["volunteer.pe"], [person_input("Rosa", relationship="head")])
    response = _client(users["officer.co"]).get(reverse("household", kwargs={"household_id": household.pk}))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_unknown_id_is_404_without_an_audit_event(users):
    import uuid

    response = _client(users["volunteer.co"]).get(reverse("person", kwargs={"person_id": uuid.uuid4()}))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="access.denied").exists()


def test_protection_information_only_for_protection_roles(users):
    person = register(users["volunteer.co"], survivor_of_violence=True)
    url = reverse("person", kwargs={"person_id": person.pk}) + "?protection=1"
    volunteer_page = _client(users["volunteer.co"]).get(url)
    assert volunteer_page.status_code == 200
    assert 'class="sensitive"' not in volunteer_page.content.decode()
    assert not AuditEvent.objects.filter(action="person.protection_read").exists()
    protection_page = _client(users["protection.co"]).get(url)
    assert protection_page.status_code == 200
    assert protection_page.context["protection"] == {"survivor_of_violence": True}
    assert AuditEvent.objects.filter(action="person.protection_read", actor_id=users["protection.co"].pk).exists()
