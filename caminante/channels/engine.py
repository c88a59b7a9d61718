"""The conversation engine shared by WhatsApp and the web chat.

`respond` reads one inbound message and decides: a command (menu, opt-out/opt-in, data
deletion), a shared location (nearest service points), or a question for the FAQ engine (which
sees only the text, never who wrote it). Sensitive topics get the short safe reply and a
confidential handover to the protection queue at once; complaints, thanks and misconduct reports
become feedback items (contract 2). A contact with an open post-distribution survey (cash/pdm.py)
has the answer to its current question recorded. The WhatsApp adapter turns the replies into Cloud API bodies
through the outbox; the web chat shows them directly.

Escalation without silence: at a hand-over the person is told when a person will answer (the
National Society's office hours, hours.py). While an ordinary conversation waits for a person,
the assistant still answers information questions, each reply marked automatic (on the Message
and in its text); a message with no topic, a greeting or thanks wait for the person in silence,
and so does everything while a staff member is writing in the conversation (ACTIVE_STAFF). A
sensitive conversation stays with a person only: after the first safe reply the assistant says
nothing more (the person's rights — opt-out, deletion — still work).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caminante.faq import detect
from caminante.faq.normalize import tokens

from . import hours, services, whatsapp
from .faq_content import current_engine as default_engine
from .models import Channel, Contact, Conversation, Message, Queue

log = logging.getLogger(__name__)

OPT_OUT = {"baja", "stop", "sair", "parar", "cancelar", "unsubscribe", "stopall", "salir", "basta", "pare"}
OPT_IN = {"alta", "start", "voltar", "iniciar", "unstop", "subscribe", "volver", "comecar", "reanudar"}
MENU = {"menu", "0", "inicio", "opciones", "opcoes", "options", "menú"}
DELETE = {
    ("borrar", "datos"),
    ("borrar", "conversacion"),
    ("eliminar", "datos"),
    ("apagar", "dados"),
    ("apagar", "conversa"),
    ("excluir", "dados"),
    ("delete", "data"),
    ("delete", "conversation"),
    ("erase", "data"),
}
# Topics offered in the main menu (a WhatsApp list holds at most 10 rows).
MENU_TOPICS = [
    "hsp_location",
    "hsp_services",
    "eligibility_free",
    "health_care",
    "cash_assistance",
    "voucher_redeem",
    "rfl_tracing",
    "data_privacy",
    "complaint",
]
FEEDBACK_TOPICS = {"complaint", "feedback_thanks", "psea_report", "discrimination"}
QUEUE_OF_TOPIC = {
    "rfl_tracing": Queue.RFL,
    "detained_relative": Queue.RFL,
    "rfl_phone_call": Queue.RFL,
    "cash_assistance": Queue.CASH,
    "voucher_redeem": Queue.CASH,
    "voucher_lost_code": Queue.CASH,
    "voucher_rejected": Queue.CASH,
}
# While a conversation waits for a person, these are meant for the person: no automatic answer.
WAITING_SILENT_TOPICS = {"greeting", "feedback_thanks"}
# A staff member who wrote in the conversation this recently is talking with the person.
ACTIVE_STAFF = timedelta(minutes=10)


@dataclass
class Reply:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    list_button: str = ""
    location: dict | None = None
    # an answer while the conversation waits for a person (stored as Message.automatic)
    automatic: bool = False

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "automatic": self.automatic,
            "buttons": [{"id": i, "title": t} for i, t in self.buttons],
            "rows": [{"id": i, "title": t, "description": d} for i, t, d in self.rows],
            "list_button": self.list_button,
            "location": self.location,
        }


def _words(text: str) -> tuple[str, ...]:
    return tokens(text or "")


def is_command(text: str) -> bool:
    """Opt-out, opt-in, menu or data deletion typed as text (not a question, for labels.py)."""
    words = _words(text)
    command = " ".join(words)
    return (
        (len(words) <= 2 and command.replace(" ", "") in OPT_OUT | OPT_IN)
        or command in MENU
        or any(all(w in words for w in pair) for pair in DELETE)
    )


def automatic_note() -> str:
    return _("(Automatic answer. A person from the team will still answer you.)")


def _automatic(replies: list[Reply]) -> list[Reply]:
    """Mark the assistant's replies to a conversation that waits for a person: the first text gets
    the automatic-answer note, and no "talk to a person" button (one is already on the way)."""
    noted = False
    for reply in replies:
        reply.automatic = True
        reply.buttons = [b for b in reply.buttons if not b[0].startswith("person")]
        reply.rows = [r for r in reply.rows if not r[0].startswith("person")]
        if reply.text and not noted:
            reply.text = f"{reply.text}\n\n{automatic_note()}"
            noted = True
    return replies


def _with_hours(text: str, conversation: Conversation) -> str:
    """A hand-over reply with when a person will answer."""
    return f"{text}\n\n{hours.answer_time_sentence(conversation.national_society)}"


def _staff_active(conversation: Conversation) -> bool:
    return Message.objects.filter(
        conversation=conversation,
        direction=Message.Direction.OUT,
        author__isnull=False,
        created_at__gte=timezone.now() - ACTIVE_STAFF,
    ).exists()


def _person_button(queue: str = "general") -> tuple[str, str]:
    return (f"person:{queue}", whatsapp.clip(_("Talk to a person"), whatsapp.MAX_BUTTON_TITLE))


def _menu_button() -> tuple[str, str]:
    return ("menu", _("Menu"))


def main_menu(lang: str) -> Reply:
    faq = default_engine()
    rows = [(f"topic:{t}", faq.title(t, lang), "") for t in MENU_TOPICS]
    rows.append(("person:general", whatsapp.clip(_("Talk to a person"), 20), ""))
    return Reply(
        _("What can I help you with? Choose a topic, or write your question in your own words."),
        rows=rows[: whatsapp.MAX_ROWS],
        list_button=_("See topics"),
    )


def nearest_reply(conversation: Conversation, latitude: float, longitude: float) -> list[Reply]:
    """The nearest open service points (contract 3) with what they offer, and a pin for the nearest."""
    from caminante.referrals.selectors import nearest_services

    country = conversation.national_society.country.code
    found = nearest_services(latitude=latitude, longitude=longitude, country=country, limit=3)
    if not found:
        found = nearest_services(latitude=latitude, longitude=longitude, limit=3)
    if not found:
        return [
            Reply(_("I could not find a service point near you. A person from the team can help."), [_person_button()])
        ]
    lines = [_("The nearest service points:")]
    for place in found:
        distance = f"{place.distance_km:.0f} km" if place.distance_km is not None else ""
        line = f"• {place.name} ({place.city}, {distance})"
        if place.opening_hours:
            line += f" — {place.opening_hours}"
        if place.services:
            line += "\n  " + ", ".join(place.services[:6])
        lines.append(line)
    nearest = found[0]
    if nearest.city and conversation.contact.area != nearest.city[:120]:
        # the area the person is in, for risk-communication broadcasts by area
        Contact.objects.filter(id=conversation.contact_id).update(area=nearest.city[:120])
    return [
        Reply("\n".join(lines), [_menu_button(), _person_button()]),
        Reply(
            "",
            location={
                "latitude": nearest.latitude,
                "longitude": nearest.longitude,
                "name": nearest.name,
                "address": ", ".join(p for p in (nearest.address, nearest.city) if p),
            },
        ),
    ]


def _city_point(conversation: Conversation, text: str):
    """A service point of this National Society in the city the person typed (or None)."""
    from caminante.core.models import ServicePoint

    words = set(_words(text))
    if not words:
        return None
    active = ServicePoint.objects.filter(status=ServicePoint.Status.ACTIVE).only(
        "city", "latitude", "longitude", "national_society_id"
    )
    # this National Society's points first, then the other countries on the route
    points = sorted(active, key=lambda p: p.national_society_id != conversation.national_society_id)
    for point in points:
        city = _words(point.city)
        if city and all(w in words for w in city):
            return point
    return None


def _record_feedback(conversation: Conversation, text: str, lang: str) -> str:
    """A complaint, thanks or misconduct report becomes a feedback item; return its code."""
    from caminante.feedback.services import receive_feedback

    contact = conversation.contact
    phone = "+" + contact.address if contact.channel == Channel.WHATSAPP else ""
    item = receive_feedback(
        None,
        national_society=conversation.national_society,
        channel="whatsapp" if contact.channel == Channel.WHATSAPP else "webchat",
        text=text,
        language=lang,
        contact_phone_e164=phone,
        wants_answer=bool(phone),
    )
    return getattr(item, "code", "")


def _pdm():
    """The cash app's post-distribution survey (cash/pdm.py): `chat_turn` and `erase_comments`."""
    from caminante.cash import pdm

    return pdm


def respond(conversation: Conversation, message: Message) -> list[Reply]:
    """Decide the replies to one inbound message (and make the state changes it asks for)."""
    contact: Contact = conversation.contact
    text = (message.text or "").strip()
    button = (message.data or {}).get("id", "") if message.kind in ("button_reply", "list_reply", "button") else ""
    lang = detect(text, contact.language) if text and not button else contact.language
    if lang != contact.language:
        Contact.objects.filter(id=contact.id).update(language=lang)
        contact.language = lang
    with translation.override(lang):
        return _respond(conversation, message, text, button, lang)


def _respond(conversation, message, text, button, lang) -> list[Reply]:
    contact = conversation.contact
    faq = default_engine()
    words = _words(text)
    command = " ".join(words)
    handed_over = conversation.status in (Conversation.Status.WAITING, Conversation.Status.ASSIGNED)
    with_person_only = handed_over and conversation.sensitive

    # --- commands that work at any time --------------------------------------------------------
    if button.upper() == "STOP" or (len(words) <= 2 and command.replace(" ", "") in OPT_OUT):
        services.set_opt_out(contact, True)
        return [
            Reply(
                _(
                    "Done: you will not receive any more messages from us. Write ALTA or START to receive them "
                    "again. Your right to assistance does not change."
                )
            )
        ]
    if len(words) <= 2 and command.replace(" ", "") in OPT_IN:
        services.set_opt_out(contact, False)
        return [
            Reply(
                _("Welcome back: you will receive our messages again. Write BAJA or STOP at any time to stop them."),
                [_menu_button()],
            )
        ]
    if button == "delete:yes":
        services.erase_contact_data(contact)
        _pdm().erase_comments(contact)
        Conversation.objects.filter(id=conversation.id).update(awaiting="")
        return [Reply(_("Your conversation data has been deleted."))]
    if button == "delete:no":
        Conversation.objects.filter(id=conversation.id).update(awaiting="")
        return [Reply(_("Nothing was deleted."), [_menu_button()])]
    if button == "delete:ask" or any(all(w in words for w in pair) for pair in DELETE):
        Conversation.objects.filter(id=conversation.id).update(awaiting="delete_confirm")
        return [
            Reply(
                _("Do you want us to delete the messages of this conversation? This cannot be undone."),
                [("delete:yes", _("Yes, delete")), ("delete:no", _("No, keep them"))],
            )
        ]
    if with_person_only:
        return _keep_for_person(conversation, message, text, button, lang, faq)
    if button == "menu" or command in MENU:
        return _automatic([main_menu(lang)]) if handed_over else [main_menu(lang)]
    if button.startswith("person"):
        if handed_over:  # already waiting: when a person will answer
            return _automatic([Reply(hours.answer_time_sentence(conversation.national_society))])
        queue = button.partition(":")[2] or Queue.GENERAL
        services.hand_over(conversation, queue=queue if queue in Queue.values else Queue.GENERAL)
        return [Reply(_with_hours(faq.answer("talk_to_person", lang), conversation))]

    if message.kind == "location":
        data = message.data or {}
        Conversation.objects.filter(id=conversation.id).update(awaiting="")
        replies = nearest_reply(conversation, float(data.get("latitude", 0)), float(data.get("longitude", 0)))
        return _automatic(replies) if handed_over else replies
    if message.kind in {"image", "audio", "video", "document", "sticker", "voice"} and not text:
        if handed_over:
            return []
        return [
            Reply(
                _("I can only read text messages. Write your question, or talk to a person."),
                [_person_button(), _menu_button()],
            )
        ]

    # --- a topic chosen from the menu, or a question in the person's words ----------------------
    if button.startswith("topic:") and button[6:] in faq.topics:
        topic, confidence, sensitive = button[6:], 1.0, faq.topics[button[6:]].sensitive
    else:
        result = faq.classify(text, lang)
        topic, confidence, sensitive = result.topic, result.confidence, result.sensitive
    Message.objects.filter(id=message.id).update(topic=topic or "", confidence=confidence)
    Conversation.objects.filter(id=conversation.id).update(last_topic=topic or "")

    if sensitive:  # the first, and last, safe reply: from now on a person only
        services.hand_over(conversation, sensitive=True)
        replies = [Reply(_with_hours(faq.answer(topic, lang), conversation))]
        if topic == "psea_report":
            _record_feedback(conversation, text, lang)
        return replies
    # An open post-distribution survey takes the message when it answers the current question.
    turn = _pdm().chat_turn(contact, text=text, button=button, lang=lang)
    if turn is not None:
        return [Reply(**turn)]
    if handed_over:
        return _while_waiting(conversation, text, topic, lang, faq, words)
    return _answer(conversation, text, topic, lang, faq, words)


def _keep_for_person(conversation, message, text, button, lang, faq) -> list[Reply]:
    """A sensitive conversation with a person: record the message's topic (for the inbox and the
    labels), keep a newly disclosed risk in the protection queue, and answer nothing."""
    if text and not button:
        result = faq.classify(text, lang)
        Message.objects.filter(id=message.id).update(topic=result.topic or "", confidence=result.confidence)
        if result.sensitive:
            services.hand_over(conversation, sensitive=True)
    return []


def _while_waiting(conversation, text, topic, lang, faq, words) -> list[Reply]:
    """An ordinary conversation waiting for a person: information questions get an automatic
    answer; anything else waits for the person in silence."""
    if _staff_active(conversation):
        return []
    if topic is None:
        if conversation.awaiting == "city" or len(words) <= 3:
            point = _city_point(conversation, text)
            if point is not None:
                Conversation.objects.filter(id=conversation.id).update(awaiting="")
                return _automatic(nearest_reply(conversation, float(point.latitude), float(point.longitude)))
        return []
    if topic in WAITING_SILENT_TOPICS:
        return []
    if topic == "talk_to_person":
        return _automatic([Reply(hours.answer_time_sentence(conversation.national_society))])
    return _automatic(_answer(conversation, text, topic, lang, faq, words))


def _answer(conversation, text, topic, lang, faq, words) -> list[Reply]:
    """The assistant's answer to a question with a (non-sensitive) topic, or its abstention."""
    if topic is None:
        if conversation.awaiting == "city" or len(words) <= 3:
            point = _city_point(conversation, text)
            if point is not None:
                Conversation.objects.filter(id=conversation.id).update(awaiting="")
                return nearest_reply(conversation, float(point.latitude), float(point.longitude))
        return [Reply(faq.answer(None, lang), [_person_button(), _menu_button()])]
    answer = faq.answer(topic, lang)
    if topic == "greeting":
        return [
            Reply(answer, [_menu_button(), ("topic:hsp_location", faq.title("hsp_location", lang)), _person_button()])
        ]
    if topic == "talk_to_person":
        services.hand_over(conversation, queue=Queue.GENERAL)
        return [Reply(_with_hours(answer, conversation))]
    if topic == "hsp_location":
        point = _city_point(conversation, text)
        if point is not None:
            return nearest_reply(conversation, float(point.latitude), float(point.longitude))
        Conversation.objects.filter(id=conversation.id).update(awaiting="city")
        return [Reply(answer, [_menu_button(), _person_button()])]
    if topic == "data_privacy":
        return [Reply(answer, [("delete:ask", _("Delete my data")), _person_button(), _menu_button()])]
    if topic in FEEDBACK_TOPICS:
        code = _record_feedback(conversation, text, lang)
        if code:
            answer += "\n\n" + _("Your reference: %(code)s") % {"code": code}
        return [Reply(answer, [_menu_button(), _person_button()])]
    queue = QUEUE_OF_TOPIC.get(topic, Queue.GENERAL)
    return [Reply(answer, [_menu_button(), _person_button(queue)])]


# ---- the WhatsApp adapter ---------------------------------------------------------------------


def to_body(reply: Reply, to: str) -> dict:
    if reply.location:
        loc = reply.location
        return whatsapp.location_body(to, loc["latitude"], loc["longitude"], loc["name"], loc["address"])
    if reply.rows:
        return whatsapp.list_body(to, reply.text, reply.list_button or _("Options"), reply.rows)
    if reply.buttons:
        return whatsapp.buttons_body(to, reply.text, reply.buttons)
    return whatsapp.text_body(to, reply.text)


def handle_whatsapp(message: Message) -> None:
    """Answer one inbound WhatsApp message (called by the worker, once per message)."""
    conversation = Conversation.objects.select_related("contact", "national_society__whatsapp_number").get(
        id=message.conversation_id
    )
    replies = respond(conversation, message)
    for reply in replies:
        text = reply.text or (reply.location or {}).get("name", "")
        services.send_body(
            conversation,
            lambda to, reply=reply: to_body(reply, to),
            text=text,
            kind="bot",
            data={"buttons": reply.buttons, "location": reply.location} if (reply.buttons or reply.location) else {},
            automatic=reply.automatic,
        )
