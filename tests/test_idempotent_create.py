"""The Idempotency-Key of POST /api/v1/households/ and /api/v1/people/: a field device that lost
the answer sends the request again and gets the same object, never a second one."""

import threading
import time
import uuid

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from caminante.core.models import IdempotentRequest
from caminante.registry.models import Household, Membership, Person
from tests.builders import fast_hashing  # noqa: F401

HOUSEHOLD = {
    "members": [
        {
            "given_names": "Wilmer",
            "family_name_1": "Quintero",
            "sex": "male",
            "birth_date": "1988-02-01",
            "consents": ["assistance"],
            "relationship": "head",
        }
    ]
}


def _api(user, key: str | None = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    if key:
        client.credentials(HTTP_IDEMPOTENCY_KEY=key)
    return client


@pytest.mark.django_db
def test_the_same_key_twice_creates_one_household(users):
    key = str(uuid.uuid4())
    first = _api(users["volunteer.co"], key).post("/api/v1/households/", HOUSEHOLD, format="json")
    again = _api(users["volunteer.co"], key).post("/api/v1/households/", HOUSEHOLD, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["code"] == again.json()["code"]
    assert Household.objects.count() == 1 and Person.objects.count() == 1
    assert IdempotentRequest.objects.get().object_id == uuid.UUID(first.json()["id"])


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict(users):
    key = str(uuid.uuid4())
    _api(users["volunteer.co"], key).post("/api/v1/households/", HOUSEHOLD, format="json")
    other = {"members": [{**HOUSEHOLD["members"][0], "given_names": "Ana", "sex": "female"}]}
    response = _api(users["volunteer.co"], key).post("/api/v1/households/", other, format="json")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_or_for_another_user_each_request_creates(users):
    for _ in range(2):
        assert _api(users["volunteer.co"]).post("/api/v1/households/", HOUSEHOLD, format="json").status_code == 201
    assert Household.objects.count() == 2
    key = "shared-key"
    person = {**HOUSEHOLD["members"][0]}
    person.pop("relationship")
    a = _api(users["volunteer.co"], key).post("/api/v1/people/", person, format="json")
    b = _api(users["volunteer.pe"], key).post("/api/v1/people/", {**person, "given_names": "Otro"}, format="json")
    assert (a.status_code, b.status_code) == (201, 201) and a.json()["id"] != b.json()["id"]
    replay = _api(users["volunteer.co"], key).post("/api/v1/people/", person, format="json")
    assert replay.status_code == 200 and replay.json()["id"] == a.json()["id"]


@pytest.mark.django_db
def test_a_malformed_key_is_refused(users):
    response = _api(users["volunteer.co"], "x" * 101).post("/api/v1/households/", HOUSEHOLD, format="json")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert Household.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_create_one_household(users):
    key, answers, errors = str(uuid.uuid4()), [], []

    def send():
        try:
            for _attempt in range(400):
                try:
                    client = _api(users["volunteer.co"], key)
                    answers.append(client.post("/api/v1/households/", HOUSEHOLD, format="json"))
                    return
                except OperationalError:  # SQLite's in-memory test database is locked: retry like a client
                    time.sleep(0.01)
            errors.append("gave up")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    statuses = sorted(a.status_code for a in answers)
    # One created it (201); on SQLite a client whose answer was lost to a lock retried and got
    # the replay, which is what the key is for: never more than one 201.
    assert len(statuses) == 4 and set(statuses) <= {200, 201} and statuses.count(201) <= 1
    assert len({a.json()["id"] for a in answers}) == 1
    assert Household.objects.count() == 1 and Membership.objects.count() == 1
