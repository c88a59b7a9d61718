# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""Contract 1: notify() through the outbox to a fake Graph API; window, templates, SMS fallback, retries."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from caminante.channels import services, whatsapp
from caminante.channels.models import Channel, Contact, WhatsAppNumber
from caminante.core import outbox
from caminante.core.models import NationalSociety, OutboxMessage
from tests.fakes.graph import FakeGraph, fake_graph  # noqa: F401

PHONE = "+57 300 555 0101"


@pytest.fixture
def numbers(catalogue):
    co = NationalSociety.objects.get(country="CO")
    pe = NationalSociety.objects.get(country="PE")
    return {
        "co": WhatsAppNumber.objects.create(national_society=co, phone_number_id="demo-co"),
        "pe": WhatsAppNumber.objects.create(national_society=pe, phone_number_id="demo-pe"),
    }


def _notify(ns, key="k1", **kw):
    return services.notify(
        national_society=ns,
        phone_e164=kw.pop("phone", PHONE),
        text=kw.pop("text", "Tu bono está listo"),
        template="voucher_issued",
        template_params=["Ana", "50.000 COP", "VCH-7K2M", "2026-12-31"],
        idempotency_key=key,
        **kw,
    )


def _deliver_all():
    total = 0
    while True:
        sent = outbox.deliver_due()
        total += sent
        if not sent:
            return total


def _open_window(ns, phone=PHONE, hours_ago=1):
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, services.digits(phone))
    Contact.objects.filter(id=contact.id).update(last_inbound_at=timezone.now() - timedelta(hours=hours_ago))
    return contact


def test_outside_the_window_the_template_goes_to_the_national_societys_number(numbers, fake_graph):
    ns = numbers["co"].national_society
    message = _notify(ns)
    assert message.channel == "whatsapp"
    _deliver_all()
    [request] = fake_graph.accepted
    assert request["path"] == "/v21.0/demo-co/messages"
    assert request["auth"] == "Bearer test-access-token"
    body = request["body"]
    assert body["to"] == "573005550101"
    assert body["type"] == "template"
    assert body["template"]["name"] == "voucher_issued"
    assert body["template"]["language"]["code"] == "es"
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == [
        "Ana",
        "50.000 COP",
        "VCH-7K2M",
        "2026-12-31",
    ]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.provider_message_id == request["wamid"]


def test_inside_the_window_free_form_text(numbers, fake_graph):
    ns = numbers["pe"].national_society
    _open_window(ns)
    _notify(ns, language="pt")
    _deliver_all()
    [request] = fake_graph.accepted
    assert request["path"].endswith("/demo-pe/messages")
    assert request["body"]["type"] == "text"
    assert request["body"]["text"]["body"] == "Tu bono está listo"


def test_window_closed_before_delivery_falls_back_to_the_template(numbers, fake_graph):
    ns = numbers["co"].national_society
    contact = _open_window(ns, hours_ago=23)
    _notify(ns)
    Contact.objects.filter(id=contact.id).update(last_inbound_at=timezone.now() - timedelta(hours=25))
    _deliver_all()
    [request] = fake_graph.accepted
    assert request["body"]["type"] == "template"


def test_no_whatsapp_number_falls_back_to_sms(catalogue):
    ns = NationalSociety.objects.get(country="EC")
    message = _notify(ns)
    assert message.channel == "sms"
    assert message.payload == {"text": "Tu bono está listo"}


def test_idempotent_and_atomic_with_the_caller(numbers):
    ns = numbers["co"].national_society
    assert _notify(ns, key="same").id == _notify(ns, key="same").id
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(ns, key="rolled-back")
        raise RuntimeError
    assert not OutboxMessage.objects.filter(idempotency_key="rolled-back").exists()


def test_unknown_template_or_wrong_params_write_nothing(numbers):
    ns = numbers["co"].national_society
    with pytest.raises(ValueError):
        services.notify(
            national_society=ns, phone_e164=PHONE, text="x", template="nope", template_params=[], idempotency_key="a"
        )
    with pytest.raises(ValueError):
        services.notify(
            national_society=ns,
            phone_e164=PHONE,
            text="x",
            template="feedback_answer",
            template_params=["only one"],
            idempotency_key="b",
        )
    assert not OutboxMessage.objects.exists()


def test_opted_out_contact_gets_nothing(numbers, fake_graph):
    ns = numbers["co"].national_society
    contact = _open_window(ns)
    services.set_opt_out(contact, True)
    message = _notify(ns)
    assert message.status == OutboxMessage.Status.FAILED
    _deliver_all()
    assert fake_graph.requests == []


def test_throttling_and_server_errors_are_retried_with_backoff(numbers, fake_graph, settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0
    fake_graph.fail_next = [429, 500, 503]
    message = _notify(numbers["co"].national_society)
    for _ in range(3):
        outbox.deliver_due(limit=1)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.PENDING
    outbox.deliver_due(limit=1)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 4
    assert [r["status"] for r in fake_graph.requests] == [429, 500, 503, 200]


def test_backoff_grows_between_attempts(numbers, fake_graph, settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    fake_graph.fail_next = [429]
    message = _notify(numbers["co"].national_society)
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert outbox.deliver_due() == 0  # not due yet


def test_nothing_is_lost_when_the_api_is_down(numbers, fake_graph, settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0
    fake_graph.stop()
    message = _notify(numbers["co"].national_society)
    outbox.deliver_due(limit=1)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    settings.WHATSAPP_API_URL = "http://127.0.0.1:9"  # still down (closed port)
    outbox.deliver_due(limit=1)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    back = FakeGraph()  # the API comes back: the same row goes out
    try:
        settings.WHATSAPP_API_URL = back.url
        outbox.deliver_due(limit=1)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENT
        assert len(back.accepted) == 1
    finally:
        back.stop()


def test_limits_are_enforced_before_meta_sees_them(fake_graph, numbers):
    long = [(f"b{i}", "A very long button title indeed") for i in range(5)]
    body = whatsapp.buttons_body("573005550101", "Choose", long)
    assert whatsapp.check_limits(body) == []
    assert len(body["interactive"]["action"]["buttons"]) == 3
    assert all(len(b["reply"]["title"]) <= 20 for b in body["interactive"]["action"]["buttons"])
    rows = [(f"r{i}", f"Row title number {i} that is long", "desc") for i in range(14)]
    body = whatsapp.list_body("573005550101", "Menu", "Open the menu please", rows)
    assert len(body["interactive"]["action"]["sections"][0]["rows"]) == 10
    assert whatsapp.check_limits(body) == []
