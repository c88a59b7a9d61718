# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""The demo message sink: in demo mode (or CAMINANTE_MESSAGE_SINK=1) outgoing WhatsApp, SMS and e-mail
messages are stored once and shown on a scoped staff page; in production a missing provider is
reported by the start-up checks and its messages wait, untouched."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.utils import timezone

from caminante.channels import services, sink, whatsapp
from caminante.channels.models import Channel, Contact, SentMessage, WhatsAppNumber
from caminante.core import outbox
from caminante.core.models import AuditEvent, NationalSociety, OutboxMessage
from tests.fakes.graph import fake_graph  # noqa: F401

PHONE = "+57 300 555 0101"
VOUCHER_PARAMS = ["Ana", "50.000 COP", "VC-7K2M-9QF4-XW3T-5", "2026-12-31"]
VOUCHER_TEXT = (
    "Hola Ana, la Cruz Roja te envió un bono de 50.000 COP. Tu código es VC-7K2M-9QF4-XW3T-5 y vence el "
    "2026-12-31. No compartas este código con nadie."
)
CONSOLE = "django.core.mail.backends.console.EmailBackend"


@pytest.fixture
def demo(settings):
    """Demo mode as `make run` has it: no WhatsApp token, no SMS gateway, the console e-mail backend."""
    settings.DEMO_MODE = True
    settings.MESSAGE_SINK = False
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.SMS_GATEWAY_URL = ""
    settings.EMAIL_BACKEND = CONSOLE
    return settings


@pytest.fixture
def production(settings):
    settings.DEMO_MODE = False
    settings.MESSAGE_SINK = False
    settings.TESTING = False
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.SMS_GATEWAY_URL = ""
    settings.EMAIL_BACKEND = CONSOLE
    return settings


@pytest.fixture
def number_co(catalogue):
    return WhatsAppNumber.objects.create(
        national_society=NationalSociety.objects.get(country="CO"), phone_number_id="demo-co"
    )


def _voucher(ns, key="cash-voucher-1", phone=PHONE):
    return services.notify(
        national_society=ns,
        phone_e164=phone,
        text="Hola Ana, la Cruz Roja te envía un bono.",
        template="voucher_issued",
        template_params=VOUCHER_PARAMS,
        idempotency_key=key,
    )


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user, url="/inbox/sent/", **headers):
    response = _login(user).get(url, headers=headers)
    return response.status_code, response.content.decode()


# ---- delivery --------------------------------------------------------------------------------------


def test_worker_delivers_a_voucher_to_the_sink_exactly_once(demo, number_co, users, keep_signal_handlers, capsys):
    message = _voucher(number_co.national_society)
    call_command("worker", "--once")
    out = capsys.readouterr().out
    assert "delivered 1" in out
    assert "whatsapp: to the local sink" in out
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert (message.attempts, message.last_error) == (1, "")
    assert message.sent_at is not None
    sent = SentMessage.objects.get()
    assert message.provider_message_id == f"sink:{sent.id}"
    assert (sent.outbox_message_id, sent.channel, sent.kind) == (message.id, "whatsapp", "template")
    assert sent.national_society == number_co.national_society
    assert sent.delivered_at == message.sent_at
    content = sent.content
    assert content["text"] == VOUCHER_TEXT
    assert (content["template"], content["language"], content["to"]) == ("voucher_issued", "es", "573005550101")
    assert "VC-7K2M" not in sent.content_encrypted  # encrypted at rest

    # A second run finds nothing due: still one copy, still delivered once.
    call_command("worker", "--once")
    assert "delivered 0" in capsys.readouterr().out
    assert SentMessage.objects.count() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.DELIVERED, 1)

    status, page = _page(users["officer.co"])
    assert status == 200
    assert VOUCHER_TEXT in page
    assert "Entregado" in page or "Delivered" in page
    assert "+••• 0101" in page
    assert "573005550101" not in page


def test_a_worker_that_lost_its_lease_keeps_nothing_in_the_sink(demo, number_co):
    message = _voucher(number_co.national_society)
    slow = outbox.claim_next("slow")
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_by="other")
    outbox.deliver(slow)
    assert not SentMessage.objects.exists()
    message.refresh_from_db()
    assert (message.status, message.claimed_by) == (OutboxMessage.Status.SENDING, "other")
    # The owner delivers it; a late second store of the same row finds the first copy.
    message.refresh_from_db()
    outbox.deliver(message)
    assert SentMessage.objects.count() == 1
    assert sink.store(message, timezone.now()).provider_message_id == f"sink:{SentMessage.objects.get().id}"
    assert SentMessage.objects.count() == 1


def test_buttons_inside_the_window_are_shown_as_the_person_sees_them(demo, number_co):
    ns = number_co.national_society
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, "573005550101")
    Contact.objects.filter(id=contact.id).update(last_inbound_at=timezone.now() - timedelta(hours=1))
    contact.refresh_from_db()
    conversation = services.open_conversation(contact)
    services.send_body(
        conversation,
        lambda to: whatsapp.buttons_body(to, "¿Qué necesitas?", [("bonos", "Bonos"), ("salud", "Salud")]),
        text="¿Qué necesitas?",
        kind="bot",
    )
    assert outbox.deliver_due() == 1
    sent = SentMessage.objects.get()
    assert sent.kind == "buttons"
    assert sent.content["text"] == "¿Qué necesitas?"
    assert sent.content["buttons"] == ["Bonos", "Salud"]


def test_window_closed_before_delivery_shows_the_template_fallback(demo, number_co):
    ns = number_co.national_society
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, "573005550101")
    Contact.objects.filter(id=contact.id).update(last_inbound_at=timezone.now() - timedelta(hours=1))
    _voucher(ns)
    Contact.objects.filter(id=contact.id).update(last_inbound_at=timezone.now() - timedelta(hours=25))
    outbox.deliver_due()
    assert SentMessage.objects.get().content["text"] == VOUCHER_TEXT


def test_list_and_location_bodies_are_rendered():
    kind, content = sink.render_whatsapp(
        whatsapp.list_body(
            "5730", "Elige un punto", "Ver puntos", [("p1", "Cúcuta", "Abierto 8-17"), ("p2", "Maicao", "")]
        )
    )
    assert kind == "list"
    assert content["list_button"] == "Ver puntos"
    assert content["rows"] == [
        {"title": "Cúcuta", "description": "Abierto 8-17"},
        {"title": "Maicao", "description": ""},
    ]
    kind, content = sink.render_whatsapp(whatsapp.location_body("5730", 7.9, -72.5, "PAS Cúcuta", "Puente"))
    assert (kind, content["text"], content["location"]) == (
        "location",
        "PAS Cúcuta\nPuente",
        {"latitude": 7.9, "longitude": -72.5},
    )
    kind, content = sink.render_whatsapp(whatsapp.template_body("5730", "referral_update", "pt", ["RF-1", "Aceito"]))
    assert (kind, content["text"], content["language"]) == (
        "template",
        "Novidades do seu encaminhamento RF-1: Aceito",
        "pt",
    )


def test_an_sms_and_an_email_go_to_the_sink_too(demo, users):
    pe = NationalSociety.objects.get(country="PE")
    sms = _voucher(pe, key="cash-voucher-pe", phone="+51 999 555 0102")  # no WhatsApp number: SMS
    email = outbox.enqueue(
        "email",
        "officer@example.org",
        {"subject": "Feedback FB-7K3M-9QF is overdue", "text": "Open it in Caminante."},
        national_society=pe,
    )
    assert sms.channel == "sms"
    assert outbox.deliver_due() == 2
    for row in (sms, email):
        row.refresh_from_db()
        assert row.status == OutboxMessage.Status.DELIVERED
    assert mail.outbox == []
    by_channel = {s.channel: s for s in SentMessage.objects.all()}
    assert by_channel["sms"].content == {"text": "Hola Ana, la Cruz Roja te envía un bono.", "to": "+51 999 555 0102"}
    assert by_channel["email"].content["subject"] == "Feedback FB-7K3M-9QF is overdue"
    status, page = _page(users["officer.pe"])
    assert status == 200
    assert "Hola Ana, la Cruz Roja te envía un bono." in page
    assert "Feedback FB-7K3M-9QF is overdue" in page
    assert "o•••@example.org" in page
    status, page = _page(users["officer.pe"], "/inbox/sent/?channel=email")
    assert "Feedback FB-7K3M-9QF is overdue" in page
    assert "te envía un bono" not in page


def test_a_configured_provider_is_used_in_demo_mode(demo, number_co, fake_graph):
    message = _voucher(number_co.national_society)
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert len(fake_graph.accepted) == 1
    assert not SentMessage.objects.exists()


def test_message_sink_setting_keeps_every_message_even_with_providers(settings, number_co, fake_graph):
    settings.MESSAGE_SINK = True
    _voucher(number_co.national_society)
    outbox.enqueue("email", "someone@example.org", {"subject": "s", "text": "t"})  # locmem backend in tests
    assert outbox.deliver_due() == 2
    assert fake_graph.requests == []
    assert mail.outbox == []
    assert SentMessage.objects.count() == 2


def test_without_demo_a_channel_without_provider_waits_untouched(production, number_co, keep_signal_handlers, capsys):
    message = _voucher(number_co.national_society)
    call_command("worker", "--once", skip_checks=True)
    captured = capsys.readouterr()
    assert "delivered 0" in captured.out
    assert "whatsapp: NOT SENT, no provider: set CAMINANTE_WHATSAPP_ACCESS_TOKEN" in captured.err
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxMessage.Status.PENDING, 0, "")
    assert not SentMessage.objects.exists()


# ---- the page: who sees what ----------------------------------------------------------------------


def test_the_page_is_scoped_to_the_national_society(demo, number_co, users):
    _voucher(number_co.national_society)
    outbox.deliver_due()
    sent = SentMessage.objects.get()
    detail = f"/inbox/sent/{sent.id}/"
    for name in ("officer.co", "protection.co", "datamanager.co", "admin"):
        status, page = _page(users[name])
        assert status == 200 and VOUCHER_TEXT in page, name
        status, page = _page(users[name], detail)
        assert status == 200 and VOUCHER_TEXT in page and str(sent.outbox_message_id) in page, name
    assert AuditEvent.objects.filter(action="channels.sink.read", object_id=str(sent.id)).count() == 4
    for name in ("officer.pe", "datamanager.pe"):
        status, page = _page(users[name])
        assert status == 200 and VOUCHER_TEXT not in page, name
        assert _page(users[name], detail)[0] == 404, name
    for name in ("volunteer.co", "coordinator.co", "analyst", "vendor.co", "partner.co"):
        assert _page(users[name])[0] == 403, name
        assert _page(users[name], detail)[0] == 403, name
    assert Client().get("/inbox/sent/").status_code == 302


def test_a_sensitive_conversation_is_shown_only_to_protection_officers(demo, number_co, users):
    ns = number_co.national_society
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, "573005550199")
    Contact.objects.filter(id=contact.id).update(last_inbound_at=timezone.now() - timedelta(hours=1))
    contact.refresh_from_db()
    conversation = services.hand_over(services.open_conversation(contact), sensitive=True)
    services.send_body(
        conversation, lambda to: whatsapp.text_body(to, "Estamos contigo, te llamamos."), text="x", kind="bot"
    )
    outbox.deliver_due()
    assert _page(users["protection.co"])[1].count("Estamos contigo") == 1
    for name in ("officer.co", "datamanager.co", "admin"):
        assert "Estamos contigo" not in _page(users[name])[1], name


def test_an_email_to_a_staff_member_is_shown_only_to_them(demo, users):
    focal = users["protection.co"]
    focal.email = "protection.co@example.org"
    focal.save(update_fields=["email"])
    outbox.enqueue(
        "email",
        focal.email,
        {"subject": "Confidential feedback FB-7K3M-9QF needs your attention", "text": "Open it in Caminante."},
        national_society=focal.national_society,
    )
    outbox.deliver_due()
    assert "FB-7K3M-9QF" in _page(focal)[1]
    for name in ("officer.co", "datamanager.co", "admin"):
        assert "FB-7K3M-9QF" not in _page(users[name])[1], name
    sent = SentMessage.objects.get()
    assert _page(users["admin"], f"/inbox/sent/{sent.id}/")[0] == 404


def test_the_page_and_menu_are_translated(demo, number_co, users):
    for language, title in (("es", "Mensajes enviados (demo)"), ("pt", "Mensagens enviadas (demo)")):
        status, page = _page(users["officer.co"], "/inbox/sent/", accept_language=language)
        assert status == 200
        assert f"<h1>{title}</h1>" in page
        assert 'href="/inbox/sent/"' in page  # the menu link, in demo mode
    status, page = _page(users["officer.co"], "/inbox/sent/", accept_language="en")
    assert "<h1>Messages sent (demo)</h1>" in page
    assert 'href="/inbox/sent/"' not in _page(users["volunteer.co"], "/", accept_language="es")[1]


def test_no_menu_link_outside_demo_mode(settings, users):
    settings.DEMO_MODE = False
    assert 'href="/inbox/sent/"' not in _page(users["officer.co"], "/")[1]


def test_sink_copies_are_deleted_after_the_retention_period(demo, number_co, settings):
    settings.CHAT_RETENTION_DAYS = 30
    _voucher(number_co.national_society)
    outbox.deliver_due()
    assert sink.purge_expired() == ""
    assert sink.purge_expired(now=timezone.now() + timedelta(days=31)) == "1 sink messages deleted"
    assert not SentMessage.objects.exists()


def test_secure_links_are_hidden_outside_demo_mode(settings, number_co, users):
    settings.MESSAGE_SINK = True
    settings.DEMO_MODE = False
    outbox.enqueue(
        "email",
        "partner@example.org",
        {"subject": "Referral", "text": "Open /r/Abc123_secret-token-xyz/ to answer."},
        national_society=number_co.national_society,
    )
    outbox.deliver_due()
    page = _page(users["officer.co"])[1]
    assert "Open /r/•••/ to answer." in page
    assert "secret-token" not in page


# ---- start-up checks ------------------------------------------------------------------------------


def _ids(**kwargs) -> set[str]:
    return {issue.id for issue in run_checks(**kwargs) if issue.id.startswith("channels.")}


def test_production_without_whatsapp_token_fails_the_checks(production, number_co):
    assert "channels.E001" in _ids()
    with pytest.raises(SystemCheckError, match="CAMINANTE_WHATSAPP_ACCESS_TOKEN"):
        call_command("check")
    production.WHATSAPP_ACCESS_TOKEN = "a-token"
    assert "channels.E001" not in _ids()


def test_inactive_numbers_need_no_token(production, number_co):
    WhatsAppNumber.objects.update(active=False)
    assert "channels.E001" not in _ids()


def test_deploy_checks_flag_sms_and_email_without_provider(production, catalogue):
    assert _ids() == set()
    assert {"channels.E002", "channels.E003"} <= _ids(include_deployment_checks=True)
    with pytest.raises(SystemCheckError, match="CAMINANTE_SMS_GATEWAY_URL"):
        call_command("check", "--deploy")
    production.SMS_GATEWAY_URL = "https://sms.example.org/send"
    production.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert _ids(include_deployment_checks=True) == set()
    production.MESSAGE_SINK = True
    assert _ids(include_deployment_checks=True) == {"channels.W001"}


def test_demo_and_test_settings_report_nothing(demo, number_co, settings):
    assert _ids(include_deployment_checks=True) == set()
    settings.DEMO_MODE = False
    settings.TESTING = True
    assert _ids(include_deployment_checks=True) == set()


def test_an_erasure_request_deletes_the_sink_copies_sent_to_that_person(demo, number_co):
    ns = number_co.national_society
    _voucher(ns)
    _voucher(ns, key="cash-voucher-other", phone="+57 300 555 0202")
    outbox.deliver_due()
    assert SentMessage.objects.count() == 2
    contact = services.get_or_create_contact(ns, Channel.WHATSAPP, "573005550101")
    services.erase_contact_data(contact)
    remaining = [sent.content["to"] for sent in SentMessage.objects.all()]
    assert remaining == ["573005550202"]  # only the other person's copy is kept
    assert AuditEvent.objects.filter(action="channels.erase").latest("seq").data["sink_copies"] == 1
