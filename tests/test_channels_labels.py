"""Learning from people: staff choose the topic of unanswered messages, FAQ editors review the
labels, approved ones become training data, and the FAQ page shows the unanswered questions."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from caminante.channels import labels, selectors, services
from caminante.channels.models import Channel, Conversation, Message, TopicLabel
from caminante.core.models import AuditEvent, NationalSociety

UNKNOWN = "¿Quién ganó el partido ayer?"


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


def conversation_with(country: str, texts: list[tuple[str, str]], *, sensitive=False, address="tok", days_ago=0):
    """A handed-over web-chat conversation with inbound messages [(text, topic)]."""
    ns = NationalSociety.objects.get(country=country)
    contact = services.get_or_create_contact(ns, Channel.WEBCHAT, f"{address}-{country}")
    conversation = services.open_conversation(contact)
    services.hand_over(conversation, sensitive=sensitive)
    at = timezone.now() - timedelta(days=days_ago)
    for text, topic in texts:
        message = Message(conversation=conversation, direction=Message.Direction.IN, topic=topic, created_at=at)
        message.text = text
        message.save()
    conversation.refresh_from_db()
    return conversation


def inbound(conversation, text):
    return next(m for m in Message.objects.filter(conversation=conversation, direction="in") if m.text == text)


# ---- choosing the topic in the inbox ------------------------------------------------------------


def test_staff_choose_the_topic_of_each_unanswered_message_before_closing(client, users):
    chat(client, UNKNOWN)  # the assistant abstains
    chat(client, "Quiero hablar con una persona")  # answered: a hand-over, not a candidate
    chat(client, "Necesito un pasaje de bus para Lima")  # waiting: no topic, kept for the person
    chat(client, "menu")  # a command, not a question
    conversation = Conversation.objects.get()
    candidates = labels.candidates(conversation)
    assert [m.text for m in candidates] == [UNKNOWN, "Necesito un pasaje de bus para Lima"]
    officer = login(users["officer.co"])
    url = f"/inbox/{conversation.id}/"
    page = officer.get(url).content.decode()
    assert f'name="label-{candidates[0].id}"' in page and "Tema nuevo" in page
    # closing is refused while a message has no topic
    assert officer.post(url, {"action": "close"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status != Conversation.Status.CLOSED
    # choose one now, the other one when closing
    officer.post(url, {"action": "label", f"label-{candidates[0].id}": TopicLabel.NOT_A_QUESTION})
    assert TopicLabel.objects.get().topic == TopicLabel.NOT_A_QUESTION
    officer.post(url, {"action": "close", f"label-{candidates[1].id}": TopicLabel.NEW_TOPIC})
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    label = TopicLabel.objects.get(message=candidates[1])
    assert label.review == TopicLabel.Review.PENDING and label.labelled_by == users["officer.co"]
    assert label.national_society.country.code == "CO" and label.lang == "es" and not label.sensitive
    events = AuditEvent.objects.filter(action="channels.label", object_id=str(conversation.id))
    assert events.count() == 2 and "Lima" not in json.dumps([e.data for e in events])


def test_bad_label_input_is_refused_and_changes_nothing(users, catalogue):
    conversation = conversation_with("CO", [(UNKNOWN, "")])
    other = conversation_with("CO", [("otra cosa", "")], address="other")
    message = inbound(conversation, UNKNOWN)
    officer = login(users["officer.co"])
    url = f"/inbox/{conversation.id}/"
    for post in (
        {f"label-{message.id}": "no_such_topic"},
        {f"label-{inbound(other, 'otra cosa').id}": "hygiene_kit"},  # another conversation's message
        {"label-not-a-uuid": "hygiene_kit"},
    ):
        assert officer.post(url, {"action": "label", **post}).status_code == 302
    assert officer.post(url, {"action": "label", f"label-{message.id}": "a\x00b"}).status_code == 400
    assert not TopicLabel.objects.exists()
    # another National Society's staff cannot label it
    assert login(users["officer.pe"]).post(url, {"action": "label"}).status_code == 404
    assert login(users["volunteer.co"]).post(url, {"action": "label"}).status_code == 403


def test_a_changed_label_goes_back_to_review(users, catalogue):
    conversation = conversation_with("CO", [(UNKNOWN, "")])
    message = inbound(conversation, UNKNOWN)
    labels.label_messages(users["officer.co"], conversation, {str(message.id): TopicLabel.NEW_TOPIC})
    label = TopicLabel.objects.get()
    labels.review_label(users["officer.co"], label, TopicLabel.Review.REJECTED)
    assert labels.label_messages(users["officer.co"], conversation, {str(message.id): TopicLabel.NEW_TOPIC}) == 0
    labels.label_messages(users["officer.co"], conversation, {str(message.id): TopicLabel.NOT_A_QUESTION})
    label.refresh_from_db()
    assert label.review == TopicLabel.Review.PENDING and label.reviewed_by is None


# ---- review by the FAQ editors ----------------------------------------------------------------------


def test_faq_editors_review_the_labels_of_their_national_society(users, catalogue):
    co = conversation_with("CO", [("¿Dan jabón y pasta de dientes?", "")])
    pe = conversation_with("PE", [("¿Hay duchas?", "")])
    labels.label_messages(
        users["officer.co"], co, {str(inbound(co, "¿Dan jabón y pasta de dientes?").id): "hygiene_kit"}
    )
    labels.label_messages(users["officer.pe"], pe, {str(inbound(pe, "¿Hay duchas?").id): "wash_facilities"})
    co_label = TopicLabel.objects.get(national_society__country="CO")
    pe_label = TopicLabel.objects.get(national_society__country="PE")
    editor = login(users["officer.co"])
    page = editor.get("/inbox/faq/").content.decode()
    assert "¿Dan jabón y pasta de dientes?" in page and "¿Hay duchas?" not in page
    response = editor.post("/inbox/faq/labels/", {"label": str(co_label.id), "decision": "approved", "next": "faq"})
    assert response.status_code == 302 and response["Location"] == "/inbox/faq/"
    co_label.refresh_from_db()
    assert co_label.review == TopicLabel.Review.APPROVED and co_label.reviewed_by == users["officer.co"]
    assert AuditEvent.objects.filter(action="channels.label.review", object_id=str(co_label.id)).exists()
    # another National Society's label: not found; bad input: refused, never a 500
    assert editor.post("/inbox/faq/labels/", {"label": str(pe_label.id), "decision": "approved"}).status_code == 404
    assert editor.post("/inbox/faq/labels/", {"label": "nope", "decision": "approved"}).status_code == 404
    assert editor.post("/inbox/faq/labels/", {"label": str(co_label.id), "decision": "maybe"}).status_code == 302
    co_label.refresh_from_db()
    assert co_label.review == TopicLabel.Review.APPROVED
    for role in ("volunteer.co", "coordinator.co", "datamanager.co", "vendor.co", "analyst"):
        assert login(users[role]).post("/inbox/faq/labels/", {"label": str(co_label.id)}).status_code == 403
    # the administrator (global) sees both
    admin_page = login(users["admin"]).get("/inbox/faq/labels/?review=pending").content.decode()
    assert "¿Hay duchas?" in admin_page
    assert login(users["admin"]).get("/inbox/faq/labels/?review=bogus").status_code == 200


def test_sensitive_labels_are_for_protection_officers_only(client, users):
    chat(client, "Quiero morir, ya no aguanto")
    conversation = Conversation.objects.get()
    message = Message.objects.get(direction="in")
    assert [m.id for m in labels.candidates(conversation)] == [message.id]  # a sensitive hand-over
    protection = login(users["protection.co"])
    protection.post(f"/inbox/{conversation.id}/", {"action": "label", f"label-{message.id}": "suicidal_crisis"})
    label = TopicLabel.objects.get()
    assert label.sensitive
    assert "Quiero morir" not in login(users["officer.co"]).get("/inbox/faq/").content.decode()
    assert list(selectors.labels_for_review(users["officer.co"])) == []
    assert list(selectors.labels_for_review(users["admin"])) == []
    assert "Quiero morir" in protection.get("/inbox/faq/labels/").content.decode()
    assert list(selectors.labels_for_review(users["protection.pe"])) == []
    officer = login(users["officer.co"])
    assert officer.post("/inbox/faq/labels/", {"label": str(label.id), "decision": "approved"}).status_code == 404
    protection.post("/inbox/faq/labels/", {"label": str(label.id), "decision": "approved"})
    label.refresh_from_db()
    assert label.review == TopicLabel.Review.APPROVED


# ---- training data ------------------------------------------------------------------------------------


def test_approved_faq_labels_gives_approved_real_topics_per_national_society(users, catalogue):
    co = conversation_with(
        "CO",
        [("¿dan jabon?", ""), ("una pregunta nueva", ""), ("jajaja", ""), ("pending one", ""), ("rejected one", "")],
    )
    pe = conversation_with("PE", [("Vocês têm chuveiro?", "")])
    chosen = {
        "¿dan jabon?": "hygiene_kit",
        "una pregunta nueva": TopicLabel.NEW_TOPIC,
        "jajaja": TopicLabel.NOT_A_QUESTION,
        "pending one": "hsp_location",
        "rejected one": "hsp_services",
    }
    labels.label_messages(users["officer.co"], co, {str(inbound(co, t).id): v for t, v in chosen.items()})
    labels.label_messages(users["officer.pe"], pe, {str(inbound(pe, "Vocês têm chuveiro?").id): "wash_facilities"})
    for label in TopicLabel.objects.exclude(message__in=[inbound(co, "pending one"), inbound(co, "rejected one")]):
        labels.review_label(users["admin"], label, TopicLabel.Review.APPROVED)
    labels.review_label(users["admin"], TopicLabel.objects.get(topic="hsp_services"), TopicLabel.Review.REJECTED)
    co_ns, pe_ns = (NationalSociety.objects.get(country=c) for c in ("CO", "PE"))
    assert selectors.approved_faq_labels(co_ns) == [("¿dan jabon?", "hygiene_kit", "es")]
    assert selectors.approved_faq_labels(pe_ns) == [("Vocês têm chuveiro?", "wash_facilities", "pt")]
    assert sorted(selectors.approved_faq_labels()) == sorted(
        [("¿dan jabon?", "hygiene_kit", "es"), ("Vocês têm chuveiro?", "wash_facilities", "pt")]
    )
    # a message whose text was deleted (the person asked, or retention) is no longer training data
    services.erase_contact_data(pe.contact)
    assert selectors.approved_faq_labels(pe_ns) == []


# ---- the most common unanswered questions ----------------------------------------------------------------


def test_the_faq_page_shows_the_most_common_unanswered_questions(users, catalogue):
    conversation_with("CO", [("¿Dan pasajes de bus?", ""), ("dan pasajes de bus", "")], address="a")
    conversation_with("CO", [("¿DAN PASAJES DE BUS?", ""), ("Mi número es +57 300 555 0199, llamen", "")], address="b")
    labelled = conversation_with("CO", [("¿Ayudan con la visa de trabajo?", ""), ("ya resuelto", "")], address="c")
    labels.label_messages(
        users["officer.co"],
        labelled,
        {
            str(inbound(labelled, "¿Ayudan con la visa de trabajo?").id): TopicLabel.NEW_TOPIC,
            str(inbound(labelled, "ya resuelto").id): TopicLabel.NOT_A_QUESTION,
        },
    )
    conversation_with("CO", [("answered one", "hygiene_kit")], address="d")
    conversation_with("CO", [("una pregunta vieja", "")], address="e", days_ago=91)
    conversation_with("CO", [("algo confidencial sin tema", "")], address="f", sensitive=True)
    conversation_with("PE", [("una pregunta del Perú", "")], address="g")
    rows = selectors.unanswered_questions(users["officer.co"])
    texts = [r["text"] for r in rows]
    assert rows[0]["count"] == 3 and rows[0]["text"].lower().strip("¿?") == "dan pasajes de bus"
    assert "¿Ayudan con la visa de trabajo?" in texts
    assert all("555" not in t for t in texts) and any("•••" in t for t in texts)
    for absent in (
        "ya resuelto",
        "answered one",
        "una pregunta vieja",
        "algo confidencial sin tema",
        "una pregunta del Perú",
    ):
        assert absent not in texts, absent
    assert [r["text"] for r in selectors.unanswered_questions(users["officer.pe"])] == ["una pregunta del Perú"]
    page = login(users["officer.co"]).get("/inbox/faq/").content.decode()
    assert "pasajes de bus" in page.lower() and "•••" in page
    assert "tok-CO" not in page and "a-CO" not in page
    long_text = "¿" + "muy " * 80 + "larga?"
    conversation_with("CO", [(long_text, "")], address="h")
    shown = next(r["text"] for r in selectors.unanswered_questions(users["officer.co"]) if r["text"].startswith("¿muy"))
    assert len(shown) <= 120 and shown.endswith("…")


def test_only_faq_editors_read_the_unanswered_questions(users):
    assert selectors.unanswered_questions(users["admin"]) == []
    for role in ("protection.co", "datamanager.co", "volunteer.co"):
        with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
            selectors.unanswered_questions(users[role])


# ---- the engine learns from the approved labels ------------------------------------------------------


@pytest.mark.slow  # trains both FAQ models (about 20 s): run once, in the PostgreSQL pass
def test_approved_labels_retrain_the_faq_engine(users, catalogue, tmp_path, monkeypatch):
    from caminante.channels import learning
    from caminante.faq import safety_model, topic_model

    phrase = "ustedes prestan carretillas zapallo para la mudanza, mi numero es +57 300 555 0199"
    conversation = conversation_with("CO", [(phrase, "")])
    labels.label_messages(users["officer.co"], conversation, {str(inbound(conversation, phrase).id): "rent_support"})
    labels.review_label(users["admin"], TopicLabel.objects.get(), TopicLabel.Review.APPROVED)
    monkeypatch.setenv("CAMINANTE_DATA_DIR", str(tmp_path))
    shipped_topics, shipped_safety = topic_model.model(), safety_model.model()
    try:
        assert learning.learn_from_labels() == 1
        retrained = topic_model.model()
        assert retrained is not shipped_topics and retrained.extends == shipped_topics.trained_on
        assert safety_model.model() is not shipped_safety
        assert (tmp_path / "models" / "topics.npz").exists() and (tmp_path / "models" / "safety.npz").exists()
        assert topic_model.guess("prestan carretillas zapallo para la mudanza")[0] == "rent_support"
        assert not any("555" in gram or "0199" in gram for gram in retrained.vocabularies[1])  # masked
        assert learning.learn_from_labels() == 1 and topic_model.model() is retrained  # nothing new: no retraining
    finally:
        monkeypatch.delenv("CAMINANTE_DATA_DIR")
        topic_model.use(None)
        safety_model.use(None)
    assert topic_model.model().trained_on == shipped_topics.trained_on
