"""The duplicates review pages and the answers kept from the registration page (Django test client)."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from caminante.registry import services
from caminante.registry.models import DuplicateCandidate, DuplicateStatus, MatchDecision, MergeRecord, Person
from tests.builders import register
from tests.test_registry_views import _member

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def queued(users):
    volunteer = users["volunteer.co"]
    first = register(volunteer, "Yusmary", "González", "Pérez", birth_date=date(1992, 3, 14), phone="0412-1234567")
    second = register(volunteer, "Yusmari", "Gonzales", "Pérez", birth_date=date(1992, 3, 14), phone="04121234567")
    services.find_duplicates(volunteer.national_society)
    return DuplicateCandidate.objects.get(), first, second


def test_registration_page_keeps_each_answer(users):
    existing = register(users["volunteer.co"], "Yusmary", "González", "Pérez")
    client = _client(users["volunteer.co"])
    first = client.post(reverse("register"), {"members": "1", **_member()})
    shown = re.search(r'name="m0-shown" value="([^"]+)"', first.content.decode()).group(1)
    assert shown.startswith(f"{existing.pk}:")
    response = client.post(
        reverse("register"), {"members": "1", "checked": "1", "m0-match_choice": "new", "m0-shown": shown, **_member()}
    )
    assert response.status_code == 302
    new = Person.objects.exclude(pk=existing.pk).get()
    decision = MatchDecision.objects.get()
    assert (decision.person_a_id, decision.person_b_id, decision.decision) == (existing.pk, new.pk, "not_same")
    assert decision.decided_by == users["volunteer.co"]
    assert decision.score_shown == pytest.approx(float(shown.split(":")[1]))


def test_queue_lists_pairs_for_data_managers_only(users, queued):
    candidate, first, second = queued
    page = _client(users["datamanager.co"]).get(reverse("duplicates"))
    assert page.status_code == 200
    html = page.content.decode()
    assert first.code in html and second.code in html
    assert reverse("duplicate", args=[candidate.pk]) in html
    assert first.code not in _client(users["datamanager.pe"]).get(reverse("duplicates")).content.decode()
    for role in ("volunteer.co", "coordinator.co", "officer.co", "protection.co"):
        client = _client(users[role])
        assert client.get(reverse("duplicates")).status_code == 403, role
        assert client.get(reverse("duplicate", args=[candidate.pk])).status_code == 403, role
        assert client.post(reverse("duplicate", args=[candidate.pk]), {"action": "merge"}).status_code == 403
    assert _client(users["datamanager.pe"]).get(reverse("duplicate", args=[candidate.pk])).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.OPEN


def test_side_by_side_shows_no_protection_data(users, queued):
    candidate, first, second = queued
    Person.objects.filter(pk=first.pk).update(chronic_illness=True)
    page = _client(users["datamanager.co"]).get(reverse("duplicate", args=[candidate.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert first.full_name in html and second.full_name in html
    assert "Protection" not in html and "protección" not in html.lower()
    assert "Chronic illness" not in html and "Enfermedad crónica" not in html


def test_merge_then_undo_from_the_pages(users, queued):
    candidate, first, second = queued
    client = _client(users["datamanager.co"])
    response = client.post(reverse("duplicate", args=[candidate.pk]), {"action": "merge"})
    assert response.status_code == 302
    record = MergeRecord.objects.get()
    assert (record.survivor_id, record.merged_id) == (first.pk, second.pk)
    queue = client.get(reverse("duplicates")).content.decode()
    assert reverse("unmerge", args=[record.pk]) in queue
    assert client.get(reverse("unmerge", args=[record.pk])).status_code == 405
    assert _client(users["datamanager.pe"]).post(reverse("unmerge", args=[record.pk])).status_code == 404
    assert client.post(reverse("unmerge", args=[record.pk])).status_code == 302
    second.refresh_from_db()
    assert second.merged_into_id is None
    # Undoing twice only says so.
    again = client.post(reverse("unmerge", args=[record.pk]), follow=True)
    assert again.status_code == 200
    assert MergeRecord.objects.get().unmerged_at is not None


def test_not_the_same_from_the_page(users, queued):
    candidate, _first, _second = queued
    client = _client(users["datamanager.co"])
    assert client.post(reverse("duplicate", args=[candidate.pk]), {"action": "not_same"}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.NOT_SAME
    again = client.post(reverse("duplicate", args=[candidate.pk]), {"action": "merge"})
    assert again.status_code == 400
    assert not MergeRecord.objects.exists()


def test_the_page_of_a_merged_person_leads_to_the_survivor(users, queued):
    candidate, first, second = queued
    record = services.merge_people(users["datamanager.co"], candidate.pk)
    old_link = reverse("person", kwargs={"person_id": second.pk})
    for role in ("datamanager.co", "volunteer.co"):
        response = _client(users[role]).get(old_link)
        assert response.status_code == 302, role
        assert response["Location"] == first.get_absolute_url()
    # Another country's user learns nothing: still a 404.
    assert _client(users["datamanager.pe"]).get(old_link).status_code == 404
    services.unmerge(users["datamanager.co"], record.pk)
    assert _client(users["datamanager.co"]).get(old_link).status_code == 200
