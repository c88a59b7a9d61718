"""REST API v1: token login, scoped people, households, service deliveries, JSON errors, schema."""

import uuid

import pytest
from rest_framework.test import APIClient

from caminante.assistance.models import ServiceDelivery
from caminante.core.models import AuditEvent
from caminante.registry.models import Household, Person
from caminante.registry.services import register_household
from tests.builders import fast_hashing, person_input, register  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _token(username: str) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api(username: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token(username)}")
    return client


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] and isinstance(body["message"], str) and body["message"]
    if code:
        assert body["code"] == code
    return body


def _person_payload(**extra) -> dict:
    return {
        "given_names": "Wilmer",
        "family_name_1": "Quintero",
        "sex": "male",
        "birth_date": "1988-02-01",
        "phone": "+58 412 123 4567",
        "consents": ["assistance"],
        **extra,
    }


@pytest.fixture
def people(users, sp_co_other):
    return {
        "co": register(users["volunteer.co"], "Yusmary", "González", "Pérez"),
        "co_other": register(users["officer.co"], "Pedro", "Rodríguez", service_point=sp_co_other),
        "pe": register(users["volunteer.pe"], "Rosa", "Mendoza"),
    }


def test_token_login(users):
    token = _token("volunteer.co")
    assert len(token) >= 20
    assert _token("volunteer.co") == token  # the same token again


def test_token_bad_password(users):
    response = APIClient().post("/api/v1/auth/token/", {"username": "volunteer.co", "password": "nope"}, format="json")
    # Well-formed but wrong credentials: 401, as any failed authentication.
    _assert_error(response, 401, "invalid_credentials")


def test_token_unknown_field_and_form_encoding(users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "volunteer.co", "password": PASSWORD, "otp": "1"}, format="json"
    )
    body = _assert_error(response, 400)
    assert "otp" in body["errors"]


def test_token_login_locks_out_after_failures(users):
    client = APIClient()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "officer.co", "password": "nope"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "officer.co", "password": PASSWORD}, format="json")
    assert response.status_code in (401, 403, 429)
    assert "token" not in response.content.decode()


def test_anonymous_gets_401_json(users):
    _assert_error(APIClient().get("/api/v1/people/"), 401, "not_authenticated")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    _assert_error(bad.get("/api/v1/people/"), 401)


def test_people_list_is_scoped(users, people):
    volunteer = _api("volunteer.co").get("/api/v1/people/")
    assert volunteer.status_code == 200
    assert [p["id"] for p in volunteer.json()["results"]] == [str(people["co"].pk)]
    officer = _api("officer.co").get("/api/v1/people/").json()
    assert {p["id"] for p in officer["results"]} == {str(people["co"].pk), str(people["co_other"].pk)}
    assert officer["count"] == 2
    assert {p["national_society"] for p in officer["results"]} == {"CO"}
    assert "protection_data" not in officer["results"][0]


def test_people_search(users, people):
    client = _api("officer.co")
    found = client.get("/api/v1/people/", {"search": "yusmari gonzales"}).json()
    assert found["count"] == 1
    assert [p["id"] for p in found["results"]] == [str(people["co"].pk)]
    by_code = client.get("/api/v1/people/", {"search": people["co"].code.lower()}).json()
    assert [p["code"] for p in by_code["results"]] == [people["co"].code]
    assert client.get("/api/v1/people/", {"search": "Rosa Mendoza"}).json()["results"] == []


def test_person_detail_and_other_country_404(users, people):
    client = _api("officer.co")
    detail = client.get(f"/api/v1/people/{people['co'].pk}/")
    assert detail.status_code == 200
    assert detail.json()["code"] == people["co"].code
    body = _assert_error(client.get(f"/api/v1/people/{people['pe'].pk}/"), 404, "not_found")
    assert "Rosa" not in str(body)
    assert AuditEvent.objects.filter(action="access.denied", actor_id=users["officer.co"].pk).exists()
    _assert_error(client.get(f"/api/v1/people/{uuid.uuid4()}/"), 404)
    _assert_error(client.get("/api/v1/people/not-a-uuid/"), 404)


def test_create_person(users, sp_co):
    response = _api("volunteer.co").post("/api/v1/people/", _person_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert body["code"] == person.code
    assert body["phone_e164"] == "+584121234567"
    assert person.service_point == sp_co


def test_create_person_unknown_field(users):
    response = _api("volunteer.co").post("/api/v1/people/", _person_payload(favourite_colour="red"), format="json")
    body = _assert_error(response, 400, "invalid")
    assert "favourite_colour" in body["errors"]
    assert Person.objects.count() == 0


def test_create_person_service_validation_is_json(users):
    response = _api("volunteer.co").post("/api/v1/people/", _person_payload(birth_date="2999-01-01"), format="json")
    body = _assert_error(response, 400, "invalid")
    assert "birth_date" in body["errors"]
    response = _api("volunteer.co").post("/api/v1/people/", _person_payload(consents=[]), format="json")
    assert "consents" in _assert_error(response, 400)["errors"]
    assert Person.objects.count() == 0


def test_create_person_officer_needs_own_service_point(users, sp_co, sp_pe):
    client = _api("officer.co")
    body = _assert_error(client.post("/api/v1/people/", _person_payload(), format="json"), 400)
    assert "service_point" in body["errors"]
    response = client.post("/api/v1/people/", _person_payload(service_point=sp_pe.code), format="json")
    _assert_error(response, 400)
    response = client.post("/api/v1/people/", _person_payload(service_point=sp_co.code), format="json")
    assert response.status_code == 201


def test_create_household(users):
    payload = {
        "members": [
            _person_payload(relationship="head"),
            _person_payload(given_names="Ana", sex="female", birth_date=None, estimated_age=6, relationship="child"),
        ]
    }
    response = _api("volunteer.co").post("/api/v1/households/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(m["relationship"] for m in body["members"]) == ["child", "head"]
    assert Household.objects.get().pk == uuid.UUID(body["id"])
    no_head = {"members": [_person_payload(relationship="child")]}
    _assert_error(_api("volunteer.co").post("/api/v1/households/", no_head, format="json"), 400)
    assert Household.objects.count() == 1


def test_households_list_scoped(users):
    co = register_household(users["volunteer.co"], [person_input("Ana", relationship="head")])
    pe = register_household(users["volunteer.pe"], [person_input("Rosa", relationship="head")])
    listing = _api("officer.co").get("/api/v1/households/").json()
    assert [h["id"] for h in listing["results"]] == [str(co.pk)]
    _assert_error(_api("officer.co").get(f"/api/v1/households/{pe.pk}/"), 404)


def test_create_service_delivery(users, people):
    client = _api("volunteer.co")
    response = client.post(
        "/api/v1/service-deliveries/",
        {"service_type": "hygiene-kit", "person": str(people["co"].pk), "quantity": "2"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["service_type"], body["unit"], body["quantity"]) == ("hygiene-kit", "kit", "2.00")
    listing = client.get("/api/v1/service-deliveries/").json()
    assert [d["id"] for d in listing["results"]] == [body["id"]]


def test_service_delivery_errors(users, people):
    client = _api("volunteer.co")
    other_country = client.post(
        "/api/v1/service-deliveries/", {"service_type": "food", "person": str(people["pe"].pk)}, format="json"
    )
    _assert_error(other_country, 404)
    neither = client.post("/api/v1/service-deliveries/", {"service_type": "food"}, format="json")
    assert "person" in _assert_error(neither, 400)["errors"]
    zero = client.post(
        "/api/v1/service-deliveries/",
        {"service_type": "food", "person": str(people["co"].pk), "quantity": "0"},
        format="json",
    )
    assert "quantity" in _assert_error(zero, 400)["errors"]
    unknown = client.post(
        "/api/v1/service-deliveries/", {"service_type": "teleport", "person": str(people["co"].pk)}, format="json"
    )
    assert "service_type" in _assert_error(unknown, 400)["errors"]
    assert ServiceDelivery.objects.count() == 0


def test_analyst_is_refused_person_level_data(users, people):
    client = _api("analyst.regional")
    for url in ("/api/v1/people/", "/api/v1/households/", "/api/v1/service-deliveries/"):
        _assert_error(client.get(url), 403, "permission_denied")
    _assert_error(client.post("/api/v1/people/", _person_payload(), format="json"), 403)
    assert client.get("/api/v1/service-points/").status_code == 200


def test_service_points_scoped(users, sp_co, sp_co_other, sp_pe):
    volunteer = _api("volunteer.co").get("/api/v1/service-points/").json()
    assert [sp["code"] for sp in volunteer["results"]] == [sp_co.code]
    officer = _api("officer.co").get("/api/v1/service-points/").json()
    assert {sp["code"] for sp in officer["results"]} == {sp_co.code, sp_co_other.code}
    _assert_error(_api("officer.co").get(f"/api/v1/service-points/{sp_pe.pk}/"), 404)


def test_schema_and_docs(db):
    schema = APIClient().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/people/", "/api/v1/households/", "/api/v1/service-deliveries/", "/api/v1/auth/token/"):
        assert path in document["paths"]
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_errors_are_translated(users):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    body = client.post("/api/v1/auth/token/", {"username": "x", "password": "y", "z": 1}, format="json").json()
    assert body["message"] == "The data is not valid."
    wrong = client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json").json()
    assert wrong["message"] == "Unable to log in with the username and password given."
    spanish = APIClient(HTTP_ACCEPT_LANGUAGE="es").post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
    )
    assert spanish.json()["message"] == "No se pudo iniciar sesión con el usuario y la contraseña dados."


@pytest.mark.parametrize("path", ["/api/v1/people/not.a.uuid/", "/api/v1/no-such-thing/", "/api/v2/"])
def test_unknown_api_urls_answer_json(path):
    client = APIClient()
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_pages_stay_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
