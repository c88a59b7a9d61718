# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""End to end: a signed webhook message -> worker -> the right answer at the fake Graph API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caminante.channels import selectors, services
from caminante.channels.models import Contact, Conversation, Message, Queue, WhatsAppNumber
from caminante.core import outbox
from caminante.core.models import AuditEvent, NationalSociety, OutboxMessage
from tests.fakes import meta
from tests.fakes.graph import fake_graph  # noqa: F401


@pytest.fixture
def numbers(sp_co, sp_pe, fake_graph):
    return {
        code: WhatsAppNumber.objects.create(
            national_society=NationalSociety.objects.get(country=code.upper()), phone_number_id=f"demo-{code}"
        )
        for code in ("co", "pe")
    }


def deliver_all():
    while outbox.deliver_due():
        pass


def say(client, *messages, number="demo-co"):
    response = meta.signed_post(client, meta.envelope(number, messages=list(messages)))
    assert response.status_code == 200
    deliver_all()


def bodies(graph):
    return [r["body"] for r in graph.accepted]


def text_of(body):
    if body["type"] == "text":
        return body["text"]["body"]
    if body["type"] == "interactive":
        return body["interactive"]["body"]["text"]
    return ""


def test_a_question_gets_the_answer_in_its_language_from_the_right_number(client, numbers, fake_graph):
    say(client, meta.text("Hola, ¿dónde me puedo bañar?"))
    [request] = fake_graph.accepted
    assert request["path"] == "/v21.0/demo-co/messages"
    assert request["body"]["to"] == "573005550101"
    assert "duchas" in text_of(request["body"])
    say(client, meta.text("Olá, vocês entregam kits de higiene?", sender="5511999990000"), number="demo-pe")
    pt = fake_graph.accepted[-1]
    assert pt["path"] == "/v21.0/demo-pe/messages"
    assert "higiene" in text_of(pt["body"]) and "gratuitos" in text_of(pt["body"])
    message = Message.objects.get(direction="in", conversation__national_society__country="PE")
    assert message.topic == "hygiene_kit" and message.processed


def test_retried_deliveries_are_answered_once(client, numbers, fake_graph):
    message = meta.text("Quiero poner una queja, me atendieron mal")
    say(client, message)
    say(client, message)
    assert len(fake_graph.accepted) == 1


def test_buttons_and_menu_stay_within_metas_limits(client, numbers, fake_graph):
    say(client, meta.text("menu"))
    body = fake_graph.accepted[-1]["body"]
    assert body["interactive"]["type"] == "list"
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert 1 <= len(rows) <= 10 and all(len(r["title"]) <= 20 for r in rows)
    say(client, meta.list_reply(rows[0]["id"], rows[0]["title"]))
    body = fake_graph.accepted[-1]["body"]
    assert body["type"] == "interactive"
    assert len(body["interactive"]["action"]["buttons"]) <= 3
    assert all(r["status"] == 200 for r in fake_graph.requests)


def test_sensitive_message_goes_to_the_protection_inbox_and_nobody_else(client, numbers, fake_graph, users):
    say(client, meta.text("Mi pareja me golpea y tengo miedo"))
    conversation = Conversation.objects.get()
    assert conversation.sensitive
    assert conversation.queue == Queue.PROTECTION
    assert conversation.status == Conversation.Status.WAITING
    assert "No es tu culpa" in text_of(fake_graph.accepted[-1]["body"])
    assert list(selectors.inbox_conversations(users["protection.co"])) == [conversation]
    for other in ("officer.co", "datamanager.co", "protection.pe", "officer.pe", "admin"):
        assert conversation not in selectors.inbox_conversations(users[other]), other
    assert AuditEvent.objects.filter(action="channels.handover", object_id=str(conversation.id)).exists()
    # while a person handles it, the bot stays quiet
    sent = len(fake_graph.accepted)
    say(client, meta.text("¿Dónde queda el punto?"))
    assert len(fake_graph.accepted) == sent


def test_abstains_then_hands_over_to_a_person(client, numbers, fake_graph, users):
    say(client, meta.text("¿Quién ganó el partido ayer?"))
    body = fake_graph.accepted[-1]["body"]
    assert "no tengo una respuesta" in text_of(body)
    buttons = body["interactive"]["action"]["buttons"]
    person = next(b for b in buttons if b["reply"]["id"].startswith("person"))
    say(client, meta.button_reply(person["reply"]["id"], person["reply"]["title"]))
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.WAITING and not conversation.sensitive
    assert conversation in selectors.inbox_conversations(users["officer.co"])
    assert conversation not in selectors.inbox_conversations(users["officer.pe"])


def test_opt_out_and_back_in(client, numbers, fake_graph):
    say(client, meta.text("BAJA"))
    contact = Contact.objects.get()
    assert contact.opted_out
    assert "ALTA" in text_of(fake_graph.accepted[-1]["body"])
    row = services.notify(
        national_society=contact.national_society,
        phone_e164="+573005550101",
        text="Tu bono",
        template="voucher_issued",
        template_params=["Ana", "10 USD", "X", "2026-12-31"],
        idempotency_key="after-optout",
    )
    assert row.status == OutboxMessage.Status.FAILED
    say(client, meta.template_button("START", "Start"))  # a template's quick reply is not a command
    say(client, meta.text("ALTA"))
    contact.refresh_from_db()
    assert not contact.opted_out


def test_a_shared_location_gets_the_nearest_service_points_and_a_pin(client, numbers, fake_graph):
    say(client, meta.location(7.89, -72.50))
    text_body, pin = bodies(fake_graph)[-2:]
    assert "Cúcuta" in text_of(text_body)
    assert pin["type"] == "location"
    assert pin["location"]["latitude"] == pytest.approx(7.9)


def test_a_typed_city_after_asking_where(client, numbers, fake_graph):
    say(client, meta.text("¿Dónde queda el punto más cercano?"))
    assert "ubicación" in text_of(fake_graph.accepted[-1]["body"])
    say(client, meta.text("Tumbes"), number="demo-co")
    assert fake_graph.accepted[-1]["body"]["type"] == "location"


def test_a_complaint_becomes_a_feedback_item_with_a_code(client, numbers, fake_graph):
    from caminante.feedback.models import FeedbackItem

    say(client, meta.text("Quiero poner una queja: el voluntario fue grosero"))
    item = FeedbackItem.objects.get()
    assert item.channel == "whatsapp"
    assert item.national_society.country.code == "CO"
    assert item.code in text_of(fake_graph.accepted[-1]["body"])


def test_the_person_can_delete_their_conversation_data(client, numbers, fake_graph):
    say(client, meta.text("Hola"))
    say(client, meta.text("quiero borrar mis datos"))
    body = fake_graph.accepted[-1]["body"]
    assert [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]] == ["delete:yes", "delete:no"]
    say(client, meta.button_reply("delete:yes", "Sí, borrar"))
    assert all(m.redacted and not m.text for m in Message.objects.exclude(kind="bot").filter(direction="in"))
    assert AuditEvent.objects.filter(action="channels.erase").exists()


def test_staff_reply_is_free_form_inside_the_window_and_a_template_outside(client, numbers, fake_graph, users):
    say(client, meta.text("Quiero hablar con una persona"))
    conversation = Conversation.objects.get()
    officer = users["officer.co"]
    services.assign(officer, conversation)
    services.staff_reply(officer, conversation, "Hola, soy Marta de la Cruz Roja.")
    deliver_all()
    assert fake_graph.accepted[-1]["body"]["type"] == "text"
    Contact.objects.update(last_inbound_at=timezone.now() - timedelta(hours=30))
    conversation.refresh_from_db()
    services.staff_reply(officer, conversation, "¿Sigues necesitando ayuda?")
    deliver_all()
    body = fake_graph.accepted[-1]["body"]
    assert body["type"] == "template"
    assert body["template"]["name"] == "conversation_reply"
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from another National Society
        services.staff_reply(users["officer.pe"], conversation, "x")


def test_retention_redacts_old_text(numbers, fake_graph, client, settings):
    say(client, meta.text("Hola"))
    Message.objects.update(created_at=timezone.now() - timedelta(days=settings.CHAT_RETENTION_DAYS + 1))
    assert "redacted" in services.purge_expired()
    assert not any(m.text for m in Message.objects.all())


@pytest.mark.parametrize(("consents", "linked"), [(["assistance", "whatsapp"], True), (["assistance"], False)])
def test_a_contact_is_linked_to_a_registered_person_who_consented(client, numbers, fake_graph, users, consents, linked):
    from tests.builders import register

    person = register(users["volunteer.co"], phone="+57 300 555 0101", phone_is_whatsapp=True, consents=consents)
    say(client, meta.text("Hola"))
    contact = Contact.objects.get()
    assert (contact.person_id == person.pk) is linked


def test_a_shared_location_sets_the_contacts_area_for_broadcasts(client, numbers, fake_graph):
    say(client, meta.location(7.89, -72.50))
    assert Contact.objects.get().area == "Cúcuta"
