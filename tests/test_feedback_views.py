"""The pages: intake forms (HSP, suggestion box, hotline), the officer's queue and item page,
answering, the framework and focal-point pages, rumour clusters, the API."""

import pytest
from django.test import Client
from django.urls import reverse

from caminante.core.models import OutboxMessage
from caminante.feedback.models import FeedbackItem, FocalPoint, RumourCluster

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_volunteer_quick_form_gives_a_code(users, sp_co):
    client = _client(users["volunteer.co"])
    page = client.get(reverse("feedback-new"))
    assert page.status_code == 200 and 'name="text"' in page.content.decode()
    response = client.post(
        reverse("feedback-new"),
        {"text": "¿A qué hora abren mañana?", "language": "es", "wants_answer": "on", "sex": "female"},
    )
    item = FeedbackItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("feedback-receipt", args=[item.pk])
    assert item.channel == "hsp" and item.service_point == sp_co and item.sex == "female" and item.wants_answer
    receipt = client.get(response["Location"]).content.decode()
    assert item.code in receipt


def test_quick_form_errors_are_shown_and_nothing_is_saved(users):
    client = _client(users["volunteer.co"])
    response = client.post(
        reverse("feedback-new"),
        {"text": "Quiero respuesta", "language": "es", "contact_phone": "+573001234567"},
    )
    assert response.status_code == 400 and FeedbackItem.objects.count() == 0
    assert "consent" in response.content.decode() or "consentimiento" in response.content.decode()


def test_reported_sensitive_goes_to_the_confidential_queue_whatever_the_words(users):
    client = _client(users["volunteer.co"])
    client.post(
        reverse("feedback-new"), {"text": "Necesito hablar con alguien", "language": "es", "reported_sensitive": "on"}
    )
    item = FeedbackItem.objects.get()
    assert item.suggested_sensitivity == "not_sensitive" and item.sensitivity == "sensitive" and item.text == ""


def test_suggestion_box_and_hotline_forms(users, sp_co):
    officer = _client(users["officer.co"])
    officer.post(
        reverse("feedback-box"),
        {
            "text": "Deberían poner sombra en la fila",
            "language": "es",
            "received_on": "2026-01-05",
            "service_point": sp_co.pk,
        },
    )
    box = FeedbackItem.objects.get(channel="suggestion_box")
    assert box.received_at.date().isoformat() == "2026-01-05" and box.service_point == sp_co
    assert box.suggested_category == "r_improvement"
    officer.post(
        reverse("feedback-hotline"),
        {
            "text": "El bono no pasa en la tienda",
            "language": "es",
            "wants_answer": "on",
            "contact_consent": "on",
            "contact_phone": "+573009998877",
            "voucher_code": "CV-1234-567",
            "diversity": ["disability"],
        },
    )
    call = FeedbackItem.objects.get(channel="hotline")
    assert call.contact_phone == "+573009998877" and call.voucher_code == "CV-1234-567"
    assert call.diversity == "disability" and call.service_point is None


def test_officer_codes_answers_and_closes_from_the_item_page(users, sp_co):
    volunteer = _client(users["volunteer.co"])
    volunteer.post(
        reverse("feedback-new"), {"text": "La comida estaba vencida", "language": "es", "wants_answer": "on"}
    )
    item = FeedbackItem.objects.get()
    officer = _client(users["officer.co"])
    listing = officer.get(reverse("feedback-list"), {"q": "vencida"}).content.decode()
    assert item.code in listing
    url = reverse("feedback-item", args=[item.pk])
    page = officer.get(url).content.decode()
    assert "La comida estaba vencida" in page and 'id="coding-form"' in page
    act = reverse("feedback-act", args=[item.pk])
    officer.post(
        act,
        {
            "action": "code",
            "type_key": "concern",
            "category_key": "c_service_quality",
            "code_key": "c_quality_items",
            "sensitivity": "not_sensitive",
            "criticality": "action",
        },
    )
    bad = officer.post(act, {"action": "move", "status": "closed"}, follow=True).content.decode()
    assert "cannot become" in bad or "no puede pasar" in bad
    officer.post(act, {"action": "answer", "answer": "Pase mañana a cambiarla.", "via": "hsp_message"})
    officer.post(act, {"action": "move", "status": "closed"})
    item.refresh_from_db()
    assert item.code_key == "c_quality_items" and item.status == "closed" and item.answer_via == "hsp_message"
    # the volunteer hands the answer over when the person comes back with the code
    waiting = volunteer.get(reverse("feedback-logged"), {"code": item.code}).content.decode()
    assert "Pase mañana a cambiarla." in waiting
    volunteer.post(reverse("feedback-collect", args=[item.pk]))
    assert FeedbackItem.objects.get(pk=item.pk).answer_collected_at is not None


def test_hsp_coordinator_sees_only_their_point(users, sp_co, sp_co_other):
    from caminante.feedback.services import receive_feedback

    here = receive_feedback(
        users["volunteer.co"], national_society=sp_co.national_society, channel="hsp", text="Hola, gracias"
    )
    there = receive_feedback(
        users["officer.co"],
        national_society=sp_co.national_society,
        channel="hsp",
        text="Gracias",
        service_point=sp_co_other,
    )
    coordinator = _client(users["coordinator.co"])
    assert coordinator.get(reverse("feedback-item", args=[here.pk])).status_code == 200
    assert coordinator.get(reverse("feedback-item", args=[there.pk])).status_code == 404


def test_focal_points_page_designates(users):
    client = _client(users["datamanager.co"])
    assert "protection.co" in client.get(reverse("feedback-focal-points")).content.decode()
    client.post(reverse("feedback-focal-points"), {"user": users["protection.co"].pk, "active": "1"})
    assert FocalPoint.objects.filter(user=users["protection.co"], active=True).exists()
    client.post(reverse("feedback-focal-points"), {"user": users["protection.pe"].pk, "active": "1"})
    assert not FocalPoint.objects.filter(user=users["protection.pe"]).exists()


def test_framework_page_lets_a_data_manager_add_a_code(users):
    client = _client(users["datamanager.co"])
    response = client.post(
        reverse("feedback-framework"),
        {"category_key": "q_cash", "key": "nequi", "label_es": "Pagos por Nequi"},
    )
    assert response.status_code == 302
    assert "Pagos por Nequi" in client.get(reverse("feedback-framework")).content.decode()
    assert _client(users["officer.co"]).post(reverse("feedback-framework"), {}).status_code == 403


def test_rumour_cluster_pages(users, sp_co):
    from caminante.feedback.services import receive_feedback

    receive_feedback(
        None,
        national_society=sp_co.national_society,
        channel="whatsapp",
        text="Dicen que la vacuna esteriliza",
        contact_phone_e164="+573001110000",
    )
    client = _client(users["officer.co"])
    response = client.post(
        reverse("feedback-clusters"),
        {"name": "Vacuna", "keywords": "vacuna", "response_message": "Las vacunas son seguras."},
    )
    cluster = RumourCluster.objects.get()
    assert response.status_code == 302 and cluster.items.count() == 1
    client.post(reverse("feedback-cluster", args=[cluster.pk]), {"action": "broadcast"})
    assert OutboxMessage.objects.filter(to__contains="573001110000").exists()
    assert "Vacuna" in _client(users["analyst"]).get(reverse("feedback-trends")).content.decode()


def test_api_intake_and_queue(users, sp_co):
    client = _client(users["officer.co"])
    response = client.post(
        "/api/v1/feedback/items/",
        {"channel": "survey", "text": "¿Dónde queda el punto?", "service_point": sp_co.code},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "code", "status", "received_at"}
    listing = client.get("/api/v1/feedback/items/").json()
    assert body["code"] in str(listing)
    bad = client.post(
        "/api/v1/feedback/items/", {"channel": "fax", "text": "x", "colour": 1}, content_type="application/json"
    )
    assert bad.status_code == 400 and set(bad.json()["errors"]) >= {"colour"}
    secret = client.post(
        "/api/v1/feedback/items/",
        {"channel": "survey", "text": "Un voluntario me pidió sexo a cambio de comida"},
        content_type="application/json",
    ).json()
    assert client.get(f"/api/v1/feedback/items/{secret['id']}/").status_code == 404


def test_officer_links_an_item_to_a_person_and_a_voucher(users, sp_co):
    from caminante.feedback.services import receive_feedback
    from tests.builders import register

    person = register(users["volunteer.co"], "Yusmary", "González")
    other = register(users["volunteer.pe"], "Otra", "Persona")
    item = receive_feedback(
        users["volunteer.co"], national_society=sp_co.national_society, channel="hsp", text="Gracias"
    )
    client = _client(users["officer.co"])
    act = reverse("feedback-act", args=[item.pk])
    client.post(act, {"action": "link", "person_code": person.code.lower(), "voucher_code": "cv-1234-567"})
    item.refresh_from_db()
    assert item.person == person and item.voucher_code == "CV-1234-567"
    page = client.get(reverse("feedback-item", args=[item.pk])).content.decode()
    assert person.code in page
    client.post(act, {"action": "link", "person_code": other.code})  # another country's person: not found
    item.refresh_from_db()
    assert item.person == person
