# ruff: noqa: F811 - pytest fixtures imported from tests/test_rfl_services.py
"""Safe-and-well: the found person agreed only that the enquirer is told they are well. The
officer gets a message to send or print, shown on the case and in the API; `for_enquirer` never
carries a location unless the found person agreed to share it (whatever they decided)."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from caminante.rfl import candidates, services
from caminante.rfl.models import ClosureReason, FoundConsent, Status
from tests.builders import fast_hashing  # noqa: F401 - a fixture
from tests.test_rfl_services import _to_possible_match, case, found, officer  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _places(person):
    point = person.service_point
    return [point.name, point.city, point.code, person.phone or "+57", "Pamplona"]


@pytest.fixture
def no_location_lookup(monkeypatch):
    """Fail the test if anything looks up where the found person is."""

    def refuse(person):
        raise AssertionError("the location was looked up")

    monkeypatch.setattr(candidates, "last_place", refuse)


@pytest.mark.parametrize("decision", [FoundConsent.SAFE_AND_WELL, FoundConsent.REFUSES])
def test_for_enquirer_never_looks_up_or_leaks_the_location(officer, case, found, decision, no_location_lookup):
    located = candidates.record_located(officer, _to_possible_match(officer, case, found), decision)
    steps = [located]
    steps.append(services.change_status(officer, located, Status.CLOSED, closure_reason=ClosureReason.FOUND_DECLINED))
    for tracing in steps:
        told = candidates.for_enquirer(officer, tracing)
        assert told["location"] is None
        text = json.dumps(told, ensure_ascii=False)
        for place in _places(found):
            assert place not in text
        if decision == FoundConsent.SAFE_AND_WELL:
            assert told["kind"] == "safe_and_well" and "Yorgelis" in told["message"]
            assert tracing.code in told["message"]
        else:
            assert told["kind"] == "nothing" and told["message"] is None


def test_the_message_is_translated_and_carries_no_location(officer, case, found):
    located = candidates.record_located(officer, _to_possible_match(officer, case, found), FoundConsent.SAFE_AND_WELL)
    for language, word in (("es", "bien"), ("pt", "bem"), ("en", "safe and well")):
        with translation.override(language):
            message = candidates.safe_and_well_message(located)
        assert word in message and "Maicao" not in message and "Pamplona" not in message


def test_the_case_page_and_the_api_show_the_message_without_the_location(users, officer, case, found):
    located = candidates.record_located(officer, _to_possible_match(officer, case, found), FoundConsent.SAFE_AND_WELL)
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    page = client.get(reverse("rfl-request", kwargs={"tracing_id": located.pk})).content.decode()
    box = page.split('id="enquirer-may-know"')[1].split("</div>")[0]
    assert 'id="safe-and-well-message"' in box and "Yorgelis" in box
    for place in _places(found):
        assert place not in box
    data = client.get(reverse("rfl-tracing-request-detail", kwargs={"pk": located.pk})).json()
    told = data["enquirer_may_know"]
    assert told["kind"] == "safe_and_well" and told["location"] is None and "Yorgelis" in told["message"]
    assert "Maicao" not in json.dumps(data)


def test_sharing_the_location_gives_no_safe_and_well_message(officer, case, found):
    located = candidates.record_located(officer, _to_possible_match(officer, case, found), FoundConsent.SHARE_LOCATION)
    told = candidates.for_enquirer(officer, located)
    assert told["kind"] == "share_location" and "Maicao" in told["location"] and told["message"] is None
