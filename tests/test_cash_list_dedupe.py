"""Preparing a cycle's list: a person is in it at most once, whatever the household data says, and
the preparation never fails with a database error (issue 11: a person in two households made
every list's preparation fail with a UNIQUE constraint error, a 500)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caminante.cash import services
from caminante.cash.models import DistributionList, ListLine
from caminante.registry.models import Membership
from caminante.registry.services import register_household
from tests.builders import fast_hashing, person_input, register  # noqa: F401
from tests.test_cash_helpers import programme

pytestmark = pytest.mark.django_db


def _head(given, family, **extra):
    return person_input(given, family, "Díaz", relationship="head", birth_date=date(1990, 5, 17), **extra)


@pytest.fixture
def luisa_two_homes(users):
    """Luisa is the head of household `first`; `second` is another household with its own head."""
    volunteer = users["volunteer.co"]
    luisa = register(volunteer, "Luisa", "Mejías", "Rondón", birth_date=date(1985, 3, 2))
    first = register_household(volunteer, [_head("Luisa", "Mejías", existing_person_id=str(luisa.pk))])
    second = register_household(
        volunteer, [_head("Pedro", "Salas", sex="male"), person_input("Ana", "Salas", relationship="child")]
    )
    return {"luisa": luisa, "first": first, "second": second}


def _lines_of(dlist):
    return list(ListLine.objects.filter(distribution_list=dlist))


def test_a_person_who_moved_is_in_the_list_once(users, luisa_two_homes):
    """The bug's path: an existing registration chosen as "same person" in a new household."""
    luisa, first = luisa_two_homes["luisa"], luisa_two_homes["first"]
    volunteer = users["volunteer.co"]
    moved_to = register_household(
        volunteer,
        [
            _head("Luisa", "Mejías", existing_person_id=str(luisa.pk)),
            person_input("Sofía", "Mejías", relationship="child"),
        ],
    )
    assert [m.from_household for m in moved_to.moves] == [first]
    prog = programme(users["officer.co"])
    dlist = services.prepare_distribution_list(users["officer.co"], prog.cycles.get())
    lines = _lines_of(dlist)
    people = [line.person_id for line in lines]
    assert len(people) == len(set(people))
    assert people.count(luisa.pk) == 1
    mine = next(line for line in lines if line.person_id == luisa.pk)
    assert (mine.household_id, mine.household_size) == (moved_to.pk, 2)
    assert first.pk not in {line.household_id for line in lines}  # nobody is left in it


def _corrupt(luisa, household, relationship="head"):
    """Data from before the rule (or a bug): a second current membership, the index dropped for
    this test's transaction only."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX membership_one_current_household")
    Membership.objects.create(household=household, person=luisa, relationship=relationship)
    assert Membership.objects.current().filter(person=luisa).count() == 2


def test_inconsistent_data_still_gives_each_person_once(users, luisa_two_homes):
    luisa, first, second = luisa_two_homes["luisa"], luisa_two_homes["first"], luisa_two_homes["second"]
    # Luisa is also a current "head" member of the second household (a second head is refused by
    # the database, so she is its spouse: the recipient is Pedro, and she counts in one household).
    _corrupt(luisa, second, relationship="spouse")
    prog = programme(users["officer.co"])
    dlist = services.prepare_distribution_list(users["officer.co"], prog.cycles.get())
    lines = {line.household_id: line for line in _lines_of(dlist)}
    people = [line.person_id for line in lines.values()]
    assert len(people) == len(set(people))
    # She joined the second household last: she counts there only, and the first has nobody left.
    assert lines[second.pk].household_size == 3
    assert first.pk not in lines
    assert sum(line.household_size for line in lines.values()) == 3


def test_a_recipient_of_two_households_is_in_the_list_once(users, luisa_two_homes):
    luisa, first = luisa_two_homes["luisa"], luisa_two_homes["first"]
    other = register_household(users["volunteer.co"], [person_input("Ana", "Salas", relationship="head")])
    # Ana's household loses its head and Luisa becomes a current head there too (corrupt data).
    Membership.objects.filter(household=other).update(ended_at=timezone.now())
    _corrupt(luisa, other)
    Membership.objects.filter(household=other, person=luisa).update(joined_at=timezone.now())
    prog = programme(users["officer.co"])
    dlist = services.prepare_distribution_list(
        users["officer.co"], prog.cycles.get(), household_ids=[first.pk, other.pk]
    )
    lines = _lines_of(dlist)
    assert [line.person_id for line in lines] == [luisa.pk]
    assert lines[0].household_id == other.pk
    # Approving it works too (one entitlement per person and cycle).
    from tests.test_cash_helpers import second_officer

    approved = services.approve_distribution_list(second_officer(luisa.national_society), dlist)
    assert approved.status == DistributionList.Status.APPROVED


def test_the_preparation_never_raises_a_database_error(users, luisa_two_homes, monkeypatch):
    prog = programme(users["officer.co"])

    def broken(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: cash_listline.distribution_list_id, cash_listline.person_id")

    monkeypatch.setattr(ListLine.objects, "bulk_create", broken)
    with pytest.raises(ValidationError):
        services.prepare_distribution_list(users["officer.co"], prog.cycles.get())
    assert not DistributionList.objects.exists()
    client = Client()
    client.force_login(users["officer.co"])
    response = client.post(reverse("cash-cycle-prepare", args=[prog.cycles.get().pk]))
    assert response.status_code == 302  # back to the cycle with the message, not a 500
    assert not DistributionList.objects.exists()
