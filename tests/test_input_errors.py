"""The requests that once answered 500 (issue 11), each now a clear, translated 4xx in the
API's error format, changing nothing. The hostile-input walk (test_hostile_input.py) covers
every route; these pin the cases found, on both databases, in the quick suite."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from caminante.channels.models import Message
from caminante.registry.models import Person
from tests.conftest import PASSWORD
from tests.test_cash_helpers import voucher_world
from tests.test_referrals_builders import add_service

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/people/",
    "/api/v1/households/",
    "/api/v1/service-deliveries/",
    "/api/v1/service-points/",
    "/api/v1/feedback/items/",
    "/api/v1/cash/redemptions/",
    "/api/v1/cash/vouchers/",
]
DEEP = "[" * 5000 + "]" * 5000


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def _error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] and body["message"]
    return body


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["99999999999999999999", "9223372036854775808"])
def test_a_huge_limit_is_capped(users, sp_co, path, limit):
    if "redemptions" in path:
        voucher_world(users, sp_co)  # the vendor user gets its shop
    role = "vendor" if "redemptions" in path else "officer" if "cash" in path or "feedback" in path else "volunteer"
    user = users[f"{role}.co"]
    response = _api(user).get(path, {"limit": limit})
    assert response.status_code == 200, response.content[:300]
    assert "results" in response.json()


@pytest.mark.parametrize("query", [{"limit": "abc"}, {"limit": "-1"}, {"offset": "99999999999999999999"}])
def test_a_malformed_limit_or_offset_is_refused(users, query):
    body = _error(_api(users["volunteer.co"]).get("/api/v1/people/", query))
    assert set(body["errors"]) & {"limit", "offset"}


def test_deep_json_is_refused_on_people_and_token(users):
    before = Person.objects.count()
    body = _error(_api(users["volunteer.co"]).post("/api/v1/people/", DEEP, content_type="application/json"))
    assert body["code"] in ("parse_error", "too_deep", "invalid_json")
    anonymous = APIClient(HTTP_ACCEPT_LANGUAGE="es")
    deep_object = '{"username":' * 3000 + '"x"' + "}" * 3000
    body = _error(anonymous.post("/api/v1/auth/token/", deep_object, content_type="application/json"))
    assert "JSON" in body["message"]
    assert Person.objects.count() == before


def test_a_json_body_too_big_is_refused(users):
    body = '{"given_names": "' + "x" * 1_100_000 + '"}'
    _error(_api(users["volunteer.co"]).post("/api/v1/people/", body, content_type="application/json"))


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null", DEEP, '{"text": "a\\u0000b"}'])
def test_chat_messages_refuses_bodies_that_are_not_an_object(catalogue, body):
    before = Message.objects.count()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/chat/messages", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]
    assert Message.objects.count() == before


def test_chat_poll_with_an_impossible_date_is_refused(catalogue):
    response = Client().get("/chat/messages", {"after": "2020-13-45T00:00:00"})
    assert response.status_code in (200, 400)  # no contact yet: nothing to read
    client = Client()
    client.post("/chat/messages", {"text": "hola", "country": "CO"}, content_type="application/json")
    response = client.get("/chat/messages", {"after": "2020-13-45T00:00:00"})
    assert response.status_code == 400 and response.json()["error"]
    assert client.get("/chat/messages", {"after": "2020-01-31T12:00:00"}).status_code == 200


def test_reconciliation_with_dates_at_the_ends_of_the_calendar(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users["officer.co"])
    response = client.get("/cash/reconciliation/", {"start": "0001-01-01", "end": "9999-12-31"})
    assert response.status_code == 200  # the form says what is wrong
    assert b"Enter a date between 1900 and 2100." in response.content


def test_nul_bytes_in_a_query_or_a_form_are_refused(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users["volunteer.co"])
    response = client.get("/people/", {"q": "ana\x00"})
    assert response.status_code == 400 and b"NUL" in response.content
    before = Person.objects.count()
    response = client.post("/people/register/", {"given_names": "Ana\x00", "family_name_1": "Pérez"})
    assert response.status_code == 400
    assert Person.objects.count() == before
    api = _error(_api(users["volunteer.co"]).get("/api/v1/people/", {"search": "a\x00"}))
    assert api["code"] == "nul_character"


def test_an_open_redirect_is_not_followed(users):
    service = add_service("CO")
    client = Client()
    client.force_login(users["officer.co"])
    for target in ("https://evil.example/", "99999999999999999999", "//evil.example/"):
        response = client.post(f"/directory/{service.pk}/verify/", {"next": target})
        assert response.status_code == 302 and response["Location"] == "/directory/"


def test_wrong_credentials_are_401_in_the_api_format(users):
    wrong = {"username": "volunteer.co", "password": "no"}
    body = _error(APIClient().post("/api/v1/auth/token/", wrong, format="json"), 401)
    assert body["code"] == "invalid_credentials"
    ok = APIClient().post("/api/v1/auth/token/", {"username": "volunteer.co", "password": PASSWORD}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_api_text_fields_take_text_only(users):
    body = _error(
        _api(users["volunteer.co"]).post(
            "/api/v1/people/", {"given_names": 12, "family_name_1": "Pérez", "sex": "female"}, format="json"
        )
    )
    assert body["errors"]["given_names"] == ["Enter text."]


def test_a_query_value_too_long_is_refused_before_any_search(users):
    """The hostile walk's 100,000-character search made SQLite refuse its LIKE pattern (a 500)."""
    long_query = "a" * 3000
    api = _error(_api(users["officer.co"]).get("/api/v1/feedback/items/", {"search": long_query}))
    assert api["code"] == "too_long"
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(users["officer.co"])
    page = client.get("/feedback/", {"q": long_query})
    assert page.status_code == 400 and "demasiado largo" in page.content.decode()
    assert client.get("/feedback/", {"q": "a" * 200}).status_code == 200
