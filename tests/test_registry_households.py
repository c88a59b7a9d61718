"""A person belongs to at most one current household: the database rule, moves between households
(service, page, API), the same person twice, the household size limit, and the data repair."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from caminante.core.models import AuditEvent
from caminante.core.roles import Role
from caminante.registry import selectors, services
from caminante.registry.models import Household, Membership, MembershipEnd, Person
from tests.builders import fast_hashing, person_input, register  # noqa: F401
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _household(user, *members):
    return services.register_household(user, list(members))


@pytest.fixture
def family(users):
    """Household A: Juan (head) and Luisa (spouse); Luisa is the one who moves."""
    volunteer = users["volunteer.co"]
    juan = register(volunteer, "Juan", "Rondón", "Mejías", sex="male")
    luisa = register(volunteer, "Luisa", "Mejías", "Rondón")
    home = _household(
        volunteer,
        person_input("Juan", "Rondón", "Mejías", sex="male", relationship="head", existing_person_id=str(juan.pk)),
        person_input("Luisa", "Mejías", "Rondón", relationship="spouse", existing_person_id=str(luisa.pk)),
    )
    return {"volunteer": volunteer, "juan": juan, "luisa": luisa, "home": home}


def _current(person):
    return list(Membership.objects.current().filter(person=person))


# ---- the database rule ---------------------------------------------------------------------------


def test_database_refuses_a_second_current_household(family, sp_co):
    luisa, home = family["luisa"], family["home"]
    other = Household.objects.create(national_society=sp_co.national_society, service_point=sp_co, code="CO-TEST-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(household=other, person=luisa, relationship="head")
    # An ended membership is history: it does not count.
    Membership.objects.filter(person=luisa, household=home).update(ended_at=timezone.now())
    Membership.objects.create(household=other, person=luisa, relationship="head")
    assert [m.household for m in _current(luisa)] == [other]
    # She may come back to the first household later; the old row stays.
    Membership.objects.filter(person=luisa, household=other).update(ended_at=timezone.now())
    Membership.objects.create(household=home, person=luisa, relationship="spouse")
    assert Membership.objects.filter(person=luisa, household=home).count() == 2


def test_database_refuses_two_current_heads_but_not_a_former_one(family):
    home, luisa = family["home"], family["luisa"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(person=luisa, household=home).update(relationship="head")
    Membership.objects.filter(household=home, relationship="head").update(ended_at=timezone.now())
    Membership.objects.filter(person=luisa, household=home).update(relationship="head")
    assert Membership.objects.current().get(household=home, relationship="head").person == luisa


# ---- moving a person to a new household --------------------------------------------------------------


def test_moving_a_person_ends_her_old_membership(family, users):
    volunteer, luisa, home = family["volunteer"], family["luisa"], family["home"]
    new = _household(
        volunteer,
        person_input("Pedro", "Salas", "Ortiz", sex="male", relationship="head"),
        person_input("Luisa", "Mejías", "Rondón", relationship="spouse", existing_person_id=str(luisa.pk)),
    )
    assert [m.household for m in _current(luisa)] == [new]
    old = Membership.objects.get(person=luisa, household=home)
    assert old.ended_at is not None and old.ended_by == volunteer and old.end_reason == MembershipEnd.MOVED
    assert [(m.person, m.from_household, m.from_relationship) for m in new.moves] == [(luisa, home, "spouse")]
    assert home.code in new.moves[0].message and "Luisa" in new.moves[0].message
    event = AuditEvent.objects.get(action="household.member_moved")
    assert event.object_id == str(luisa.pk)
    assert event.data["from"] == home.code and event.data["to"] == new.code
    registered = AuditEvent.objects.filter(action="household.registered").latest("seq")
    assert registered.data["moved"] == [{"person": str(luisa.pk), "from": home.code}]
    # Juan stays, as head of the old household.
    assert [m.person for m in home.members.current()] == [family["juan"]]


def test_a_new_registration_moves_nobody(family):
    new = _household(family["volunteer"], person_input("Pedro", "Salas", "Ortiz", sex="male", relationship="head"))
    assert new.moves == []
    assert len(_current(family["luisa"])) == 1


def test_a_head_leaving_other_members_behind_is_refused(family):
    volunteer, juan = family["volunteer"], family["juan"]
    before = Membership.objects.count(), Household.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        _household(
            volunteer,
            person_input("Juan", "Rondón", "Mejías", sex="male", relationship="head", existing_person_id=str(juan.pk)),
        )
    errors = excinfo.value.message_dict
    assert list(errors) == ["member_1.existing_person_id"]
    assert family["home"].code in errors["member_1.existing_person_id"][0]
    assert (Membership.objects.count(), Household.objects.count()) == before
    assert Membership.objects.current().get(person=juan).household == family["home"]
    assert not AuditEvent.objects.filter(action="household.member_moved").exists()


def test_a_head_moves_together_with_the_whole_household(family):
    volunteer, juan, luisa, home = family["volunteer"], family["juan"], family["luisa"], family["home"]
    new = _household(
        volunteer,
        person_input("Juan", "Rondón", "Mejías", sex="male", relationship="head", existing_person_id=str(juan.pk)),
        person_input("Luisa", "Mejías", "Rondón", relationship="spouse", existing_person_id=str(luisa.pk)),
        person_input("Ana", "Rondón", "Mejías", relationship="child", estimated_age=3),
    )
    assert {m.person for m in new.moves} == {juan, luisa}
    assert not home.members.current().exists()
    assert home.members.past().count() == 2
    assert new.members.current().count() == 3


def test_a_lone_head_moves(users):
    volunteer = users["volunteer.co"]
    rosa = register(volunteer, "Rosa", "Villegas", "Mora")
    alone = _household(volunteer, person_input(relationship="head", existing_person_id=str(rosa.pk)))
    new = _household(
        volunteer,
        person_input("Pedro", "Salas", "Ortiz", sex="male", relationship="head"),
        person_input(relationship="spouse", existing_person_id=str(rosa.pk)),
    )
    assert [m.from_household for m in new.moves] == [alone]
    assert [m.household for m in _current(rosa)] == [new]


def test_the_same_person_twice_is_refused_and_nothing_is_written(family):
    luisa = family["luisa"]
    before = Membership.objects.count(), Household.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        _household(
            family["volunteer"],
            person_input("Pedro", "Salas", "Ortiz", sex="male", relationship="head"),
            person_input(relationship="spouse", existing_person_id=str(luisa.pk)),
            person_input(relationship="sibling", existing_person_id=str(luisa.pk).upper()),
        )
    message = excinfo.value.message_dict["member_3.existing_person_id"][0]
    assert "2" in message and "3" in message and luisa.code in message
    assert (Membership.objects.count(), Household.objects.count(), AuditEvent.objects.count()) == before
    assert Person.objects.filter(given_names="Pedro").count() == 0


def test_a_household_larger_than_the_limit_is_refused(users):
    members = [person_input(f"Persona{i}", "Grande", relationship="head" if i == 0 else "relative") for i in range(31)]
    with pytest.raises(ValidationError) as excinfo:
        services.register_household(users["volunteer.co"], members)
    assert "30" in excinfo.value.message_dict["members"][0]
    assert not Person.objects.exists() and not Household.objects.exists()
    assert services.MAX_HOUSEHOLD_SIZE == 30


def test_merging_two_people_of_different_households_is_refused(family, users):
    pedro = _household(family["volunteer"], person_input("Pedro", "Salas", sex="male", relationship="head"))
    other = pedro.members.get().person
    with pytest.raises(ValidationError) as excinfo:
        services.merge_people(users["datamanager.co"], person_a_id=family["luisa"].pk, person_b_id=other.pk)
    assert family["home"].code in str(excinfo.value) and pedro.code in str(excinfo.value)
    assert len(_current(family["luisa"])) == 1 and len(_current(other)) == 1


def test_households_for_an_hsp_ignores_former_members(family, users, sp_co_other):
    """A household is visible at another HSP through its current members only."""
    luisa, home = family["luisa"], family["home"]
    maicao = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    services.link_to_service_point(luisa, sp_co_other)
    assert home in selectors.households_for(maicao)
    Membership.objects.filter(person=luisa).update(ended_at=timezone.now())
    assert home not in selectors.households_for(maicao)


# ---- the pages -------------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _member(prefix, given, family1, **extra) -> dict:
    data = {
        f"{prefix}-given_names": given,
        f"{prefix}-family_name_1": family1,
        f"{prefix}-family_name_2": "",
        f"{prefix}-sex": extra.pop("sex", "female"),
        f"{prefix}-birth_date": "",
        f"{prefix}-estimated_age": "",
        f"{prefix}-nationality": "VE",
        f"{prefix}-document_type": "",
        f"{prefix}-document_number": "",
        f"{prefix}-phone": "",
        f"{prefix}-migration_situation": "in_transit",
        f"{prefix}-consents": ["assistance"],
        f"{prefix}-consent_channel": "in_person",
    }
    data.update({f"{prefix}-{k}": v for k, v in extra.items()})
    return data


def test_page_moves_a_person_and_tells_the_volunteer(family):
    luisa, home = family["luisa"], family["home"]
    client = _client(family["volunteer"])
    data = {
        "members": "2",
        "checked": "1",
        **_member("m0", "Pedro", "Salas", sex="male", relationship="head"),
        **_member("m1", "Luisa", "Mejías", relationship="spouse", match_choice=str(luisa.pk)),
    }
    response = client.post(reverse("register"), data, follow=True)
    assert response.status_code == 200
    new = Household.objects.exclude(pk=home.pk).get()
    shown = [str(m) for m in response.context["messages"]]
    assert any(home.code in m and new.code in m for m in shown), shown
    assert [m.household for m in _current(luisa)] == [new]
    # The old household's page lists her as a former member; her page shows both.
    old_page = client.get(reverse("household", kwargs={"household_id": home.pk}))
    assert luisa not in [m.person for m in old_page.context["members"]]
    assert [m.person for m in old_page.context["past_members"]] == [luisa]
    person_page = client.get(reverse("person", kwargs={"person_id": luisa.pk}))
    assert [m.household for m in person_page.context["memberships"]] == [new]
    assert [m.household for m in person_page.context["past_memberships"]] == [home]
    assert home.code in person_page.content.decode() and new.code in person_page.content.decode()


def test_page_refuses_the_same_person_twice(family):
    luisa = family["luisa"]
    client = _client(family["volunteer"])
    data = {
        "members": "3",
        "checked": "1",
        **_member("m0", "Pedro", "Salas", sex="male", relationship="head"),
        **_member("m1", "Luisa", "Mejías", relationship="spouse", match_choice=str(luisa.pk)),
        **_member("m2", "Luisa", "Mejías", relationship="sibling", match_choice=str(luisa.pk)),
    }
    before = Membership.objects.count(), Household.objects.count()
    response = client.post(reverse("register"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    third = response.context["forms"][2]
    assert any(luisa.code in e for e in third.non_field_errors())
    assert luisa.code in response.content.decode()
    assert (Membership.objects.count(), Household.objects.count()) == before


def test_page_refuses_a_head_leaving_members_behind(family):
    client = _client(family["volunteer"])
    data = {
        "members": "2",
        "checked": "1",
        **_member("m0", "Juan", "Rondón", sex="male", relationship="head", match_choice=str(family["juan"].pk)),
        **_member("m1", "Pedro", "Salas", sex="male", relationship="sibling"),
    }
    response = client.post(reverse("register"), data)
    assert response.status_code == 400
    assert family["home"].code in response.content.decode()
    assert Household.objects.count() == 1


# ---- the API -----------------------------------------------------------------------------------------------


def _api(username: str) -> APIClient:
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def _payload(**extra) -> dict:
    return {"given_names": "Pedro", "family_name_1": "Salas", "sex": "male", "consents": ["assistance"], **extra}


def test_api_moves_a_person_and_says_so(family):
    luisa, home = family["luisa"], family["home"]
    client = _api("volunteer.co")
    payload = {
        "members": [
            _payload(relationship="head"),
            _payload(given_names="Luisa", sex="female", relationship="spouse", existing_person_id=str(luisa.pk)),
        ]
    }
    response = client.post("/api/v1/households/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["moved"]) == 1
    moved = body["moved"][0]
    assert (moved["person"], moved["code"], moved["from_household"], moved["from_relationship"]) == (
        str(luisa.pk),
        luisa.code,
        home.code,
        "spouse",
    )
    assert home.code in moved["message"]
    assert str(luisa.pk) in [m["person"] for m in body["members"]]
    old = client.get(f"/api/v1/households/{home.pk}/").json()
    assert [m["person"] for m in old["members"]] == [str(family["juan"].pk)]
    assert "moved" not in old
    plain = client.post("/api/v1/households/", {"members": [_payload(relationship="head")]}, format="json")
    assert plain.status_code == 201 and plain.json()["moved"] == []


def test_api_refuses_the_same_person_twice(family):
    luisa = family["luisa"]
    before = Membership.objects.count(), Household.objects.count(), AuditEvent.objects.count()
    payload = {
        "members": [
            _payload(relationship="head"),
            _payload(given_names="Luisa", sex="female", relationship="spouse", existing_person_id=str(luisa.pk)),
            _payload(given_names="Luisa", sex="female", relationship="sibling", existing_person_id=str(luisa.pk)),
        ]
    }
    client = _api("volunteer.co")
    after_login = AuditEvent.objects.count()
    response = client.post("/api/v1/households/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    body = response.json()
    assert "member_3.existing_person_id" in body["errors"]
    assert luisa.code in body["errors"]["member_3.existing_person_id"][0]
    assert (Membership.objects.count(), Household.objects.count()) == before[:2]
    assert AuditEvent.objects.count() == after_login


def test_api_refuses_an_oversized_household(users):
    members = [_payload(given_names=f"Persona{i}", relationship="head" if i == 0 else "relative") for i in range(300)]
    response = _api("volunteer.co").post(
        "/api/v1/households/", {"members": members}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.content
    assert "30" in response.json()["errors"]["members"][0]
    assert not Person.objects.exists()
    ok = [_payload(given_names=f"Persona{i}", relationship="head" if i == 0 else "relative") for i in range(30)]
    assert _api("volunteer.co").post("/api/v1/households/", {"members": ok}, format="json").status_code == 201


def test_schema_documents_the_moves(db):
    document = APIClient().get("/api/schema/", {"format": "json"}).json()
    created = document["paths"]["/api/v1/households/"]["post"]["responses"]["201"]["content"]["application/json"]
    name = created["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][name]
    assert "moved" in schema["properties"]
    move = document["components"]["schemas"]["Move"]["properties"]
    assert {"person", "code", "from_household", "from_relationship", "message"} <= set(move)


# ---- the data repair (migration 0005) ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migration_ends_the_older_memberships_of_people_in_several_households(sp_co, capsys):
    executor = MigrationExecutor(connection)
    before, after = [("registry", "0004_person_blocking_keys")], [("registry", "0006_membership_one_current_household")]
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        household = old_apps.get_model("registry", "Household")
        person = old_apps.get_model("registry", "Person")
        membership = old_apps.get_model("registry", "Membership")
        ns_id, sp_id = sp_co.national_society_id, sp_co.pk

        def home(code):
            return household.objects.create(
                id=uuid.uuid4(), national_society_id=ns_id, service_point_id=sp_id, code=code
            )

        def someone(code):
            return person.objects.create(
                id=uuid.uuid4(), national_society_id=ns_id, service_point_id=sp_id, code=code, given_names=code, sex="f"
            )

        first, second, third = home("CO-OLD1-AAA"), home("CO-NEW1-BBB"), home("CO-SOLO-CCC")
        luisa, juan = someone("CO-P1"), someone("CO-P2")
        now = timezone.now()
        rows = [
            membership.objects.create(household=first, person=luisa, relationship="head"),
            membership.objects.create(household=second, person=luisa, relationship="spouse"),
            membership.objects.create(household=third, person=juan, relationship="head"),
        ]
        for row, joined in zip(rows, (now - timedelta(days=30), now - timedelta(days=1), now), strict=True):
            membership.objects.filter(pk=row.pk).update(joined_at=joined)

        executor.loader.build_graph()
        executor.migrate(after)
        printed = capsys.readouterr().out
        new_apps = executor.loader.project_state(after).apps
        repaired = new_apps.get_model("registry", "Membership")
        current = {(m.person_id, m.household_id) for m in repaired.objects.filter(ended_at__isnull=True)}
        assert current == {(luisa.pk, second.pk), (juan.pk, third.pk)}
        ended = repaired.objects.get(ended_at__isnull=False)
        assert (ended.person_id, ended.household_id, ended.end_reason) == (luisa.pk, first.pk, "repaired")
        assert "ended 1 older membership" in printed and "CO-OLD1-AAA" in printed
        assert "CO-NEW1-BBB" not in printed
        # The rule holds from now on.
        with pytest.raises(IntegrityError), transaction.atomic():
            repaired.objects.create(household_id=first.pk, person_id=juan.pk, relationship="child")
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
