# ruff: noqa: F811 - pytest fixtures imported from tests.fakes
"""Escalation without silence: when a person will answer, automatic answers while an ordinary
conversation waits, a sensitive one with a person only, and a false escalation given back."""

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from caminante.channels import hours, services
from caminante.channels.models import Conversation, Message, OfficeHours, Queue, WhatsAppNumber
from caminante.core import outbox
from caminante.core.models import AuditEvent, NationalSociety
from tests.fakes import meta
from tests.fakes.graph import fake_graph  # noqa: F401

# Bogotá is UTC-5 all year. 2026-01-07 is a Wednesday.
WEDNESDAY_10 = datetime(2026, 1, 7, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
WEDNESDAY_7 = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # 07:00
WEDNESDAY_1645 = datetime(2026, 1, 7, 21, 45, tzinfo=UTC)  # 16:45, the last half hour
FRIDAY_18 = datetime(2026, 1, 9, 23, 0, tzinfo=UTC)  # 18:00
SUNDAY_10 = datetime(2026, 1, 11, 15, 0, tzinfo=UTC)
WEEK = hours.default_week()
HYGIENE = "Hola, ¿tienen kits de higiene?"
UNKNOWN = "¿Quién ganó el partido ayer?"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chat(client, text="", button=""):
    response = client.post(
        "/chat/messages",
        data=json.dumps({"text": text, "button": button, "country": "CO"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["messages"]


@pytest.fixture
def clock(monkeypatch):
    """The hand-over sentence's clock, fixed (Wednesday 10:00 in Bogotá unless a test moves it)."""
    now = {"at": WEDNESDAY_10}
    monkeypatch.setattr(hours, "current_time", lambda: now["at"])
    return now


# ---- office hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (WEDNESDAY_10, ("today_before", 17 * 60, 2)),
        (WEDNESDAY_7, ("today_from", 8 * 60, 2)),
        (WEDNESDAY_1645, ("tomorrow_from", 8 * 60, 3)),
        (FRIDAY_18, ("weekday_from", 8 * 60, 0)),
        (SUNDAY_10, ("tomorrow_from", 8 * 60, 0)),
    ],
)
def test_when_a_person_answers_follows_the_office_hours(now, expected):
    assert hours.when_answered(WEEK, "America/Bogota", now) == expected


def test_open_all_day_or_never_is_soon():
    assert hours.when_answered(["00:00-24:00"] * 7, "America/Bogota", FRIDAY_18)[0] == "soon"
    assert hours.when_answered([""] * 7, "America/Bogota", FRIDAY_18)[0] == "soon"
    # a time zone the server does not know falls back to UTC, it never fails
    assert hours.when_answered(WEEK, "Mars/Olympus", WEDNESDAY_10)[0] == "today_before"


@pytest.mark.parametrize(
    ("lang", "now", "text"),
    [
        ("es", WEDNESDAY_10, "hoy antes de las 17:00"),
        ("pt", WEDNESDAY_10, "hoje antes das 17:00"),
        ("en", WEDNESDAY_10, "today before 17:00"),
        ("es", FRIDAY_18, "el lunes a partir de las 08:00"),
        ("pt", FRIDAY_18, "na segunda-feira a partir das 08:00"),
        ("en", FRIDAY_18, "on Monday from 08:00"),
        ("es", WEDNESDAY_7, "hoy a partir de las 08:00"),
    ],
)
def test_the_sentence_is_translated(catalogue, lang, now, text):
    ns = NationalSociety.objects.get(country="CO")
    with translation.override(lang):
        assert text in hours.answer_time_sentence(ns, now)


def test_clean_week_refuses_what_is_not_a_range():
    assert hours.clean_week(["8:00 - 17:00", "", "09:30-12:00", "", "", "", "00:00-24:00"])[0] == "08:00-17:00"
    for bad in ["17:00-08:00", "25:00-26:00", "8-17", "08:00-17:60", "x" * 30]:
        with pytest.raises(ValidationError):
            hours.clean_week([bad, "", "", "", "", "", ""])


def test_an_administrator_sets_office_hours_on_the_numbers_page(users):
    admin = login(users["admin"])
    week = {f"day{i}": v for i, v in enumerate(["09:00-13:00"] * 6 + [""])}
    response = admin.post("/inbox/numbers/", {"form": "hours", "country": "CO", **week, "time_zone": ""})
    assert response.status_code == 302
    row = OfficeHours.objects.get(national_society__country="CO")
    assert row.week[5] == "09:00-13:00" and row.week[6] == ""
    assert AuditEvent.objects.filter(action="channels.office_hours.set").exists()
    assert "09:00-13:00" in admin.get("/inbox/numbers/").content.decode()
    bad = admin.post("/inbox/numbers/", {"form": "hours", "country": "CO", "day0": "mañana", "time_zone": ""})
    assert bad.status_code == 302
    assert admin.post("/inbox/numbers/", {"form": "hours", "country": "ZZ"}).status_code == 302
    tz = admin.post("/inbox/numbers/", {"form": "hours", "country": "CO", **week, "time_zone": "Nowhere/City"})
    assert tz.status_code == 302
    row.refresh_from_db()
    assert row.week[0] == "09:00-13:00" and row.time_zone == ""
    for role in ("officer.co", "protection.co"):
        assert login(users[role]).post("/inbox/numbers/", {"form": "hours", "country": "CO"}).status_code == 403


# ---- the hand-over says when; an ordinary waiting conversation is still answered ----------------


def test_hand_over_in_and_out_of_hours(client, users, clock):
    [reply] = chat(client, "Quiero hablar con una persona")
    assert "hoy antes de las 17:00" in reply["text"]
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.WAITING
    clock["at"] = FRIDAY_18
    OfficeHours.objects.create(national_society=conversation.national_society, week=["07:00-15:00"] * 5 + ["", ""])
    [again] = chat(client, button="person:general")
    assert "el lunes a partir de las 07:00" in again["text"]
    assert again["automatic"]  # already waiting: the reminder is the assistant's


def test_a_waiting_conversation_answers_faq_questions_automatically_and_keeps_the_rest(client, users, clock):
    chat(client, "Quiero hablar con una persona")
    [answer] = chat(client, HYGIENE)
    assert "jabón" in answer["text"]
    assert answer["automatic"] is True
    assert "Respuesta automática" in answer["text"] and "te responderá igualmente" in answer["text"]
    assert not any(b["id"].startswith("person") for b in answer["buttons"])
    assert Message.objects.get(id=answer["id"]).automatic
    assert chat(client, UNKNOWN) == []  # no topic: it waits for the person, silently
    assert chat(client, "Hola") == []  # a greeting is for the person too
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.WAITING and not conversation.sensitive
    page = login(users["officer.co"]).get(f"/inbox/{conversation.id}/").content.decode()
    assert page.count('class="automatic"') == 1


def test_no_automatic_answer_while_a_staff_member_is_writing(client, users, clock):
    chat(client, "Quiero hablar con una persona")
    conversation = Conversation.objects.get()
    services.staff_reply(users["officer.co"], conversation, "Hola, soy Marta. ¿En qué te ayudo?")
    assert chat(client, HYGIENE) == []


def test_a_sensitive_conversation_stays_with_a_person_only(client, users, clock):
    [safe] = chat(client, "Quiero morir, ya no aguanto")
    assert "no estás solo" in safe["text"].lower()
    assert "hoy antes de las 17:00" in safe["text"]
    assert not safe["automatic"]
    for text in (HYGIENE, UNKNOWN, "Quiero morir", "menu"):
        assert chat(client, text) == [], text
    assert chat(client, button="topic:hygiene_kit") == []
    assert chat(client, button="person:general") == []
    conversation = Conversation.objects.get()
    assert conversation.sensitive and conversation.queue == Queue.PROTECTION
    assert not Message.objects.filter(automatic=True).exists()
    assert Message.objects.filter(direction="out").count() == 1
    # the person's rights still work
    [ask] = chat(client, "quiero borrar mis datos")
    assert [b["id"] for b in ask["buttons"]] == ["delete:yes", "delete:no"]


def test_whatsapp_automatic_answers_are_marked(client, users, fake_graph, clock):
    WhatsAppNumber.objects.create(national_society=NationalSociety.objects.get(country="CO"), phone_number_id="demo-co")

    def say(text):
        meta.signed_post(client, meta.envelope("demo-co", messages=[meta.text(text)]))
        while outbox.deliver_due():
            pass

    say("Quiero hablar con una persona")
    assert "hoy antes de las 17:00" in fake_graph.accepted[-1]["body"]["text"]["body"]
    say(HYGIENE)
    body = fake_graph.accepted[-1]["body"]
    text = body["text"]["body"] if body["type"] == "text" else body["interactive"]["body"]["text"]
    assert "jabón" in text and "Respuesta automática" in text
    assert Message.objects.filter(direction="out", automatic=True).count() == 1
    sent = len(fake_graph.accepted)
    say(UNKNOWN)
    assert len(fake_graph.accepted) == sent


# ---- a false escalation given back in one click ---------------------------------------------------


def test_a_false_escalation_is_given_back_in_one_post(client, users, clock):
    chat(client, "Quiero morir, ya no aguanto")
    conversation = Conversation.objects.get()
    protection = login(users["protection.co"])
    response = protection.post(
        f"/inbox/{conversation.id}/",
        {"action": "give_back", "to": "assistant", "reason": "Hablaba de una canción, no de ella"},
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert not conversation.sensitive
    assert conversation.status == Conversation.Status.BOT and conversation.queue == Queue.GENERAL
    assert conversation.given_back_by == users["protection.co"]
    assert conversation.given_back_reason == "Hablaba de una canción, no de ella"
    event = AuditEvent.objects.get(action="channels.give_back", object_id=str(conversation.id))
    assert event.actor_username == users["protection.co"].username
    assert event.data["reason"] == "Hablaba de una canción, no de ella"
    assert event.data["was"]["sensitive"] is True
    # its ordinary questions are answered again, by the assistant itself
    [answer] = chat(client, HYGIENE)
    assert "jabón" in answer["text"] and not answer["automatic"]
    # and the officers now see it (it is no longer confidential)
    assert login(users["officer.co"]).get(f"/inbox/{conversation.id}/").status_code == 200


def test_giving_back_to_the_general_queue_keeps_it_waiting_with_automatic_answers(client, users, clock):
    chat(client, "Quiero morir, ya no aguanto")
    conversation = Conversation.objects.get()
    login(users["protection.co"]).post(f"/inbox/{conversation.id}/", {"action": "give_back", "to": "general"})
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING and conversation.queue == Queue.GENERAL
    assert not conversation.sensitive
    [answer] = chat(client, HYGIENE)
    assert answer["automatic"]


def test_who_may_give_a_conversation_back(client, users, clock):
    chat(client, "Quiero morir, ya no aguanto")
    conversation = Conversation.objects.get()
    url = f"/inbox/{conversation.id}/"
    # a sensitive conversation is out of sight for everyone but protection officers of its National Society
    for role in ("officer.co", "datamanager.co", "protection.pe", "officer.pe", "admin"):
        assert login(users[role]).post(url, {"action": "give_back"}).status_code == 404, role
    for role in ("volunteer.co", "coordinator.co", "vendor.co", "partner.co", "analyst"):
        assert login(users[role]).post(url, {"action": "give_back"}).status_code == 403, role
    protection = login(users["protection.co"])
    # bad input: refused with a message, nothing changes
    for bad in ({"reason": "x" * 201}, {"to": "elsewhere"}, {"reason": "a\x00b"}):
        response = protection.post(url, {"action": "give_back", **bad})
        assert response.status_code in (302, 400), bad
    conversation.refresh_from_db()
    assert conversation.sensitive and conversation.status == Conversation.Status.WAITING
    assert not AuditEvent.objects.filter(action="channels.give_back").exists()


def test_a_conversation_with_the_assistant_cannot_be_given_back(client, users):
    chat(client, HYGIENE)
    conversation = Conversation.objects.get()
    with pytest.raises(ValidationError):
        services.give_back(users["officer.co"], conversation)
