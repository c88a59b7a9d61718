"""Clean text at the door and consistency rules of a person's data (issue 11), on the service, the
registration page and the API; a service delivery dated in the future; the messages in Spanish
and Portuguese."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from caminante.assistance.models import ServiceDelivery
from caminante.registry import services
from caminante.registry.models import Membership, Person
from tests.builders import fast_hashing, person_input, register  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _years_ago(years: int, days: int = 0) -> date:
    try:
        day = TODAY.replace(year=TODAY.year - years)
    except ValueError:  # 29 February
        day = TODAY.replace(year=TODAY.year - years, day=28)
    return day - timedelta(days=days)


def _errors(user, **extra) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        register(user, **extra)
    return excinfo.value.message_dict


# ---- clean text ---------------------------------------------------------------------------------------


def test_names_document_and_phone_are_cleaned(users):
    person = register(
        users["volunteer.co"],
        "\u202eYus\u200bmary\u200f  Andreína",
        "Gonza\u0301lez\x07",  # a combining accent (NFD) and a control character
        "Pé\ufeffrez",
        document_type="ve_cedula",
        document_number="V-12\u200b.345.678",
        phone="+58\u00a0412\u2060 123 4567",
    )
    assert person.given_names == "Yusmary Andreína"
    assert person.family_name_1 == "González"  # NFC: one character, as typed on another phone
    assert person.family_name_2 == "Pérez"
    assert person.document_number == "V-12.345.678"
    assert person.phone_e164 == "+584121234567"
    assert "\u202e" not in person.search_name and "yusmary" in person.search_name


def test_a_name_of_invisible_characters_only_is_empty(users):
    errors = _errors(users["volunteer.co"], given="\u200b\u202e", family1="\u200d", family2="")
    assert "given_names" in errors and "family_name_1" in errors


@pytest.mark.parametrize(
    ("field", "limit"),
    [("given_names", 120), ("family_name_1", 80), ("family_name_2", 80), ("document_number", 40), ("phone", 40)],
)
def test_an_over_long_value_is_refused_never_cut(users, field, limit):
    data = {"given": "Ana", "family1": "Pérez", "family2": "", "document_type": "passport"}
    value = "A" * (limit + 1)
    key = {"given_names": "given", "family_name_1": "family1", "family_name_2": "family2"}.get(field, field)
    data[key] = value
    with translation.override("en"):
        errors = _errors(users["volunteer.co"], **data)
    assert errors[field] == [f"At most {limit} characters (this has {limit + 1})."]
    assert not Person.objects.exists()


# ---- consistency rules on the service -------------------------------------------------------------------


def test_pregnancy_is_refused_for_a_male(users):
    errors = _errors(users["volunteer.co"], sex="male", pregnant_or_lactating=True, birth_date=_years_ago(30))
    assert list(errors) == ["pregnant_or_lactating"]
    for sex in ("female", "intersex", "unknown"):
        register(users["volunteer.co"], f"Ana{sex}", sex=sex, pregnant_or_lactating=True, birth_date=_years_ago(30))


@pytest.mark.parametrize(("age", "ok"), [(9, False), (10, True), (25, True), (60, True), (61, False), (75, False)])
def test_pregnancy_is_refused_under_10_or_over_60(users, age, ok):
    for extra in ({"birth_date": _years_ago(age, days=3)}, {"estimated_age": age}):
        if ok:
            assert register(users["volunteer.co"], pregnant_or_lactating=True, **extra).pregnant_or_lactating
            Person.objects.all().delete()
        else:
            assert list(_errors(users["volunteer.co"], pregnant_or_lactating=True, **extra)) == [
                "pregnant_or_lactating"
            ]
    # An unknown age is not refused.
    register(users["volunteer.co"], "Sinedad", pregnant_or_lactating=True)


@pytest.mark.parametrize(("age", "ok"), [(0, True), (17, True), (18, False), (40, False)])
def test_unaccompanied_child_only_under_18(users, age, ok):
    extra = {"birth_date": _years_ago(age, days=3), "unaccompanied_or_separated_child": True}
    if ok:
        assert register(users["volunteer.co"], **extra).unaccompanied_or_separated_child
    else:
        assert list(_errors(users["volunteer.co"], **extra)) == ["unaccompanied_or_separated_child"]
    register(users["volunteer.co"], "Sinedad", unaccompanied_or_separated_child=True)  # age unknown


def test_birth_date_and_estimated_age_must_agree(users):
    errors = _errors(users["volunteer.co"], birth_date=_years_ago(30, days=3), estimated_age=25)
    assert list(errors) == ["estimated_age"]
    assert "30" in errors["estimated_age"][0] and "25" in errors["estimated_age"][0]
    # One year apart agrees: the date of birth is kept, not estimated.
    person = register(users["volunteer.co"], birth_date=_years_ago(30, days=3), estimated_age=31)
    assert person.birth_date == _years_ago(30, days=3) and not person.birth_date_estimated


def test_birth_date_not_before_1900_nor_in_the_future(users):
    assert list(_errors(users["volunteer.co"], birth_date=date(1899, 12, 31))) == ["birth_date"]
    assert list(_errors(users["volunteer.co"], birth_date=TODAY + timedelta(days=1))) == ["birth_date"]
    assert register(users["volunteer.co"], birth_date=TODAY).age == 0


def test_the_rules_apply_to_every_member_of_a_household(users):
    members = [
        person_input("Juan", "Rondón", sex="male", relationship="head", pregnant_or_lactating=True),
        person_input("Ana", "Rondón", relationship="child", estimated_age=30, unaccompanied_or_separated_child=True),
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.register_household(users["volunteer.co"], members)
    assert set(excinfo.value.message_dict) == {
        "member_1.pregnant_or_lactating",
        "member_2.unaccompanied_or_separated_child",
    }
    assert not Person.objects.exists()


# ---- on the registration page ----------------------------------------------------------------------------


def _page(user, **fields):
    data = {
        "members": "1",
        "checked": "1",
        "m0-given_names": "Wilmer",
        "m0-family_name_1": "Quintero",
        "m0-family_name_2": "",
        "m0-sex": "female",
        "m0-birth_date": "",
        "m0-estimated_age": "",
        "m0-nationality": "VE",
        "m0-document_type": "",
        "m0-document_number": "",
        "m0-phone": "",
        "m0-migration_situation": "in_transit",
        "m0-consents": ["assistance"],
        "m0-consent_channel": "in_person",
    }
    data.update({f"m0-{k}": v for k, v in fields.items()})
    client = Client()
    client.force_login(user)
    return client.post(reverse("register"), data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sex": "male", "pregnant_or_lactating": "on", "estimated_age": "30"}, "pregnant_or_lactating"),
        ({"pregnant_or_lactating": "on", "estimated_age": "65"}, "pregnant_or_lactating"),
        ({"pregnant_or_lactating": "on", "estimated_age": "8"}, "pregnant_or_lactating"),
        ({"unaccompanied_or_separated_child": "on", "estimated_age": "20"}, "unaccompanied_or_separated_child"),
        ({"birth_date": "1990-01-15", "estimated_age": "20"}, "estimated_age"),
        ({"birth_date": "1899-06-01"}, "birth_date"),
        ({"birth_date": (TODAY + timedelta(days=2)).isoformat()}, "birth_date"),
    ],
)
def test_page_shows_the_rule_on_the_field(users, fields, field):
    response = _page(users["volunteer.co"], **fields)
    assert response.status_code == 400
    assert response.context["forms"][0].errors[field]
    assert not Person.objects.exists()


def test_page_stores_clean_names(users):
    response = _page(users["volunteer.co"], given_names="Wil\u200bmer\u202e", family_name_1="Quinte\u0301ro")
    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.given_names, person.family_name_1) == ("Wilmer", "Quintéro")


# ---- on the API --------------------------------------------------------------------------------------------


def _api(username="volunteer.co") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def _payload(**extra) -> dict:
    return {"given_names": "Rosa", "family_name_1": "Mendoza", "sex": "female", "consents": ["assistance"], **extra}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sex": "male", "pregnant_or_lactating": True}, "pregnant_or_lactating"),
        ({"pregnant_or_lactating": True, "estimated_age": 61}, "pregnant_or_lactating"),
        ({"pregnant_or_lactating": True, "birth_date": _years_ago(9).isoformat()}, "pregnant_or_lactating"),
        ({"unaccompanied_or_separated_child": True, "estimated_age": 18}, "unaccompanied_or_separated_child"),
        ({"birth_date": "1990-01-15", "estimated_age": 50}, "estimated_age"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
    ],
)
def test_api_refuses_inconsistent_people(users, fields, field):
    response = _api().post("/api/v1/people/", _payload(**fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Person.objects.exists()


def test_api_household_member_rules_are_keyed_by_member(users):
    payload = {
        "members": [
            _payload(relationship="head"),
            _payload(relationship="child", sex="male", pregnant_or_lactating=True),
        ]
    }
    response = _api().post("/api/v1/households/", payload, format="json")
    assert response.status_code == 400
    assert "member_2.pregnant_or_lactating" in response.json()["errors"]


def test_api_stores_clean_text(users):
    response = _api().post(
        "/api/v1/people/", _payload(given_names="\u202eRo\u200bsa", family_name_1="Mendo\u0301za"), format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["given_names"], response.json()["family_name_1"]) == ("Rosa", "Mendóza")


def test_api_refuses_an_over_long_name(users):
    response = _api().post("/api/v1/people/", _payload(family_name_1="M" * 81), format="json")
    assert response.status_code == 400
    assert "family_name_1" in response.json()["errors"]
    assert not Person.objects.exists()


# ---- a service delivery dated in the future -------------------------------------------------------------------


def test_api_refuses_a_delivery_in_the_future(users):
    person = register(users["volunteer.co"])
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = _api().post(
        "/api/v1/service-deliveries/",
        {"service_type": "food", "person": str(person.pk), "delivered_at": future},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "delivered_at" in response.json()["errors"]
    assert not ServiceDelivery.objects.exists()
    past = (timezone.now() - timedelta(hours=2)).isoformat()
    ok = _api().post(
        "/api/v1/service-deliveries/",
        {"service_type": "food", "person": str(person.pk), "delivered_at": past},
        format="json",
    )
    assert ok.status_code == 201, ok.content


# ---- translations ---------------------------------------------------------------------------------------------------


def _refused(user, members) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        services.register_household(user, members)
    return excinfo.value.messages


def _messages(user) -> list[str]:
    """Each new message of issue 11, raised once."""
    out = []
    for extra in (
        {"sex": "male", "pregnant_or_lactating": True},
        {"pregnant_or_lactating": True, "estimated_age": 70},
        {"unaccompanied_or_separated_child": True, "estimated_age": 30},
        {"birth_date": _years_ago(30, days=3), "estimated_age": 20},
        {"birth_date": date(1800, 1, 1)},
        {"family2": "P" * 81},
    ):
        out += [m for messages in _errors(user, **extra).values() for m in messages]
    out += _refused(user, [person_input(f"P{i}", relationship="head" if i == 0 else "relative") for i in range(31)])
    luisa = register(user, "Luisa", "Mejías")
    out += _refused(
        user,
        [
            person_input("Pedro", sex="male", relationship="head"),
            person_input(relationship="spouse", existing_person_id=str(luisa.pk)),
            person_input(relationship="child", existing_person_id=str(luisa.pk)),
        ],
    )
    services.register_household(
        user,
        [
            person_input(relationship="head", existing_person_id=str(luisa.pk)),
            person_input("Nené", relationship="child"),
        ],
    )
    # Luisa heads a household with a child: she cannot leave it alone.
    out += _refused(user, [person_input(relationship="head", existing_person_id=str(luisa.pk))])
    nene = Person.objects.get(given_names="Nené")
    moved = services.register_household(
        user,
        [
            person_input("Jefe", sex="male", relationship="head"),
            person_input(relationship="child", existing_person_id=str(nene.pk)),
        ],
    )
    out += [m.message for m in moved.moves]
    return out


@pytest.mark.parametrize("language", ["es", "pt"])
def test_new_messages_are_translated(users, language):
    with translation.override("en"):
        english = _messages(users["volunteer.co"])
    Membership.objects.all().delete()
    Person.objects.all().delete()
    with translation.override(language):
        translated = _messages(users["volunteer.co"])
    assert len(english) == len(translated) == 10
    for en, other in zip(english, translated, strict=True):
        assert en != other, f"not translated to {language}: {en}"
