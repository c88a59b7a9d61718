"""Referrals: sending with consent, the lifecycle, invalid moves, scoping, urgent visibility, alerts."""
# ruff: noqa: F811 - pytest fixtures imported from tests/test_referrals_builders.py

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from caminante.core.models import AuditEvent, OutboxMessage
from caminante.referrals import selectors, services
from caminante.referrals.models import DirectoryService, Referral, ReferralEvent, Status, hash_token
from caminante.registry.models import Consent, ConsentPurpose
from tests.test_referrals_builders import add_service, clinic, legal_aid, partner, person  # noqa: F401

pytestmark = pytest.mark.django_db


def send(user, person, service, need="legal-help", **kw):
    kw.setdefault("consent", True)
    return services.send_referral(user, person=person, need=need, service=service, base_url="https://cam.example", **kw)


def test_send_records_consent_shares_minimal_fields_and_emails_the_link(users, person, legal_aid):
    sent = send(users["volunteer.co"], person, legal_aid, note="Necesita PPT")
    referral = sent.referral
    assert referral.status == Status.SENT and not referral.urgent
    assert referral.code.startswith("RF-")
    assert sent.link.startswith("https://cam.example/r/")
    token = sent.link.rstrip("/").rsplit("/", 1)[1]
    assert referral.token_hash == hash_token(token) and token not in referral.token_hash
    shared = referral.shared
    assert shared["name"] == person.full_name and shared["note"] == "Necesita PPT"
    assert set(shared) <= {"name", "age", "sex", "phone", "need", "note"}
    assert "document" not in str(shared) and shared.get("phone")
    assert "Yusmary" not in referral.shared_data  # encrypted at rest
    assert Consent.objects.filter(person=person, purpose=ConsentPurpose.REFERRALS, granted=True).exists()
    message = OutboxMessage.objects.get(idempotency_key=f"referral-sent-{referral.pk}")
    assert message.channel == "email" and message.to == "legal@example.org"
    assert sent.link in message.payload["text"] and "Yusmary" not in message.payload["text"]
    assert AuditEvent.objects.filter(action="referral.sent", object_id=str(referral.pk)).exists()


def test_without_phone_the_phone_is_not_shared(users, person, legal_aid):
    referral = send(users["volunteer.co"], person, legal_aid, include_phone=False).referral
    assert "phone" not in referral.shared


def test_no_consent_no_referral(users, person, legal_aid):
    with pytest.raises(ValidationError) as exc:
        send(users["volunteer.co"], person, legal_aid, consent=False)
    assert "consent" in exc.value.message_dict
    assert not Referral.objects.exists() and not OutboxMessage.objects.exists()
    assert not Consent.objects.filter(purpose=ConsentPurpose.REFERRALS).exists()


def test_service_of_another_country_or_not_taking_referrals_is_refused(users, person, catalogue):
    peru = add_service(country="PE", name="Peru legal", city="Tumbes")
    closed = add_service(name="No referrals", accepts_referrals=False)
    for service in (peru, closed):
        with pytest.raises(ValidationError) as exc:
            send(users["volunteer.co"], person, service)
        assert "service" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        send(users["volunteer.pe"], person, peru)


def test_lifecycle_by_link_and_invalid_transitions(users, person, legal_aid):
    referral = send(users["volunteer.co"], person, legal_aid).referral
    referral = services.mark_received(referral, None, via_link=True)
    assert referral.status == Status.RECEIVED and referral.received_at
    with pytest.raises(ValidationError):
        services.report_service_given(referral, None, via_link=True)  # not accepted yet
    referral = services.accept(referral, None, via_link=True)
    assert referral.status == Status.ACCEPTED and referral.answered_at
    with pytest.raises(ValidationError):
        services.decline(referral, None, reason="too late", via_link=True)
    referral = services.report_service_given(referral, None, note="Asesoría dada", via_link=True)
    assert referral.status == Status.SERVICE_GIVEN and referral.outcome_note == "Asesoría dada"
    referral = services.close(users["volunteer.co"], referral)
    assert referral.status == Status.CLOSED and referral.token_expires_at <= timezone.now()
    with pytest.raises(ValidationError):
        services.accept(referral, None)
    statuses = list(ReferralEvent.objects.filter(referral=referral).values_list("status", flat=True))
    assert statuses == ["sent", "received", "accepted", "given", "closed"]
    # the referrer is told when the partner answers
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"referral-status-{referral.pk}").count() == 0
    assert AuditEvent.objects.filter(action="referral.status", object_id=str(referral.pk)).count() == 4


def test_decline_needs_a_reason(users, person, legal_aid, partner):
    referral = send(users["volunteer.co"], person, legal_aid).referral
    with pytest.raises(ValidationError) as exc:
        services.decline(referral, partner, reason="  ")
    assert "reason" in exc.value.message_dict
    referral = services.decline(referral, partner, reason="No cupos este mes")
    assert referral.status == Status.DECLINED and referral.decline_reason == "No cupos este mes"


def test_referrer_with_email_hears_back(users, person, legal_aid, partner):
    volunteer = users["volunteer.co"]
    volunteer.email = "vol@example.org"
    volunteer.save()
    referral = send(volunteer, person, legal_aid).referral
    services.accept(referral, partner)
    message = OutboxMessage.objects.get(idempotency_key=f"referral-status-{referral.pk}-accepted")
    assert message.to == "vol@example.org" and referral.code in message.payload["subject"]


def test_only_the_addressed_partner_may_answer(users, person, legal_aid, partner, catalogue):
    other_org_service = add_service(name="Other", organisation=None)
    referral = send(users["volunteer.co"], person, other_org_service).referral
    with pytest.raises(PermissionDenied):
        services.accept(referral, partner)
    with pytest.raises(PermissionDenied):
        services.accept(referral, users["volunteer.co"])


def test_partner_sees_only_referrals_to_its_organisation(users, person, legal_aid, partner):
    mine = send(users["volunteer.co"], person, legal_aid).referral
    other = send(users["volunteer.co"], person, add_service(name="Other org service", organisation=None)).referral
    visible = set(selectors.referrals_for(partner).values_list("pk", flat=True))
    assert mine.pk in visible and other.pk not in visible


def test_urgent_referrals_only_for_protection_roles(users, person, catalogue):
    child_protection = add_service(name="ICBF", service_type="child-protection")
    referral = send(users["volunteer.co"], person, child_protection, need="unaccompanied-child").referral
    assert referral.urgent
    assert referral.due_by - referral.created_at <= timedelta(hours=24, seconds=5)
    for name in ("volunteer.co", "coordinator.co", "officer.co", "datamanager.co", "admin", "protection.pe"):
        assert not selectors.referrals_for(users[name]).filter(pk=referral.pk).exists(), name
    assert selectors.referrals_for(users["protection.co"]).filter(pk=referral.pk).exists()
    with pytest.raises(PermissionDenied):
        services.close(users["officer.co"], referral)
    services.close(users["protection.co"], referral)


def test_hsp_roles_see_their_service_points_referrals_only(users, person, legal_aid, sp_co_other):
    from caminante.core.roles import Role
    from tests.conftest import make_user

    referral = send(users["volunteer.co"], person, legal_aid).referral
    elsewhere = make_user(Role.VOLUNTEER, sp_co_other, username="volunteer.maicao")
    assert not selectors.referrals_for(elsewhere).filter(pk=referral.pk).exists()
    assert selectors.referrals_for(users["officer.co"]).filter(pk=referral.pk).exists()
    assert not selectors.referrals_for(users["officer.pe"]).filter(pk=referral.pk).exists()


def test_token_lookup_and_expiry(users, person, legal_aid):
    sent = send(users["volunteer.co"], person, legal_aid)
    token = sent.link.rstrip("/").rsplit("/", 1)[1]
    assert services.referral_by_token(token) == sent.referral
    assert services.referral_by_token(token + "x") is None
    assert services.referral_by_token("") is None
    Referral.objects.filter(pk=sent.referral.pk).update(token_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.referral_by_token(token) is None


def test_renewed_link_replaces_the_old(users, person, legal_aid):
    sent = send(users["volunteer.co"], person, legal_aid)
    old = sent.link.rstrip("/").rsplit("/", 1)[1]
    new_link = services.renew_link(users["volunteer.co"], sent.referral, base_url="https://cam.example")
    new = new_link.rstrip("/").rsplit("/", 1)[1]
    assert services.referral_by_token(old) is None and services.referral_by_token(new) == sent.referral


def test_overdue_alerts_once(users, person, legal_aid):
    volunteer = users["volunteer.co"]
    volunteer.email = "vol@example.org"
    volunteer.save()
    users["coordinator.co"].email = "coord@example.org"
    users["coordinator.co"].save()
    late = send(volunteer, person, legal_aid).referral
    fresh = send(volunteer, person, legal_aid).referral
    answered = send(volunteer, person, legal_aid).referral
    services.accept(answered, None)
    Referral.objects.filter(pk__in=[late.pk, answered.pk]).update(due_by=timezone.now() - timedelta(hours=1))
    summary = services.send_overdue_alerts()
    assert summary.startswith("1 ")
    alerts = OutboxMessage.objects.filter(idempotency_key__startswith=f"referral-overdue-{late.pk}")
    assert {m.to for m in alerts} == {"vol@example.org", "coord@example.org"}
    assert OutboxMessage.objects.filter(idempotency_key=f"referral-overdue-partner-{late.pk}").exists()
    assert not OutboxMessage.objects.filter(
        idempotency_key__contains=str(fresh.pk), idempotency_key__startswith="referral-overdue"
    ).exists()
    assert services.send_overdue_alerts().startswith("0 ")
    assert Referral.objects.get(pk=late.pk).overdue_alerted_at is not None


def test_unverified_entries_alert_the_data_manager(users, catalogue):
    dm = users["datamanager.co"]
    dm.email = "dm@example.org"
    dm.save()
    add_service(name="Fresh")
    add_service(name="Old", last_verified=timezone.now().date() - timedelta(days=91))
    add_service(name="Never", last_verified=None)
    add_service(name="Borderline", last_verified=timezone.now().date() - timedelta(days=90))
    assert {s.name for s in selectors.directory_for(dm, only_stale=True)} == {"Old", "Never"}
    summary = services.alert_unverified()
    assert summary.startswith("2 unverified")
    message = OutboxMessage.objects.get(to="dm@example.org")
    assert (
        "Old" in message.payload["text"]
        and "Never" in message.payload["text"]
        and "Fresh" not in message.payload["text"]
    )
    services.alert_unverified()
    assert OutboxMessage.objects.filter(to="dm@example.org").count() == 1  # once a week


def test_management_command_lists_and_alerts(users, catalogue, capsys):
    from django.core.management import call_command

    add_service(name="Old one", last_verified=None)
    call_command("directory_unverified", "--dry-run")
    out = capsys.readouterr().out
    assert "Old one" in out and "never" in out


def test_save_service_validates_and_scopes(users, clinic):
    officer = users["officer.co"]
    service = DirectoryService(
        national_society=clinic.national_society,
        organisation=clinic,
        name="X",
        service_type="not-a-type",
        city="Cúcuta",
        latitude=7.9,
        longitude=-72.5,
        whatsapp="300 123",
        referral_channel="whatsapp",
    )
    with pytest.raises(ValidationError) as exc:
        services.save_service(officer, service)
    assert {"service_type", "whatsapp"} <= set(exc.value.message_dict)
    service.service_type, service.whatsapp = "legal-aid", "+573001234567"
    services.save_service(officer, service)
    assert DirectoryService.objects.filter(name="X").exists()
    with pytest.raises(PermissionDenied):
        services.save_service(users["officer.pe"], service)
    with pytest.raises(PermissionDenied):
        services.save_service(users["volunteer.co"], service)


def test_pathway_candidates_nearest_to_the_hsp(users, person, catalogue, sp_co):
    officer = users["officer.co"]
    far = add_service(name="Far legal", city="Bogotá", lat=4.65, lon=-74.06)
    near = add_service(name="Near legal", lat=7.91, lon=-72.51)
    add_service(name="Hidden", lat=7.9, lon=-72.5, accepts_referrals=False)
    asylum = add_service(name="Asylum desk", service_type="asylum", lat=7.95, lon=-72.49)
    services.save_pathway(
        officer,
        national_society=sp_co.national_society,
        need="asylum-seeker",
        name="Asilo",
        steps=[("asylum", asylum), ("legal-aid", None)],
    )
    steps = selectors.referral_candidates(users["volunteer.co"], person, "asylum-seeker")
    assert [s.service_type for s in steps] == ["asylum", "legal-aid"]
    assert [c.service.name for c in steps[1].candidates] == [near.name, far.name]
    assert steps[1].candidates[0].distance_km < steps[1].candidates[1].distance_km
    with pytest.raises(ValidationError):
        services.save_pathway(
            officer,
            national_society=sp_co.national_society,
            need="asylum-seeker",
            name="x",
            steps=[("legal-aid", asylum)],
        )


def test_whatsapp_partner_gets_the_link_through_channels(users, person, catalogue):
    from caminante.channels.models import WhatsAppNumber

    ns = users["volunteer.co"].national_society
    service = add_service(name="Por WhatsApp", referral_channel="whatsapp", whatsapp="+573001112233")
    # without a WhatsApp number the National Society falls back to SMS with the text
    sent = send(users["volunteer.co"], person, service)
    message = OutboxMessage.objects.get(idempotency_key=f"referral-sent-{sent.referral.pk}")
    assert message.channel == "sms" and sent.link in message.payload["text"]
    # with one, the approved template carries the reference and the link
    WhatsAppNumber.objects.create(national_society=ns, phone_number_id="test-co")
    sent = send(users["volunteer.co"], person, service)
    message = OutboxMessage.objects.get(idempotency_key=f"referral-sent-{sent.referral.pk}")
    assert message.channel == "whatsapp" and message.to == "573001112233"
    body = str(message.payload)
    assert sent.referral.code in body and sent.link in body


def test_person_hears_back_by_whatsapp_but_never_for_urgent(users, catalogue):
    from tests.builders import register

    volunteer = users["volunteer.co"]
    person = register(volunteer, given="Ana", phone="+57 300 765 4321", phone_is_whatsapp=True)
    service = add_service(name="Asesoría")
    referral = send(volunteer, person, service).referral
    services.accept(referral, None, via_link=True)
    assert OutboxMessage.objects.filter(idempotency_key=f"referral-person-{referral.pk}-accepted").exists()
    child = add_service(name="ICBF", service_type="child-protection")
    urgent = send(volunteer, person, child, need="unaccompanied-child").referral
    services.accept(urgent, None, via_link=True)
    assert not OutboxMessage.objects.filter(idempotency_key__startswith=f"referral-person-{urgent.pk}").exists()
