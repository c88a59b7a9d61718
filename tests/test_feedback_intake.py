"""Intake from every channel: contract 2 `receive_feedback`."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caminante.core.codes import normalize_code
from caminante.core.models import AuditEvent, OutboxMessage
from caminante.feedback.models import Channel, FeedbackItem, Sensitivity, Status
from caminante.feedback.services import designate_focal_point, receive_feedback

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("channel", Channel.values)
def test_each_channel_is_received_coded_and_audited(users, sp_co, channel):
    user = None if channel in ("whatsapp", "webchat") else users["officer.co"]
    item = receive_feedback(
        user,
        national_society=sp_co.national_society,
        channel=channel,
        text="¿Dónde puedo recibir el bono de efectivo?",
        service_point=sp_co,
        contact_phone_e164="+573001112233" if channel in ("whatsapp", "webchat", "hotline") else "",
        contact_consent=True if channel == "hotline" else None,
        wants_answer=True,
    )
    assert normalize_code(item.code) == item.code and item.code.startswith("FB-")
    assert item.channel == channel
    assert item.suggested_type == "question" and item.suggested_category == "q_cash"
    assert item.sensitivity == Sensitivity.NOT_SENSITIVE
    assert item.status == Status.RECEIVED and item.due_at is not None
    assert AuditEvent.objects.filter(action="feedback.received", object_id=str(item.pk)).exists()
    if channel in ("whatsapp", "webchat", "hotline"):
        assert item.contact_phone == "+573001112233" and "+57300" not in item.contact_sealed


def test_volunteer_logs_at_their_own_hsp(users, sp_co, sp_pe):
    item = receive_feedback(
        users["volunteer.co"], national_society=sp_pe.national_society, channel="hsp", text="Gracias por todo"
    )
    assert item.service_point == sp_co and item.national_society == sp_co.national_society
    assert item.suggested_type == "praise"


def test_officer_cannot_log_for_another_national_society(users, sp_pe):
    with pytest.raises(PermissionDenied):
        receive_feedback(users["officer.co"], national_society=sp_pe.national_society, channel="hotline", text="Hola")


def test_sensitive_report_is_sealed_routed_and_focal_points_alerted(users, sp_co):
    focal = users["protection.co"]
    focal.email = "focal@example.org"
    focal.save()
    designate_focal_point(users["datamanager.co"], focal)
    words = "El voluntario me pidió sexo a cambio del kit de comida"
    item = receive_feedback(users["volunteer.co"], national_society=sp_co.national_society, channel="hsp", text=words)
    item.refresh_from_db()
    assert item.sensitivity == Sensitivity.SENSITIVE and item.is_confidential
    assert item.text == "" and words not in item.sealed_text and item.words == words
    mail = OutboxMessage.objects.get(channel="email", to="focal@example.org")
    assert item.code in mail.payload["subject"] and words not in mail.payload["text"]


def test_bad_input_changes_nothing_and_errors_are_translated(users, sp_co):
    from django.utils import translation

    with translation.override("es"), pytest.raises(ValidationError) as exc:
        receive_feedback(
            users["officer.co"],
            national_society=sp_co.national_society,
            channel="pigeon",
            text="",
            contact_phone_e164="12",
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"channel", "text", "contact_phone_e164"}
    assert FeedbackItem.objects.count() == 0


def test_contact_needs_consent(users, sp_co):
    with pytest.raises(ValidationError) as exc:
        receive_feedback(
            users["officer.co"],
            national_society=sp_co.national_society,
            channel="hotline",
            text="Quiero saber del bono",
            contact_phone_e164="+573001112233",
            contact_consent=False,
        )
    assert "contact_phone_e164" in exc.value.message_dict
