"""seed-demo, seed-load and print-demo-logins."""

from io import StringIO

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse

from caminante.assistance.models import AnonymousTally, ServiceDelivery
from caminante.core.demo import DEMO_PASSWORD, SERVICE_POINTS
from caminante.core.models import AuditEvent, NationalSociety, ServicePoint, User
from caminante.core.roles import STAFF_ROLES, Role
from caminante.matching.normalize import normalize_document
from caminante.registry.models import (
    Consent,
    DuplicateCandidate,
    DuplicateStatus,
    Household,
    Membership,
    Person,
    PersonServicePoint,
)
from caminante.registry.selectors import search_people
from caminante.registry.services import name_keys
from tests.builders import fast_hashing  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("seed_demo", people=300, stdout=out)
    return out.getvalue()


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            ServicePoint,
            User,
            Person,
            Household,
            Membership,
            Consent,
            PersonServicePoint,
            ServiceDelivery,
            AnonymousTally,
            AuditEvent,
        )
    }


def test_seed_demo_service_points_on_the_route(demo):
    points = ServicePoint.objects.select_related("national_society")
    assert points.count() == len(SERVICE_POINTS) >= 40
    for sp in points:
        # The Americas, from Tijuana to Tierra del Fuego.
        assert -56 <= sp.latitude <= 33 and -118 <= sp.longitude <= -34, sp.code
        assert sp.time_zone.startswith("America/")
        assert sp.corridor and sp.opening_hours and sp.city
        assert sp.services.count() >= 5
        assert sp.code.startswith(sp.national_society.country.code.lower() + "-")
    cucuta = ServicePoint.objects.get(code="co-cucuta-simon-bolivar")
    assert cucuta.national_society.country.code == "CO"
    assert 7.5 < cucuta.latitude < 8.2 and -72.8 < cucuta.longitude < -72.2
    assert ServicePoint.objects.get(code="br-manaus").time_zone == "America/Manaus"
    assert {sp.kind for sp in points} == {ServicePoint.Kind.STATIC, ServicePoint.Kind.MOBILE}


def test_seed_demo_users_per_role_and_country(demo):
    volunteer = User.objects.get(username="volunteer.co")
    assert volunteer.role == Role.VOLUNTEER
    assert volunteer.service_point.code == "co-cucuta-simon-bolivar"
    assert User.objects.get(username="officer.pe").national_society.country.code == "PE"
    assert User.objects.get(username="protection.ec").role == Role.PROTECTION
    assert User.objects.get(username="datamanager.co").role == Role.DATA_MANAGER
    assert User.objects.get(username="coordinator.br").service_point.national_society.country.code == "BR"
    assert User.objects.get(username="rfl.co").role == Role.RFL
    assert User.objects.get(username="analyst.regional").role == Role.ANALYST
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN and admin.is_superuser
    countries = {spec.country for spec in SERVICE_POINTS}
    # One staff user per role and country, plus the two global ones (the apps' demos add vendors and partners).
    assert User.objects.filter(role__in=STAFF_ROLES).count() == 6 * len(countries) + 2


def test_demo_volunteer_logs_in_and_sees_today(demo):
    client = Client()
    response = client.post(reverse("login"), {"username": "volunteer.co", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    volunteer = User.objects.get(username="volunteer.co")
    today = volunteer.service_point.local_today()
    served_today = [
        d
        for d in ServiceDelivery.objects.filter(service_point=volunteer.service_point)
        if d.delivered_at.astimezone(volunteer.service_point.tz).date() == today
    ]
    assert served_today


def test_demo_people_are_complete_and_consistent(demo):
    # 300 people in households, and a few heads registered a second time alone (registry demo).
    assert Person.objects.filter(memberships__isnull=False).count() == 300
    assert Person.objects.count() == 300 + Person.objects.filter(memberships__isnull=True).count()
    # Exactly one head per household, every generated person in one household.
    heads = Household.objects.annotate(h=Count("members", filter=Q(members__relationship="head")))
    assert set(heads.values_list("h", flat=True)) == {1}
    assert Membership.objects.count() == 300
    assert PersonServicePoint.objects.count() == Person.objects.count()
    assert not Person.objects.exclude(consents__purpose="assistance").exists()
    assert Person.objects.filter(nationality="VE").count() > 200
    for person in Person.objects.all():
        assert person.search_name and person.code.startswith(person.national_society.country.code + "-")
        for key, value in name_keys(person.given_names, person.family_name_1, person.family_name_2).items():
            assert getattr(person, key) == value
        if person.phone:
            assert phonenumbers.is_valid_number(phonenumbers.parse(person.phone_e164))
            assert phonenumbers.format_number(
                phonenumbers.parse(person.phone, "VE"), phonenumbers.PhoneNumberFormat.E164
            ) == person.phone_e164 or person.phone_e164.startswith("+57")
        if person.document_number:
            assert person.document_number_normalized == normalize_document(person.document_number)
        assert 0 <= person.age <= 120
        assert person.created_by is not None
    assert ServiceDelivery.objects.exists() and AnonymousTally.objects.exists()
    assert AuditEvent.objects.filter(action="demo.seeded").count() == 1


def test_demo_people_are_found_by_a_misspelled_name(demo):
    datamanager = User.objects.get(username="datamanager.co")
    person = Person.objects.filter(national_society__country="CO").exclude(family_name_2="").first()
    given = person.given_names.split()[0]
    query = f"{given} {person.family_name_2} {person.family_name_1}".lower()  # swapped, no accents
    query = query.translate(str.maketrans("áéíóú", "aeiou")).replace("y", "i")
    assert person in search_people(datamanager, query)


def test_demo_duplicates_review_queue_has_realistic_pairs(demo):
    """Heads of household registered again elsewhere, re-typed: the review queue is not empty."""
    copies = list(Person.objects.filter(memberships__isnull=True))
    assert 2 <= len(copies) <= 2 * NationalSociety.objects.count()
    assert "registered a second time" in demo
    open_pairs = DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN)
    for copy in copies:
        pair = open_pairs.get(Q(person_a=copy) | Q(person_b=copy))
        original = pair.person_b if pair.person_a_id == copy.pk else pair.person_a
        assert original.national_society_id == copy.national_society_id
        if ServicePoint.objects.filter(national_society_id=copy.national_society_id).count() > 1:
            assert original.service_point_id != copy.service_point_id  # registered again elsewhere
        assert original.full_name != copy.full_name and original.birth_date == copy.birth_date
    datamanager = User.objects.get(username="datamanager.co")
    colombian = [c for c in copies if c.national_society_id == datamanager.national_society_id]
    client = Client()
    client.force_login(datamanager)
    page = client.get(reverse("duplicates"))
    assert page.status_code == 200
    assert colombian and all(c.full_name in page.content.decode() for c in colombian)


def test_seed_demo_twice_adds_nothing(demo, settings):
    before = _counts()
    out = StringIO()
    call_command("seed_demo", people=300, stdout=out)
    assert "already loaded" in out.getvalue()
    assert _counts() == before


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", people=10, stdout=StringIO())
    assert not User.objects.filter(username="volunteer.co").exists()
    assert not Person.objects.exists()


def test_print_demo_logins(demo, settings):
    out = StringIO()
    call_command("print_demo_logins", stdout=out)
    text = out.getvalue()
    assert "volunteer.co" in text and "analyst.regional" in text and DEMO_PASSWORD in text
    settings.DEMO_MODE = False
    settings.DEBUG = False
    out = StringIO()
    call_command("print_demo_logins", stdout=out)
    assert DEMO_PASSWORD not in out.getvalue() and "volunteer.co" not in out.getvalue()


def test_seed_load_people_with_households(settings):
    settings.DEMO_MODE = False
    settings.DEBUG = False
    out, err = StringIO(), StringIO()
    call_command("seed_load", people=2000, batch=700, seed=3, quiet=True, stdout=out, stderr=err)
    assert "Warning" in err.getvalue()
    assert Person.objects.count() == 2000
    assert Membership.objects.count() == 2000
    assert PersonServicePoint.objects.count() == 2000
    heads = Household.objects.annotate(h=Count("members", filter=Q(members__relationship="head")))
    assert Household.objects.count() > 400
    assert set(heads.values_list("h", flat=True)) == {1}
    assert ServiceDelivery.objects.count() > 1000
    assert ServicePoint.objects.count() == len(SERVICE_POINTS)
    assert not User.objects.exists()
    # Rows written with COPY / executemany read back through the ORM like any other.
    person = Person.objects.select_related("service_point").order_by("code").first()
    assert person.created_at.tzinfo is not None and person.birth_date is not None
    delivery = ServiceDelivery.objects.exclude(person=None).first()
    assert delivery.quantity > 0 and delivery.person.national_society_id == delivery.national_society_id
    # A second load adds to the first without clashing codes or documents.
    call_command("seed_load", people=500, seed=3, quiet=True, stdout=StringIO(), stderr=StringIO())
    assert Person.objects.count() == 2500
    assert Person.objects.values("code").distinct().count() == 2500


def test_search_ranks_the_whole_name_first_when_the_block_is_capped(settings, monkeypatch):
    """Many people share a common pair of names; the one matching every pair comes first even
    when only a few candidates are fetched (the search then loads only the people shown)."""
    from caminante.registry import selectors

    settings.DEMO_MODE = True
    call_command("seed_demo", people=300, stdout=StringIO())
    datamanager = User.objects.get(username="datamanager.co")
    target = Person.objects.filter(national_society__country="CO").exclude(family_name_2="").first()
    others = Person.objects.filter(national_society__country="CO", family_name_1=target.family_name_1).exclude(
        pk=target.pk
    )
    given = target.given_names.split()[0]
    # Ten people with the same first given name and first family name, but another second one.
    for index, person in enumerate(others[:10]):
        person.given_names, person.family_name_2 = given, "Zzyzx"
        person.__dict__.update(name_keys(given, person.family_name_1, "Zzyzx"))
        person.save()
        assert index < 10
    monkeypatch.setattr(selectors, "NAME_CANDIDATES", 3)
    query = f"{given} {target.family_name_1} {target.family_name_2}"
    found = search_people(datamanager, query, limit=5)
    assert found[0].pk == target.pk
    assert len(found) <= 5
