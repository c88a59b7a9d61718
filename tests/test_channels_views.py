# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""Pages: the public web chat (same engine), the staff inbox scoped by National Society and role, broadcasts."""

import json

import pytest
from django.test import Client

from caminante.channels import services
from caminante.channels.models import Broadcast, Channel, Contact, Conversation, Message, WhatsAppNumber
from caminante.core import outbox
from caminante.core.models import AuditEvent, NationalSociety, OutboxMessage
from tests.fakes import meta
from tests.fakes.graph import fake_graph  # noqa: F401


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chat(client, text="", button="", country="CO"):
    response = client.post(
        "/chat/messages",
        data=json.dumps({"text": text, "button": button, "country": country}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["messages"]


def test_the_web_chat_page_is_public_and_light(client, catalogue):
    response = client.get("/chat/?country=PE")
    assert response.status_code == 200
    assert b"webchat.js" in response.content
    assert len(response.content) < 40_000


def test_the_web_chat_answers_with_the_same_engine(client, sp_co):
    replies = chat(client, "Hola, ¿tienen kits de higiene?")
    assert "jabón" in replies[0]["text"]
    assert [b["id"] for b in replies[0]["buttons"]][0] == "menu"
    menu = chat(client, button="menu")
    assert len(menu[0]["rows"]) <= 10
    contact = Contact.objects.get()
    assert contact.channel == Channel.WEBCHAT
    assert contact.national_society.country.code == "CO"
    english = chat(client, "Where is the nearest service point? I am in Cúcuta")
    assert english[-1]["location"]["name"].startswith("Cúcuta")


def test_web_chat_sensitive_message_reaches_protection_only(client, users):
    replies = chat(client, "Quiero morir, ya no aguanto")
    assert "no estás solo" in replies[0]["text"].lower()
    conversation = Conversation.objects.get()
    assert conversation.sensitive
    assert login(users["protection.co"]).get("/inbox/").content.count(str(conversation.id).encode()) == 1
    officer = login(users["officer.co"])
    assert str(conversation.id).encode() not in officer.get("/inbox/").content
    assert officer.get(f"/inbox/{conversation.id}/").status_code == 404
    assert login(users["protection.pe"]).get(f"/inbox/{conversation.id}/").status_code == 404


def test_staff_reply_reaches_the_web_chat_and_reads_are_audited(client, users):
    chat(client, "Quiero hablar con una persona")
    conversation = Conversation.objects.get()
    officer = login(users["officer.co"])
    page = officer.get(f"/inbox/{conversation.id}/")
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="channels.conversation.read", object_id=str(conversation.id)).exists()
    officer.post(f"/inbox/{conversation.id}/", {"action": "reply", "text": "Hola, soy Marta."})
    polled = client.get("/chat/messages?after=2000-01-01T00:00:00Z").json()["messages"]
    assert polled[-1]["text"] == "Hola, soy Marta." and polled[-1]["from"] == "staff"
    officer.post(f"/inbox/{conversation.id}/", {"action": "note", "text": "Llamar mañana"})
    officer.post(f"/inbox/{conversation.id}/", {"action": "close"})
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.notes.count() == 1
    other = Client()
    assert other.get("/chat/messages?after=2000-01-01T00:00:00Z").json()["messages"] == []


def test_phone_numbers_are_masked_in_the_inbox(client, users, fake_graph):
    WhatsAppNumber.objects.create(national_society=NationalSociety.objects.get(country="CO"), phone_number_id="demo-co")
    meta.signed_post(client, meta.envelope("demo-co", messages=[meta.text("Quiero hablar con una persona")]))
    while outbox.deliver_due():
        pass
    page = login(users["officer.co"]).get("/inbox/").content.decode()
    assert "•••101" in page
    assert "573005550101" not in page


def test_empty_message_is_refused(client, catalogue):
    response = client.post("/chat/messages", data="{}", content_type="application/json")
    assert response.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("role", ["volunteer.co", "coordinator.co", "vendor.co", "partner.co"])
def test_inbox_is_for_the_national_societys_staff_only(users, role):
    assert login(users[role]).get("/inbox/").status_code == 403


def test_broadcast_to_opted_in_contacts_throttled_with_figures(users, fake_graph):
    ns = NationalSociety.objects.get(country="CO")
    WhatsAppNumber.objects.create(national_society=ns, phone_number_id="demo-co")
    for i in range(3):
        contact = services.get_or_create_contact(ns, Channel.WHATSAPP, f"5730000000{i}")
    services.set_opt_out(contact, True)
    officer = login(users["officer.co"])
    officer.post("/inbox/broadcasts/", {"text": "Jornada de vacunación el sábado en el PSH."})
    broadcast = Broadcast.objects.get()
    assert broadcast.recipients == 2
    rows = OutboxMessage.objects.filter(idempotency_key__startswith=f"broadcast:{broadcast.id}:")
    assert rows.count() == 2
    assert {r.payload["body"]["template"]["name"] for r in rows} == {"risk_communication"}
    page = officer.get("/inbox/broadcasts/").content.decode()
    assert "pending: 2" in page
    assert login(users["officer.pe"]).get("/inbox/broadcasts/").content.decode().count("Jornada") == 0


def test_an_administrator_sets_a_national_societys_number(users):
    admin = Client()
    admin.force_login(users["admin"])
    assert admin.get("/inbox/numbers/").status_code == 200
    admin.post("/inbox/numbers/", {"country": "PE", "phone_number_id": "10987654321", "active": "on"})
    number = WhatsAppNumber.objects.get(national_society__country="PE")
    assert number.phone_number_id == "10987654321" and number.active
    admin.post("/inbox/numbers/", {"country": "CO", "phone_number_id": "10987654321", "active": "on"})
    assert not WhatsAppNumber.objects.filter(national_society__country="CO").exists()  # taken: refused
    admin.post("/inbox/numbers/", {"country": "CO", "phone_number_id": "bad id!", "active": "on"})
    assert not WhatsAppNumber.objects.filter(national_society__country="CO").exists()
    assert AuditEvent.objects.filter(action="channels.number.set").count() == 1
    officer = Client()
    officer.force_login(users["officer.co"])
    assert officer.get("/inbox/numbers/").status_code == 403
