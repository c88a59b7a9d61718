"""Recording services and anonymous tallies; the day page figures; indicators."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from caminante.assistance import reports, selectors, services
from caminante.assistance.models import AgeGroup, AnonymousTally, ServiceDelivery
from caminante.core.models import AuditEvent, ServiceType
from caminante.registry.models import PersonServicePoint
from caminante.registry.services import register_household
from tests.builders import fast_hashing, person_input, register  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def yusmary(users):
    return register(users["volunteer.co"])


@pytest.fixture
def household(users):
    return register_household(
        users["volunteer.co"],
        [person_input("Ana", relationship="head"), person_input("Luis", relationship="child")],
    )


def test_record_delivery_to_a_person(users, yusmary, sp_co):
    volunteer = users["volunteer.co"]
    delivery = services.record_delivery(volunteer, service_type="hygiene-kit", person=yusmary, quantity="2")
    delivery.refresh_from_db()
    assert delivery.quantity == Decimal("2")
    assert delivery.unit == "kit"  # the service's default unit
    assert delivery.service_point == sp_co
    assert delivery.national_society == sp_co.national_society
    assert delivery.created_by == volunteer
    event = AuditEvent.objects.get(action="service.delivered")
    assert event.object_id == str(delivery.pk)
    assert event.data["service"] == "hygiene-kit"
    assert event.data["person"] == str(yusmary.pk)


def test_record_delivery_with_unit_and_service_type_object(users, yusmary):
    water = ServiceType.objects.get(code="water")
    delivery = services.record_delivery(
        users["volunteer.co"], service_type=water, person=yusmary, quantity=5, unit="bottle"
    )
    assert (delivery.unit, delivery.quantity) == ("bottle", Decimal("5"))


def test_record_delivery_to_a_household(users, household):
    delivery = services.record_delivery(users["volunteer.co"], service_type="food", household=household)
    assert delivery.household == household and delivery.person is None
    assert delivery.unit == "ration"


def test_person_or_household_not_both_nor_neither(users, yusmary, household):
    for kwargs in ({}, {"person": yusmary, "household": household}):
        with pytest.raises(ValidationError) as excinfo:
            services.record_delivery(users["volunteer.co"], service_type="food", **kwargs)
        assert "person" in excinfo.value.message_dict
    assert ServiceDelivery.objects.count() == 0


@pytest.mark.parametrize("quantity", [0, -1, "0", "abc", "NaN", "Infinity", 100001])
def test_quantity_must_be_positive(users, yusmary, quantity):
    with pytest.raises(ValidationError) as excinfo:
        services.record_delivery(users["volunteer.co"], service_type="food", person=yusmary, quantity=quantity)
    assert "quantity" in excinfo.value.message_dict
    assert ServiceDelivery.objects.count() == 0
    assert not AuditEvent.objects.filter(action="service.delivered").exists()


def test_unknown_or_inactive_service_is_refused(users, yusmary):
    ServiceType.objects.filter(code="voucher").update(active=False)
    for code in ("teleportation", "voucher"):
        with pytest.raises(ValidationError) as excinfo:
            services.record_delivery(users["volunteer.co"], service_type=code, person=yusmary)
        assert "service_type" in excinfo.value.message_dict
    assert ServiceDelivery.objects.count() == 0


def test_future_delivery_is_refused(users, yusmary):
    with pytest.raises(ValidationError) as excinfo:
        services.record_delivery(
            users["volunteer.co"], service_type="food", person=yusmary, delivered_at=timezone.now() + timedelta(hours=1)
        )
    assert "delivered_at" in excinfo.value.message_dict


def test_delivery_links_the_person_to_the_hsp(users, sp_co_other):
    officer = users["officer.co"]
    person = register(users["volunteer.co"])
    assert not PersonServicePoint.objects.filter(person=person, service_point=sp_co_other).exists()
    services.record_delivery(officer, service_type="sim-card", person=person, service_point=sp_co_other)
    assert PersonServicePoint.objects.filter(person=person, service_point=sp_co_other).exists()


def test_delivery_to_a_person_of_another_country_is_refused(users):
    peruvian = register(users["volunteer.pe"])
    with pytest.raises(ValidationError):
        services.record_delivery(users["volunteer.co"], service_type="food", person=peruvian)
    assert ServiceDelivery.objects.count() == 0


def test_analyst_may_not_record(users, yusmary):
    with pytest.raises(PermissionDenied):
        services.record_delivery(users["analyst"], service_type="food", person=yusmary)
    with pytest.raises(PermissionDenied):
        services.record_tally(users["analyst"], service_type="food", sex="female", age_group="18-59", count=1)


def test_record_tally(users, sp_co):
    tally = services.record_tally(users["volunteer.co"], service_type="water", sex="male", age_group="5-11", count="7")
    tally.refresh_from_db()
    assert (tally.count, tally.sex, tally.age_group, tally.day) == (7, "male", "5-11", sp_co.local_today())
    assert tally.service_point == sp_co
    assert AuditEvent.objects.filter(action="tally.recorded", object_id=str(tally.pk)).exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"sex": "other"}, "sex"),
        ({"age_group": "30-40"}, "age_group"),
        ({"count": 0}, "count"),
        ({"count": 10001}, "count"),
        ({"count": "many"}, "count"),
        ({"day": "future"}, "day"),
        ({"service_type": "teleportation"}, "service_type"),
    ],
)
def test_record_tally_validation(users, sp_co, kwargs, field):
    data = {"service_type": "water", "sex": "female", "age_group": "18-59", "count": 3}
    data.update(kwargs)
    if data.get("day") == "future":
        data["day"] = sp_co.local_today() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.record_tally(users["volunteer.co"], **data)
    assert field in excinfo.value.message_dict
    assert AnonymousTally.objects.count() == 0


def _local_start(service_point):
    return datetime.combine(service_point.local_today(), time.min, tzinfo=service_point.tz)


def test_day_summary_counts_the_hsp_local_day(users, sp_co, sp_co_other, household):
    volunteer = users["volunteer.co"]
    a, b = register(volunteer, "Ana"), register(volunteer, "Berta")
    start = _local_start(sp_co)
    first_second = min(start + timedelta(seconds=1), timezone.now())
    services.record_delivery(volunteer, service_type="food", person=a, delivered_at=first_second)
    services.record_delivery(volunteer, service_type="water", person=a)
    services.record_delivery(volunteer, service_type="food", person=b)
    services.record_delivery(volunteer, service_type="food", household=household)
    # Yesterday evening in Bogotá is already "today" in UTC: not counted.
    services.record_delivery(volunteer, service_type="food", person=b, delivered_at=start - timedelta(minutes=30))
    services.record_tally(volunteer, service_type="food", sex="female", age_group="18-59", count=3)
    services.record_tally(volunteer, service_type="water", sex="male", age_group="0-4", count=2)
    services.record_tally(
        volunteer, service_type="water", sex="male", age_group="0-4", count=9, day=sp_co.local_today() - timedelta(1)
    )
    # Elsewhere: another HSP of the same country.
    services.record_tally(
        users["officer.co"], service_type="water", sex="male", age_group="0-4", count=50, service_point=sp_co_other
    )
    summary = selectors.day_summary(volunteer, sp_co)
    assert summary["day"] == sp_co.local_today()
    # Ana and Berta, and both members of the household served as a whole.
    assert summary["registered_people_served"] == 4
    assert summary["anonymous_served"] == 5
    assert summary["people_served"] == 9
    assert summary["services_given"] == 4
    assert summary["by_service"]["food"]["n"] == 3
    assert summary["by_service"]["food"]["tally"] == 3
    assert summary["by_service"]["water"]["tally"] == 2


def test_day_summary_empty(users, sp_co):
    summary = selectors.day_summary(users["volunteer.co"], sp_co)
    assert (summary["people_served"], summary["services_given"], summary["recent"]) == (0, 0, [])


def test_deliveries_for_scoping(users, yusmary, sp_co_other):
    peruvian = register(users["volunteer.pe"])
    pedro = register(users["officer.co"], "Pedro", service_point=sp_co_other)
    d_co = services.record_delivery(users["volunteer.co"], service_type="food", person=yusmary)
    d_other = services.record_delivery(
        users["officer.co"], service_type="food", person=pedro, service_point=sp_co_other
    )
    d_pe = services.record_delivery(users["volunteer.pe"], service_type="food", person=peruvian)
    assert set(selectors.deliveries_for(users["volunteer.co"])) == {d_co}
    assert set(selectors.deliveries_for(users["officer.co"])) == {d_co, d_other}
    assert set(selectors.deliveries_for(users["officer.pe"])) == {d_pe}
    with pytest.raises(PermissionDenied):
        selectors.deliveries_for(users["analyst"])


@override_settings(REPORT_MIN_CELL=5)
def test_indicators_suppress_small_cells(users):
    volunteer = users["volunteer.co"]
    women = [register(volunteer, f"Mujer{i}", birth_date=timezone.now().date().replace(year=1990)) for i in range(6)]
    men = [
        register(volunteer, f"Hombre{i}", sex="male", birth_date=timezone.now().date().replace(year=1990))
        for i in range(2)
    ]
    for person in women + men:
        services.record_delivery(volunteer, service_type="food", person=person)
    services.record_delivery(volunteer, service_type="sim-card", person=men[0])
    services.record_tally(volunteer, service_type="water", sex="female", age_group="0-4", count=12)
    services.record_tally(volunteer, service_type="water", sex="male", age_group="60+", count=1)
    peruvian = register(users["volunteer.pe"], "Rosa")
    services.record_delivery(users["volunteer.pe"], service_type="food", person=peruvian)

    report = reports.indicators(users["officer.co"])
    assert report.cell("female", "18-59") == 6
    assert report.cell("male", "18-59") is None  # 2 people: suppressed
    assert report.cell("female", "0-4") == 12
    assert report.cell("male", "60+") is None
    assert report.display(report.cell("male", "18-59")) == "<5"
    services_by_name = dict(report.services)
    assert services_by_name[ServiceType.objects.get(code="food").name] == 8  # Peru not counted
    assert services_by_name[ServiceType.objects.get(code="sim-card").name] is None
    assert services_by_name[ServiceType.objects.get(code="water").name] == 13
    # Aggregates carry no names or ids.
    assert "Mujer" not in repr(report.__dict__)
    # 6 + 2 + 12 + 1 = 21 people, but an exact total would reveal the hidden cells: rounded to 20.
    assert report.total_is_rounded
    assert report.total_people == 20

    regional = reports.indicators(users["analyst"])
    assert regional.cell("female", "18-59") == 6
    assert regional.cell("female", "0-4") == 12


def test_indicators_count_every_member_of_a_household_served_as_a_whole(users, household):
    volunteer = users["volunteer.co"]
    services.record_delivery(volunteer, service_type="food", household=household)
    services.record_delivery(volunteer, service_type="water", household=household)
    ana = household.members.get(relationship="head").person
    services.record_delivery(volunteer, service_type="food", person=ana)  # also served alone: still one person
    others = [register(volunteer, f"Otra{i}") for i in range(5)]
    for person in others:
        services.record_delivery(volunteer, service_type="food", person=person)
    reached = selectors.people_reached(selectors.deliveries_for(volunteer))
    assert sorted(p.given_names for p in reached) == sorted(["Ana", "Luis", *(p.given_names for p in others)])
    report = reports.indicators(users["officer.co"])
    assert sum(n for n in report.people.values() if n) == 7 and not report.total_is_rounded
    assert report.total_people == 7


def test_indicators_exact_total_when_nothing_is_hidden(users):
    volunteer = users["volunteer.co"]
    for i in range(7):
        person = register(volunteer, f"Mujer{i}", birth_date=timezone.now().date().replace(year=1990))
        services.record_delivery(volunteer, service_type="food", person=person)
        services.record_delivery(volunteer, service_type="water", person=person)  # counted once
    report = reports.indicators(users["officer.co"])
    assert report.people == {("female", "18-59"): 7}
    assert (report.total_people, report.total_is_rounded) == (7, False)


@pytest.mark.parametrize(("value", "rounded"), [(0, 0), (1, 5), (2, 5), (3, 5), (7, 5), (8, 10), (21, 20), (23, 25)])
def test_round_to(value, rounded):
    assert reports.round_to(value, 5) == rounded


def test_indicators_refuse_volunteers(users):
    with pytest.raises(PermissionDenied):
        reports.indicators(users["volunteer.co"])


def test_age_group_for_age():
    assert AgeGroup.for_age(None) == AgeGroup.UNKNOWN
    assert [AgeGroup.for_age(a) for a in (0, 4, 5, 11, 12, 17, 18, 59, 60, 99)] == [
        "0-4", "0-4", "5-11", "5-11", "12-17", "12-17", "18-59", "18-59", "60+", "60+",
    ]  # fmt: skip
