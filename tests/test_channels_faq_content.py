"""Programme staff edit the assistant's answers through a page; each save is a version the engine uses."""

import pytest
from django.test import Client

from caminante.channels import faq_content
from caminante.channels.models import FaqContent
from caminante.core.models import AuditEvent


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_edited_answer_is_used_at_once_and_versioned(users, client):
    officer = login(users["officer.co"])
    page = officer.get("/inbox/faq/")
    assert page.status_code == 200
    _, text = faq_content.current_yaml()
    edited = text.replace("Los kits de higiene son gratis", "Los kits de higiene son GRATUITOS", 1)
    assert edited != text
    response = officer.post("/inbox/faq/", {"answers_yaml": edited, "note": "mayúsculas"})
    assert response.status_code == 302
    assert FaqContent.objects.get().version == 1
    assert AuditEvent.objects.filter(action="channels.faq.save").exists()
    reply = client.post(
        "/chat/messages", data={"text": "¿Tienen kits de higiene?", "country": "CO"}, content_type="application/json"
    )
    assert "GRATUITOS" in reply.json()["messages"][0]["text"]


@pytest.mark.parametrize(
    "broken",
    [
        "topics: [unclosed",
        "version: 1\nfallback: {es: a, pt: b, en: c}\ntopics: {}\n",
    ],
    ids=["bad-yaml", "topics-missing"],
)
def test_broken_answers_are_refused_and_nothing_changes(users, broken):
    officer = login(users["officer.co"])
    response = officer.post("/inbox/faq/", {"answers_yaml": broken}, follow=True)
    assert response.status_code == 200
    assert not FaqContent.objects.exists()
    page = response.content.decode().lower()
    assert "could not be read" in page or "no se pudieron leer" in page


def test_a_language_missing_is_refused(users):
    _, text = faq_content.current_yaml()
    broken = text.replace('    pt: "Os kits de higiene', '    xx: "Os kits de higiene', 1)
    with pytest.raises(Exception):  # noqa: B017 - ValidationError
        faq_content.save_version(users["officer.co"], broken)
    assert not FaqContent.objects.exists()


@pytest.mark.parametrize("role", ["volunteer.co", "protection.co", "datamanager.co"])
def test_only_officers_and_administrators_edit(users, role):
    assert login(users[role]).get("/inbox/faq/").status_code == 403
