# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""The WhatsApp webhook: handshake, signature, envelope parsing, dedupe, status callbacks, routing."""

import pytest

from caminante.channels import services
from caminante.channels.models import Contact, Conversation, Message, WhatsAppNumber
from caminante.core.models import NationalSociety, OutboxMessage
from tests.fakes import meta
from tests.fakes.graph import fake_graph  # noqa: F401


@pytest.fixture
def numbers(catalogue, fake_graph):
    co = NationalSociety.objects.get(country="CO")
    pe = NationalSociety.objects.get(country="PE")
    return {
        "co": WhatsAppNumber.objects.create(national_society=co, phone_number_id="demo-co"),
        "pe": WhatsAppNumber.objects.create(national_society=pe, phone_number_id="demo-pe"),
    }


def test_handshake_right_token(client, fake_graph):
    response = client.get(
        "/webhooks/whatsapp",
        {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize("token", ["wrong", ""])
def test_handshake_wrong_token(client, fake_graph, token):
    response = client.get(
        "/webhooks/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
    )
    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_handshake_refused_when_no_token_is_configured(client, settings, db):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = client.get("/webhooks/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "signature",
    ["sha256=" + "0" * 64, "", "md5=abc", "sha256=nothex"],
    ids=["bad", "missing", "wrong-scheme", "garbage"],
)
def test_bad_or_missing_signature_is_403_and_stores_nothing(client, numbers, signature):
    payload = meta.envelope("demo-co", messages=[meta.text("Hola")])
    response = meta.signed_post(client, payload, signature=signature)
    assert response.status_code == 403
    assert not Message.objects.exists()
    assert not Contact.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_signed_with_another_secret_is_refused(client, numbers):
    response = meta.signed_post(client, meta.envelope("demo-co", messages=[meta.text("Hola")]), secret="other")
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_no_app_secret_configured_refuses_everything(client, numbers, settings):
    settings.WHATSAPP_APP_SECRET = ""
    response = meta.signed_post(client, meta.envelope("demo-co", messages=[meta.text("Hola")]), secret="")
    assert response.status_code == 403


def test_valid_signature_stores_the_message_and_queues_the_work(client, numbers):
    response = meta.signed_post(client, meta.envelope("demo-co", messages=[meta.text("Hola, buenas")]))
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.text == "Hola, buenas"
    assert "Hola" not in message.text_encrypted  # encrypted at rest
    contact = message.conversation.contact
    assert contact.national_society.country.code == "CO"
    assert "573005550101" not in contact.address_hash
    assert contact.address == "573005550101"
    assert contact.window_open()
    job = OutboxMessage.objects.get(channel="chatbot")
    assert job.payload == {"message_id": str(message.id)}


def test_each_message_type_is_parsed(client, numbers):
    messages = [
        meta.text("Necesito ayuda"),
        meta.button_reply("menu:cash", "Dinero"),
        meta.list_reply("topic:hygiene_kit", "Kit de higiene", "Jabón"),
        meta.template_button("STOP", "No más mensajes"),
        meta.location(7.8939, -72.5078),
        meta.image("998877", caption="mi documento"),
    ]
    assert meta.signed_post(client, meta.envelope("demo-co", messages=messages)).status_code == 200
    got = {m.kind: m for m in Message.objects.all()}
    assert got["text"].text == "Necesito ayuda"
    assert got["button_reply"].data == {"id": "menu:cash"}
    assert got["button_reply"].text == "Dinero"
    assert got["list_reply"].data == {"id": "topic:hygiene_kit"}
    assert got["button"].data == {"id": "STOP"}
    assert got["button"].text == "No más mensajes"
    assert got["location"].data == {"latitude": 7.8939, "longitude": -72.5078}
    assert got["image"].data == {"media_id": "998877", "mime_type": "image/jpeg"}
    assert Conversation.objects.count() == 1


def test_retries_are_deduplicated_on_the_message_id(client, numbers):
    message = meta.text("Hola")
    for _ in range(3):
        assert meta.signed_post(client, meta.envelope("demo-co", messages=[message])).status_code == 200
    assert Message.objects.count() == 1
    assert OutboxMessage.objects.filter(channel="chatbot").count() == 1


def test_routing_by_phone_number_id_across_two_national_societies(client, numbers):
    meta.signed_post(client, meta.envelope("demo-co", messages=[meta.text("Hola")]))
    meta.signed_post(
        client, meta.envelope("demo-pe", messages=[meta.text("Hola", sender="51900111222")], wa_id="51900111222")
    )
    meta.signed_post(client, meta.envelope("unknown-id", messages=[meta.text("Hola")]))
    by_country = {c.national_society.country.code: c for c in Contact.objects.all()}
    assert set(by_country) == {"CO", "PE"}
    # the same person writing to both numbers is two contacts, one per National Society
    meta.signed_post(client, meta.envelope("demo-pe", messages=[meta.text("Hola")]))
    assert Contact.objects.filter(national_society__country="PE").count() == 2


def test_status_callbacks_update_the_outbox_row(client, numbers):
    row = services.notify(
        national_society=numbers["co"].national_society,
        phone_e164="+573005550101",
        text="x",
        template="referral_update",
        template_params=["REF-1", "aceptada"],
        idempotency_key="s1",
    )
    OutboxMessage.objects.filter(id=row.id).update(status="sent", provider_message_id="wamid.ABC")
    for state, expected in [("delivered", "delivered"), ("read", "read"), ("delivered", "read"), ("sent", "read")]:
        response = meta.signed_post(client, meta.envelope("demo-co", statuses=[meta.status("wamid.ABC", state)]))
        assert response.status_code == 200
        row.refresh_from_db()
        assert row.status == expected  # late callbacks never move it backwards
    failed = meta.status("wamid.ABC", "failed", errors=[{"code": 131047, "title": "Re-engagement message"}])
    meta.signed_post(client, meta.envelope("demo-co", statuses=[failed]))
    row.refresh_from_db()
    assert row.status == "failed"
    assert "131047" in row.last_error


def test_not_json_or_other_objects(client, numbers):
    response = meta.signed_post(client, {"object": "page", "entry": []})
    assert response.status_code == 200
    assert not Message.objects.exists()
