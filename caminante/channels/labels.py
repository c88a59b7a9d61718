"""Learning from people: staff say what a message really asked for, FAQ editors review it.

In a conversation handed to a person, every inbound message the assistant did not answer (no
topic) or answered with a sensitive hand-over is a *candidate*: the staff member chooses its
topic in the inbox (an FAQ topic, "new topic" or "not a question"), at the latest when closing
the conversation (services.close refuses while one is left). An FAQ editor of the National
Society approves or rejects each label; approved labels with a real topic are training data
(selectors.approved_faq_labels). A label on a sensitive conversation, or with a sensitive topic,
is reviewed by a protection officer only, since its text is confidential.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.faq import detect

from .faq_content import current_engine
from .models import Conversation, Message, TopicLabel

# Inbound kinds that are choices or places, not questions written by the person.
NOT_WRITTEN = {"button_reply", "list_reply", "button", "interactive", "location"}


def sensitive_topics() -> frozenset[str]:
    return frozenset(t for t, topic in current_engine().topics.items() if topic.sensitive)


def topic_choices(lang: str) -> list[tuple[str, str]]:
    """(value, title) of the topics a label can take, in the staff member's language."""
    faq = current_engine()
    topics = sorted(((t, faq.title(t, lang)) for t in faq.topics), key=lambda pair: pair[1].lower())
    return [*topics, (TopicLabel.NEW_TOPIC, _("New topic")), (TopicLabel.NOT_A_QUESTION, _("Not a question"))]


def is_question(message: Message) -> bool:
    """Written text, not a menu choice, a place or a command (opt-out, menu, deletion)."""
    from .engine import is_command

    if message.direction != Message.Direction.IN or message.redacted or message.kind in NOT_WRITTEN:
        return False
    text = message.text.strip()
    return bool(text) and not is_command(text)


def candidates(conversation: Conversation) -> list[Message]:
    """The conversation's inbound messages whose topic a person should choose."""
    sensitive = sensitive_topics()
    rows = Message.objects.filter(
        conversation=conversation, direction=Message.Direction.IN, redacted=False
    ).select_related("label")
    return [m for m in rows.order_by("created_at") if (not m.topic or m.topic in sensitive) and is_question(m)]


def unlabelled_count(conversation: Conversation) -> int:
    if conversation.handover_at is None:  # the assistant's own conversation: nothing to choose
        return 0
    return sum(1 for m in candidates(conversation) if not hasattr(m, "label"))


def label_messages(user, conversation: Conversation, choices: dict[str, str]) -> int:
    """Save the topics a staff member chose ({message id: topic}); empty choices are skipped.
    A changed label goes back to review. Returns how many labels were created or changed."""
    from .services import _check_staff

    _check_staff(user, conversation)
    by_id = {str(m.id): m for m in candidates(conversation)}
    valid = set(current_engine().topics) | set(TopicLabel.SPECIAL)
    chosen = {}
    for key, value in choices.items():
        value = str(value or "").strip()
        if not value:
            continue
        if key not in by_id:
            raise ValidationError(_("That message cannot be given a topic."))
        if value not in valid:
            raise ValidationError(_("Choose a topic from the list."))
        chosen[key] = value
    sensitive = sensitive_topics()
    changed = {}
    now = timezone.now()
    with transaction.atomic():
        for key, topic in chosen.items():
            message = by_id[key]
            existing = getattr(message, "label", None)
            if existing is not None and existing.topic == topic:
                continue
            is_sensitive = conversation.sensitive or topic in sensitive or message.topic in sensitive
            TopicLabel.objects.update_or_create(
                message=message,
                defaults={
                    "national_society_id": conversation.national_society_id,
                    "topic": topic,
                    "lang": detect(message.text, conversation.contact.language),
                    "sensitive": is_sensitive,
                    "labelled_by": user,
                    "labelled_at": now,
                    "review": TopicLabel.Review.PENDING,
                    "reviewed_by": None,
                    "reviewed_at": None,
                },
            )
            changed[key] = topic
        if changed:
            audit.record(user, "channels.label", conversation, data={"labels": changed})
    return len(changed)


def review_label(user, label: TopicLabel, decision: str) -> TopicLabel:
    """An FAQ editor (a protection officer for a sensitive label) approves or rejects a label."""
    from .selectors import labels_for_review

    if not labels_for_review(user).filter(id=label.id).exists():
        raise PermissionDenied("label out of scope")
    if decision not in (TopicLabel.Review.APPROVED, TopicLabel.Review.REJECTED):
        raise ValidationError(_("Choose approve or reject."))
    with transaction.atomic():
        TopicLabel.objects.filter(id=label.id).update(review=decision, reviewed_by=user, reviewed_at=timezone.now())
        audit.record(user, "channels.label.review", label, data={"decision": decision, "topic": label.topic})
    label.refresh_from_db()
    return label
