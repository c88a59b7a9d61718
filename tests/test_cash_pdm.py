# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""Post-distribution monitoring: sampling, sending through notify, answers over the signed
webhook, the confidential report, the volunteer's form, results with small cells suppressed,
permissions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caminante.cash import pdm
from caminante.cash.models import Cycle, Entitlement, PdmResponse, PdmRound
from caminante.channels.models import WhatsAppNumber
from caminante.core import outbox
from caminante.core.models import AuditEvent, NationalSociety, OutboxMessage
from caminante.feedback.models import FeedbackItem
from caminante.feedback.selectors import confidential_for, items_for
from caminante.feedback.services import designate_focal_point
from caminante.registry.models import ConsentPurpose
from tests.builders import fast_hashing  # noqa: F401
from tests.fakes import meta
from tests.fakes.graph import fake_graph  # noqa: F401
from tests.test_cash_helpers import approved, household, programme, second_officer

pytestmark = pytest.mark.django_db

PHONE_A = "+573005550101"  # the default sender of tests.fakes.meta
WA = [ConsentPurpose.ASSISTANCE, ConsentPurpose.WHATSAPP]


@pytest.fixture
def number(sp_co, fake_graph):
    return WhatsAppNumber.objects.create(
        national_society=NationalSociety.objects.get(country="CO"), phone_number_id="demo-co"
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def deliver_all():
    while outbox.deliver_due():
        pass


def say(client, *messages):
    assert meta.signed_post(client, meta.envelope("demo-co", messages=list(messages))).status_code == 200
    deliver_all()


def last_text(graph) -> str:
    body = graph.accepted[-1]["body"]
    if body["type"] == "text":
        return body["text"]["body"]
    return body["interactive"]["body"]["text"]


def ended(cycle: Cycle) -> Cycle:
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(starts_on=today - timedelta(days=31), ends_on=today - timedelta(days=1))
    cycle.refresh_from_db()
    return cycle


def world(users, sp_co, extra_consenting=0):
    """A Colombian programme after its cycle: one recipient with WhatsApp consent (PHONE_A),
    one with a WhatsApp phone but no WhatsApp consent, one without a phone, and `extra_consenting` more."""
    officer = users["officer.co"]
    prog = programme(officer)
    writer = users["volunteer.co"]
    homes = [
        household(writer, "Ana", "Uno", phone=PHONE_A, whatsapp=True, consents=WA),
        household(writer, "Bea", "Dos", phone="+573005550202", whatsapp=True),
        household(writer, "Carla", "Tres"),
    ]
    homes += [
        household(writer, f"Extra{i}", f"Cuatro{i}", phone=f"+57300555{1000 + i}", whatsapp=True, consents=WA)
        for i in range(extra_consenting)
    ]
    approved(officer, second_officer(sp_co.national_society), prog, homes)
    return prog, ended(prog.cycles.get())


def pdm_outbox():
    return OutboxMessage.objects.filter(idempotency_key__startswith="cash-pdm-")


def test_sent_only_to_consented_recipients_through_notify(users, sp_co, number, fake_graph):
    prog, cycle = world(users, sp_co)
    round_ = pdm.send_survey(users["officer.co"], cycle)
    assert (round_.eligible, round_.sent) == (1, 1)
    [row] = pdm_outbox()
    assert row.to == PHONE_A[1:]
    # no open 24-hour window: the approved template, with the programme's name
    assert row.payload["body"]["type"] == "template"
    assert row.payload["body"]["template"]["name"] == "pdm_survey"
    deliver_all()
    assert any(r["body"].get("template", {}).get("name") == "pdm_survey" for r in fake_graph.accepted)
    response = PdmResponse.objects.get()
    assert response.entitlement.person.phone_e164 == PHONE_A and response.status == "sent"
    assert AuditEvent.objects.filter(action="cash.pdm.send").exists()
    with pytest.raises(ValidationError):  # once per cycle
        pdm.send_survey(users["officer.co"], cycle)


def test_nobody_who_opted_out_and_no_message_without_a_whatsapp_number(users, sp_co, number, client):
    prog, cycle = world(users, sp_co, extra_consenting=1)
    say(client, meta.text("BAJA"))  # PHONE_A opts out of our messages
    round_ = pdm.send_survey(users["officer.co"], cycle)
    assert (round_.eligible, round_.sent) == (1, 1)
    assert [r.to for r in pdm_outbox()] == ["573005551000"]
    # a National Society without a WhatsApp number: the round opens (answers at the HSP), nothing is sent
    other = programme(users["officer.co"], name="Sin número")
    approved(
        users["officer.co"],
        second_officer(sp_co.national_society, "officer3"),
        other,
        [household(users["volunteer.co"], "Dora", "Cinco", phone="+573005559999", whatsapp=True, consents=WA)],
    )
    WhatsAppNumber.objects.all().delete()
    round_ = pdm.send_survey(users["officer.co"], ended(other.cycles.get()))
    assert (round_.eligible, round_.sent) == (0, 0) and pdm_outbox().count() == 1
    dora = Entitlement.objects.get(cycle__programme=other).person
    assert pdm.record_in_person(users["volunteer.co"], dora.code, _entry()).status == "completed"


def test_not_before_the_cycle_ends(users, sp_co, number):
    prog, cycle = world(users, sp_co)
    Cycle.objects.filter(pk=cycle.pk).update(ends_on=timezone.localdate())
    cycle.refresh_from_db()
    with pytest.raises(ValidationError):
        pdm.send_survey(users["officer.co"], cycle)
    assert not PdmRound.objects.exists() and not pdm_outbox().exists()


def test_inside_the_window_the_first_question_goes_as_free_text(users, sp_co, number, fake_graph, client):
    prog, cycle = world(users, sp_co)
    say(client, meta.text("Hola"))  # opens the 24-hour window
    pdm.send_survey(users["officer.co"], cycle)
    [row] = pdm_outbox()
    assert row.payload["body"]["type"] == "text" and row.payload["fallback"]["template"]["name"] == "pdm_survey"
    assert "(1/6)" in row.payload["body"]["text"]["body"] and prog.name in row.payload["body"]["text"]["body"]


def test_the_sample_is_reproducible_and_sized(users, sp_co, number):
    prog, cycle = world(users, sp_co, extra_consenting=5)
    people = pdm.consenting_recipients(cycle)
    assert len(people) == 6
    first = pdm.sample(people, 50, "seed-1")
    assert len(first) == 3
    assert [e.pk for e in first] == [e.pk for e in pdm.sample(list(reversed(people)), 50, "seed-1")]
    assert {e.pk for e in pdm.sample(people, 100, "x")} == {e.pk for e in people}
    round_ = pdm.send_survey(users["officer.co"], cycle, sample_percent=50, seed="seed-1")
    assert round_.sent == 3 and round_.eligible == 6
    assert set(PdmResponse.objects.values_list("entitlement_id", flat=True)) == {e.pk for e in first}


def test_replies_over_the_signed_webhook_are_recorded_in_order(users, sp_co, number, fake_graph, client):
    prog, cycle = world(users, sp_co)
    pdm.send_survey(users["officer.co"], cycle)
    deliver_all()
    say(client, meta.text("2"))  # received: only part
    assert "(2/6)" in last_text(fake_graph)
    say(client, meta.text("¿Dónde me puedo bañar?"))  # a question, not an answer: the FAQ answers it
    assert "duchas" in last_text(fake_graph)
    assert PdmResponse.objects.get().step == 1
    say(client, meta.text("9"))  # not an option: asked again
    assert "(2/6)" in last_text(fake_graph)
    say(client, meta.text("1, 3 y 1"))  # uses: food, health (each once)
    body = fake_graph.accepted[-1]["body"]
    assert body["type"] == "interactive" and "(3/6)" in body["interactive"]["body"]["text"]
    say(client, meta.button_reply("pdm:exchange:no", "No"))
    say(client, meta.text("si"))  # felt safe
    body = fake_graph.accepted[-1]["body"]
    assert body.get("interactive", {}).get("type") == "list", body  # the 1-5 scale
    say(client, meta.list_reply("pdm:satisfaction:4", "4"))
    say(client, meta.text("Gracias, llegó a tiempo"))
    response = PdmResponse.objects.get()
    assert response.status == "completed" and response.completed_at is not None
    assert response.answers == {
        "received": "partly",
        "uses": ["food", "health"],
        "exchange": "no",
        "safe": "yes",
        "satisfaction": 4,
        "comment": True,
    }
    assert response.comment == "Gracias, llegó a tiempo" and "Gracias" not in response.comment_encrypted
    assert "Thank" in last_text(fake_graph) or "Gracias" in last_text(fake_graph)
    assert not FeedbackItem.objects.exists()
    assert AuditEvent.objects.filter(action="cash.pdm.answer").count() == 6
    # the survey is closed: the next message is an ordinary one again
    say(client, meta.text("1"))
    assert PdmResponse.objects.get().answers["received"] == "partly"


def test_asked_for_money_becomes_a_confidential_report_for_the_focal_point(users, sp_co, number, client):
    designate_focal_point(users["datamanager.co"], users["protection.co"])
    prog, cycle = world(users, sp_co)
    pdm.send_survey(users["officer.co"], cycle)
    deliver_all()
    say(client, meta.text("1"), meta.text("1"))
    say(client, meta.button_reply("pdm:exchange:yes", "Sí"))
    response = PdmResponse.objects.get()
    item = FeedbackItem.objects.get()
    assert response.feedback_code == item.code and response.answers["exchange"] == "yes"
    assert item.is_confidential and item.channel == "survey" and item.text == ""
    assert item.person_id == response.entitlement.person_id
    assert list(confidential_for(users["protection.co"])) == [item]
    for name in ("officer.co", "datamanager.co"):
        assert not items_for(users[name]).filter(pk=item.pk).exists()
        assert not confidential_for(users[name]).exists()
    # the same answer again (a retried tap) does not report twice
    assert FeedbackItem.objects.count() == 1


def test_erasing_the_conversation_erases_the_comment(users, sp_co, number, client):
    prog, cycle = world(users, sp_co)
    pdm.send_survey(users["officer.co"], cycle)
    say(client, meta.text("1"), meta.text("1"), meta.text("2"), meta.text("1"), meta.text("5"))
    say(client, meta.text("Mi vecino se llama Juan"))
    assert PdmResponse.objects.get().comment
    say(client, meta.button_reply("delete:yes", "Sí, borrar"))
    response = PdmResponse.objects.get()
    assert response.comment == "" and response.answers["satisfaction"] == 5


def _entry(answers_extra=None, code=""):
    data = {
        "person_code": code,
        "received": "full",
        "uses": ["food", "rent"],
        "exchange": "no",
        "safe": "yes",
        "satisfaction": "5",
        "comment": "",
    }
    data.update(answers_extra or {})
    return data


def test_a_volunteer_enters_the_answers_of_a_person_without_phone(users, sp_co, number):
    prog, cycle = world(users, sp_co)
    pdm.send_survey(users["officer.co"], cycle)
    no_phone = Entitlement.objects.get(cycle=cycle, person__given_names="Carla").person
    volunteer = _client(users["volunteer.co"])
    assert volunteer.get(reverse("cash-pdm-entry")).status_code == 200
    page = volunteer.post(reverse("cash-pdm-entry"), _entry(code=no_phone.code))
    assert page.status_code == 302
    response = PdmResponse.objects.get(entitlement__person=no_phone)
    assert response.via == "in_person" and response.status == "completed"
    assert response.answers["uses"] == ["food", "rent"] and response.answers["satisfaction"] == 5
    assert response.recorded_by == users["volunteer.co"]
    # a second time: refused, nothing changes
    page = volunteer.post(reverse("cash-pdm-entry"), _entry(code=no_phone.code), follow=True)
    assert "already answered" in page.content.decode() or "ya respondió" in page.content.decode()
    # a volunteer of Peru cannot reach a Colombian recipient
    with pytest.raises(ValidationError):
        pdm.record_in_person(users["volunteer.pe"], no_phone.code, _entry())


def test_results_with_small_cells_suppressed(users, sp_co, number):
    designate_focal_point(users["datamanager.co"], users["protection.co"])
    prog, cycle = world(users, sp_co, extra_consenting=7)
    pdm.send_survey(users["officer.co"], cycle)
    codes = list(
        Entitlement.objects.filter(cycle=cycle).order_by("person__given_names").values_list("person__code", flat=True)
    )
    for code in codes[:4]:
        pdm.record_in_person(users["volunteer.co"], code, _entry({"comment": "La cajera fue amable"}))
    officer = _client(users["officer.co"])
    url = reverse("cash-programme-pdm", args=[prog.pk])
    results = pdm.results(prog)
    assert results.respondents == 4 and results.suppressed and results.received_full is None
    page = officer.get(url).content.decode()
    assert 'id="pdm-suppressed"' in page and 'id="pdm-full"' not in page and "amable" not in page
    # six more: 10 respondents, 2 of them asked for something in exchange, 3 did not get it all
    for i, code in enumerate(codes[4:10]):
        extra = {"satisfaction": "3"}
        if i < 2:
            extra["exchange"] = "yes"
        if i < 3:
            extra["received"] = "partly"
        pdm.record_in_person(users["volunteer.co"], code, _entry(extra))
    results = pdm.results(prog)
    assert results.respondents == 10 and not results.suppressed
    assert (results.received_full.count, results.received_full.percent) == (7, Decimal("70.0"))
    assert results.felt_safe.percent == Decimal("100.0")
    assert results.satisfaction == Decimal("3.8")  # (4 * 5 + 6 * 3) / 10
    assert results.asked_exchange.suppressed and results.asked_exchange.count is None  # 2 < 5
    uses = {value: figure for value, _label, figure in results.uses}
    assert uses["food"].count == 10 and uses["rent"].percent == Decimal("100.0")
    assert uses["debts"].count == 0 and not uses["debts"].suppressed
    assert FeedbackItem.objects.count() == 2
    # 8 sent by WhatsApp, all answered at the HSP instead
    assert results.sent == 8 and results.in_person == 10 and results.response_rate == Decimal("0.0")
    page = officer.get(url).content.decode()
    assert 'id="pdm-full"' in page and ("70,0" in page or "70.0" in page) and "&lt; 5" in page
    assert page.count("La cajera fue amable") == 4  # the comments, without names, read audited
    assert AuditEvent.objects.filter(action="cash.pdm.comments.view").count() == 1
    analyst = _client(users["analyst"]).get(url).content.decode()
    assert 'id="pdm-full"' in analyst and "amable" not in analyst  # aggregates only


def test_permissions(users, sp_co, number):
    prog, cycle = world(users, sp_co)
    send = reverse("cash-cycle-pdm-send", args=[cycle.pk])
    results = reverse("cash-programme-pdm", args=[prog.pk])
    # another country's officer: the programme and the cycle do not exist for them
    assert _client(users["officer.pe"]).get(results).status_code == 404
    assert _client(users["officer.pe"]).post(send).status_code == 404
    assert not PdmRound.objects.exists()
    # roles without the right
    assert _client(users["volunteer.co"]).get(results).status_code == 403
    assert _client(users["datamanager.co"]).post(send).status_code == 403
    assert _client(users["vendor.co"]).get(reverse("cash-pdm-entry")).status_code == 403
    assert _client(users["analyst"]).get(results).status_code == 200  # aggregates only
    with pytest.raises(PermissionDenied):
        pdm.send_survey(users["officer.pe"], cycle)
    # the officer of the country sends it from the cycle page
    officer = _client(users["officer.co"])
    assert 'id="pdm-send"' in officer.get(reverse("cash-cycle", args=[cycle.pk])).content.decode()
    assert officer.post(send, {"sample_percent": "100"}).status_code == 302
    assert PdmRound.objects.get().sent == 1
    # settings: a manager only
    assert _client(users["datamanager.co"]).post(results, {"sample_percent": "50"}).status_code == 403
    officer.post(results, {"sample_percent": "40", "auto_send": "on"})
    prog.pdm_survey.refresh_from_db()
    assert prog.pdm_survey.sample_percent == 40 and prog.pdm_survey.auto_send


def test_the_periodic_job_sends_for_programmes_that_ask_for_it(users, sp_co, number):
    prog, cycle = world(users, sp_co)
    assert pdm.send_due() == "" and not PdmRound.objects.exists()  # not asked for
    pdm.configure(users["officer.co"], prog, sample_percent=100, auto_send=True)
    assert pdm.send_due() == "1 surveys sent"
    assert PdmRound.objects.get().sent_by is None
    assert pdm.send_due() == ""  # once
