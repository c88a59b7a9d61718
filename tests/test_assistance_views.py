"""The day page, recording a service from the person page, the tally, indicators."""

import pytest
from django.test import Client
from django.urls import reverse

from caminante.assistance import services
from caminante.assistance.models import AnonymousTally, ServiceDelivery
from caminante.registry.services import register_household
from tests.builders import fast_hashing, person_input, register  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_day_page_shows_the_figures(users):
    volunteer = users["volunteer.co"]
    a, b = register(volunteer, "Ana"), register(volunteer, "Berta")
    services.record_delivery(volunteer, service_type="food", person=a)
    services.record_delivery(volunteer, service_type="water", person=a)
    services.record_delivery(volunteer, service_type="food", person=b)
    services.record_tally(volunteer, service_type="food", sex="female", age_group="18-59", count=4)
    response = _client(volunteer).get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="people-served">6<' in html
    assert 'id="services-given">3<' in html
    assert reverse("register") in html and reverse("tally") in html


def test_officer_home_shows_indicators(users):
    response = _client(users["officer.co"]).get(reverse("home"))
    assert response.status_code == 200
    assert "report" in response.context


def test_record_a_service_from_the_person_page(users):
    volunteer = users["volunteer.co"]
    person = register(volunteer)
    client = _client(volunteer)
    page = client.get(reverse("person", kwargs={"person_id": person.pk}))
    assert 'data-service="hygiene-kit"' in page.content.decode()
    url = reverse("person_record_service", kwargs={"person_id": person.pk})
    response = client.post(url, {"service_type": "hygiene-kit", "quantity": "1"})
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    response = client.post(url, {"service_type": "sim-card", "quantity": "2", "unit": "card", "note": "Claro"})
    deliveries = {d.service_type.code: d for d in ServiceDelivery.objects.filter(person=person)}
    assert set(deliveries) == {"hygiene-kit", "sim-card"}
    assert deliveries["sim-card"].quantity == 2
    assert deliveries["hygiene-kit"].unit == "kit"
    page = client.get(person.get_absolute_url())
    assert len(page.context["deliveries"]) == 2


def test_bad_quantity_records_nothing(users):
    volunteer = users["volunteer.co"]
    person = register(volunteer)
    url = reverse("person_record_service", kwargs={"person_id": person.pk})
    response = _client(volunteer).post(url, {"service_type": "food", "quantity": "0"})
    assert response.status_code == 302
    assert ServiceDelivery.objects.count() == 0


def test_record_service_is_post_only_and_scoped(users):
    peruvian = register(users["volunteer.pe"])
    client = _client(users["volunteer.co"])
    url = reverse("person_record_service", kwargs={"person_id": peruvian.pk})
    assert client.get(url).status_code == 405
    assert client.post(url, {"service_type": "food", "quantity": "1"}).status_code == 404
    assert ServiceDelivery.objects.count() == 0


def test_record_a_service_for_a_household(users):
    volunteer = users["volunteer.co"]
    household = register_household(volunteer, [person_input("Ana", relationship="head")])
    url = reverse("household_record_service", kwargs={"household_id": household.pk})
    assert _client(volunteer).post(url, {"service_type": "food", "quantity": "3"}).status_code == 302
    assert ServiceDelivery.objects.get().household == household


def test_tally_page(users, sp_co):
    client = _client(users["volunteer.co"])
    assert client.get(reverse("tally")).status_code == 200
    data = {"service_type": "water", "sex": "male", "age_group": "0-4", "count": "3"}
    response = client.post(reverse("tally"), data)
    assert response.status_code == 302
    tally = AnonymousTally.objects.get()
    assert (tally.count, tally.service_point, tally.day) == (3, sp_co, sp_co.local_today())
    bad = client.post(reverse("tally"), {**data, "count": "0"})
    assert bad.status_code == 400
    assert AnonymousTally.objects.count() == 1


def test_officer_tally_at_a_chosen_service_point(users, sp_co_other):
    client = _client(users["officer.co"])
    data = {"service_type": "water", "sex": "male", "age_group": "0-4", "count": "3", "service_point": sp_co_other.pk}
    assert client.post(reverse("tally"), data).status_code == 302
    assert AnonymousTally.objects.get().service_point == sp_co_other


def test_indicators_page(users):
    assert _client(users["analyst"]).get(reverse("indicators")).status_code == 200
    assert _client(users["coordinator.co"]).get(reverse("indicators")).status_code == 200
    assert _client(users["volunteer.co"]).get(reverse("indicators")).status_code == 403
