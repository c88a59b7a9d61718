"""RFL pages and API v1: the officer's journey, what the enquirer may be told, scoping, audited
reads, the OpenAPI schema, and hostile input on the new forms (always a 4xx, nothing written)."""

import json
from datetime import date

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from caminante.core.models import AuditEvent
from caminante.core.roles import Role
from caminante.registry.models import ConsentPurpose
from caminante.rfl import candidates, services
from caminante.rfl.models import FoundConsent, Status, TracingCandidate, TracingRequest
from tests.builders import fast_hashing, register  # noqa: F401 - fast_hashing is a fixture
from tests.conftest import make_user
from tests.test_rfl_services import tracing_input

pytestmark = pytest.mark.django_db

FORM = {
    "enquirer_name": "Carmen Rojas",
    "enquirer_contact": "+57 300 123 4567",
    "enquirer_consent": "on",
    "given_names": "Yorgelis",
    "family_names": "Rojas Marcano",
    "nicknames": "Yoye",
    "sex": "female",
    "birth_year": "1998",
    "circumstance": "route",
    "relationship": "child",
    "last_known_date": "2024-05-01",
}


@pytest.fixture
def client_for(users):
    def make(name):
        client = Client(raise_request_exception=False)
        client.force_login(users[name])
        return client

    return make


@pytest.fixture
def found(sp_co_other):
    volunteer = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    return register(
        volunteer,
        "Yorgelis",
        "Rojas",
        "Marcano",
        birth_date=date(1998, 3, 14),
        consents=[ConsentPurpose.ASSISTANCE, ConsentPurpose.TRACING],
    )


def test_the_officers_journey_on_the_pages(client_for, users, found):
    client = client_for("rfl.co")
    assert client.get(reverse("rfl-new")).status_code == 200
    response = client.post(reverse("rfl-new"), FORM)
    assert response.status_code == 302
    case = TracingRequest.objects.get()
    detail = reverse("rfl-request", kwargs={"tracing_id": case.pk})
    assert response["Location"] == detail
    page = client.get(detail).content.decode()
    assert case.code in page and "Yorgelis" in page
    candidates_url = reverse("rfl-candidates", kwargs={"tracing_id": case.pk})
    assert client.post(candidates_url, {"action": "find"}).status_code == 302
    page = client.get(candidates_url).content.decode()
    assert found.code in page
    candidate = TracingCandidate.objects.get(tracing_request=case, person=found)
    assert client.post(candidates_url, {"action": "confirm", "candidate": str(candidate.pk)}).status_code == 302
    assert TracingRequest.objects.get().status == Status.POSSIBLE_MATCH
    client.post(detail, {"action": "locate", "found_consent": FoundConsent.SHARE_LOCATION})
    client.post(detail, {"action": "note", "text": "Habló con su hija por teléfono."})
    client.post(detail, {"action": "task", "title": "Llamar de nuevo", "due_on": "2030-01-01"})
    client.post(detail, {"action": "status", "status": Status.CONTACT_RESTORED})
    client.post(detail, {"action": "assign", "assigned_to": str(users["rfl.co"].pk)})
    case.refresh_from_db()
    assert case.assigned_to == users["rfl.co"]
    assert case.status == Status.CONTACT_RESTORED and case.notes.count() == 1 and case.tasks.count() == 1
    page = client.get(detail).content.decode()
    assert "Maicao" in page and "Habló con su hija" in page
    client.post(detail, {"action": "status", "status": Status.CLOSED, "closure_reason": "link_restored"})
    assert TracingRequest.objects.get().status == Status.CLOSED
    # Every read of the case is in the audit log.
    reads = AuditEvent.objects.filter(action="rfl.tracing.read", object_id=str(case.pk))
    assert (
        reads.filter(data__what="case").count() == 2
        and reads.filter(data__what="location").exists()
        and reads.filter(data__what="candidates").exists()
    )


def test_list_filters_by_status_and_is_audited(client_for, users):
    open_case = services.open_request(users["rfl.co"], tracing_input(given_names="Abierta"))
    closed = services.open_request(users["rfl.co"], tracing_input(given_names="Cerrada"))
    services.change_status(users["rfl.co"], closed, Status.CLOSED, closure_reason="withdrawn")
    client = client_for("protection.co")
    page = client.get(reverse("rfl-list"), {"status": "open"}).content.decode()
    assert open_case.code in page and closed.code not in page
    page = client.get(reverse("rfl-list"), {"status": "not-a-status"}).content.decode()
    assert open_case.code in page and closed.code in page
    assert AuditEvent.objects.filter(action="rfl.tracing.list").count() == 2


def test_other_roles_and_countries_never_see_a_case(client_for, users):
    case = services.open_request(users["rfl.co"], tracing_input())
    detail = reverse("rfl-request", kwargs={"tracing_id": case.pk})
    for name in ("rfl.pe", "protection.pe"):
        assert client_for(name).get(detail).status_code == 404
        assert client_for(name).post(detail, {"action": "note", "text": "x"}).status_code == 404
    for name in ("volunteer.co", "officer.co", "datamanager.co", "admin", "analyst"):
        assert client_for(name).get(detail).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").exists()
    assert not case.notes.exists()


def test_a_refusal_never_shows_the_location_on_the_page_or_the_api(client_for, users, found):
    officer = users["rfl.co"]
    case = services.open_request(officer, tracing_input())
    candidate = next(c for c in candidates.find(officer, case) if c.person_id == found.pk)
    candidates.decide(officer, candidate, "confirmed")
    case.refresh_from_db()
    candidates.record_located(officer, case, FoundConsent.REFUSES)
    client = client_for("rfl.co")
    page = client.get(reverse("rfl-request", kwargs={"tracing_id": case.pk})).content.decode()
    box = page.split('id="enquirer-may-know"')[1].split("</div>")[0]
    assert "Maicao" not in box
    data = client.get(reverse("rfl-tracing-request-detail", kwargs={"pk": case.pk})).json()
    assert data["enquirer_may_know"] == {"kind": "nothing", "location": None, "message": None}
    assert "Maicao" not in json.dumps(data)


# ---- API -------------------------------------------------------------------------------------

API_BODY = {
    "enquirer_name": "Carmen Rojas",
    "enquirer_contact": "+573001234567",
    "enquirer_consent": True,
    "given_names": "Yorgelis",
    "family_names": "Rojas Marcano",
    "sex": "female",
    "age": 26,
    "circumstance": "detention",
    "relationship": "child",
}


def test_api_create_list_retrieve_and_status_changes(client_for):
    client = client_for("rfl.co")
    url = reverse("rfl-tracing-request-list")
    response = client.post(url, API_BODY, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["code"].startswith("TR-") and created["status"] == "open"
    assert created["sought"]["given_names"] == "Yorgelis" and created["sought_birth_year_estimated"]
    listed = client.get(url, {"limit": "10"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == created["id"]
    changes = reverse("rfl-tracing-request-status-changes", kwargs={"pk": created["id"]})
    assert client.post(changes, {"status": "searching"}, content_type="application/json").status_code == 201
    refused = client.post(changes, {"status": "reunited"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    no_reason = client.post(changes, {"status": "closed"}, content_type="application/json")
    assert no_reason.status_code == 400 and "closure_reason" in no_reason.json()["errors"]
    closed = client.post(changes, {"status": "closed", "closure_reason": "time_limit"}, content_type="application/json")
    assert closed.status_code == 201 and closed.json()["to_status"] == "closed"
    history = client.get(changes).json()
    assert [c["to_status"] for c in history] == ["open", "searching", "closed"]
    assert AuditEvent.objects.filter(action="rfl.tracing.list", data__where="api").exists()


def test_api_refuses_what_it_does_not_know_and_other_roles(client_for, users):
    client = client_for("rfl.co")
    url = reverse("rfl-tracing-request-list")
    for body in (
        {**API_BODY, "enquirer_consent": False},
        {**API_BODY, "favourite_colour": "red"},
        {**API_BODY, "age": "26"},
        {**API_BODY, "last_known_date": "2020-13-45"},
        {**API_BODY, "last_known_date": "9999-12-31"},
        {**API_BODY, "given_names": "x" * 1_000_000},
    ):
        assert client.post(url, body, content_type="application/json").status_code == 400
    assert not TracingRequest.objects.exists()
    assert client_for("officer.co").get(url).status_code == 403
    assert client_for("admin").post(url, API_BODY, content_type="application/json").status_code == 403
    case = services.open_request(users["rfl.co"], tracing_input())
    assert client_for("rfl.pe").get(reverse("rfl-tracing-request-detail", kwargs={"pk": case.pk})).status_code == 404


def test_the_schema_documents_the_rfl_operations(client_for):
    schema = client_for("rfl.co").get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/rfl/tracing-requests/"])
    assert {"get", "post"} <= set(paths["/api/v1/rfl/tracing-requests/{id}/status-changes/"])
    body = schema["components"]["schemas"]["TracingRequestInputRequest"]
    assert body["additionalProperties"] is False and "enquirer_consent" in body["required"]


# ---- hostile input on the new forms ------------------------------------------------------------

HOSTILE_FORMS = [
    {**FORM, "last_known_date": "2020-02-30"},
    {**FORM, "last_known_date": "0001-01-01"},
    {**FORM, "last_known_date": "9999-12-31"},
    {**FORM, "birth_year": "99999999999999999999"},
    {**FORM, "age": "-1"},
    {**FORM, "given_names": "x" * 1_000_000},
    {**FORM, "enquirer_contact": "nul\x00byte"},
    {**FORM, "sex": "\x00"},
    {**FORM, "service_point": "not-a-uuid"},
]


def _rows() -> dict:
    return {m._meta.label_lower: m._base_manager.count() for m in apps.get_app_config("rfl").get_models()}


@pytest.mark.parametrize("body", HOSTILE_FORMS, ids=range(len(HOSTILE_FORMS)))
def test_hostile_request_forms_give_4xx_and_write_nothing(client_for, body):
    response = client_for("rfl.co").post(reverse("rfl-new"), body)
    assert 400 <= response.status_code < 500
    assert not TracingRequest.objects.exists()


def test_hostile_case_actions_give_4xx_or_a_message_and_write_nothing(client_for, users):
    case = services.open_request(users["rfl.co"], tracing_input())
    client = client_for("rfl.co")
    before = _rows()
    detail = reverse("rfl-request", kwargs={"tracing_id": case.pk})
    candidates_url = reverse("rfl-candidates", kwargs={"tracing_id": case.pk})
    bodies = [
        {"action": "task", "title": "Llamar", "due_on": "2020-13-45"},
        {"action": "task", "title": "Llamar", "due_on": "9999-12-31"},
        {"action": "task", "title": "x" * 1_000_000, "due_on": "2030-01-01"},
        {"action": "note", "text": "x" * 1_000_000},
        {"action": "note", "text": "nul\x00byte"},
        {"action": "status", "status": "reunited"},
        {"action": "status", "status": "closed", "closure_reason": "bored"},
        {"action": "assign", "assigned_to": "not-a-uuid"},
        {"action": "task_done", "task": "'; DROP TABLE rfl_casetask; --"},
        {"action": "locate", "found_consent": "share_location"},
        {"action": "\x00"},
    ]
    for body in bodies:
        for url in (detail, candidates_url):
            response = client.post(url, body)
            assert response.status_code in (302, 400, 413), (body, response.status_code)
    for body in ({"action": "confirm", "candidate": "x" * 100_000}, {"action": "reject", "candidate": "1e309"}):
        assert client.post(candidates_url, body).status_code == 302
    for query in ({"status": "\x00"}, {"page": "99999999999999999999"}, {"status": "x" * 100_000}):
        assert client.get(reverse("rfl-list"), query).status_code < 500
    assert (
        client.get(reverse("rfl-request", kwargs={"tracing_id": "00000000-0000-0000-0000-000000000000"})).status_code
        == 404
    )
    assert _rows() == before
    assert TracingRequest.objects.get().status == Status.OPEN


@pytest.mark.parametrize(
    "code, title", [("es", "Solicitudes de búsqueda"), ("pt", "Pedidos de busca"), ("en", "Tracing requests")]
)
def test_the_pages_speak_the_three_languages(client_for, code, title):
    client = client_for("rfl.co")
    client.cookies["django_language"] = code
    assert title in client.get(reverse("rfl-list")).content.decode()
