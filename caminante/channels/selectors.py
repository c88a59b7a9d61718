"""Reads of the channels app, always scoped to what the asking user may see.

Conversations belong to the National Society that owns the number. Officers, data managers and
administrators see the ordinary queues; a sensitive conversation (abuse, trafficking, a child
alone, suicide...) is visible only to protection officers of that National Society.
"""

import re
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from caminante.core import audit
from caminante.core.roles import Role
from caminante.core.scoping import Scope, by_national_society
from caminante.faq.normalize import normalise

from .models import Broadcast, Conversation, Message, TopicLabel

INBOX_ROLES = frozenset({Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN})
# Who edits the assistant's answers (and so reviews labels and reads the unanswered questions).
FAQ_EDITORS = frozenset({Role.OFFICER, Role.ADMIN})
# FAQ editors review ordinary labels; protection officers review the sensitive ones.
LABEL_REVIEWERS = FAQ_EDITORS | {Role.PROTECTION}
UNANSWERED_DAYS = 90
UNANSWERED_SCAN = 5000


def staff_conversations(user) -> QuerySet:
    """Every conversation the user may open (any status)."""
    scope = Scope.of(user).require(INBOX_ROLES)
    qs = by_national_society(Conversation.objects.select_related("contact", "assigned_to"), scope)
    if scope.role != Role.PROTECTION:
        qs = qs.filter(sensitive=False)
    return qs


def inbox_conversations(user, *, queue: str | None = None, status: str | None = None) -> QuerySet:
    """Conversations waiting for, or with, a person (the assistant's own ones are left out)."""
    qs = staff_conversations(user)
    if queue:
        qs = qs.filter(queue=queue)
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=Conversation.Status.BOT)
    return qs.order_by("-updated_at")


def conversation_for(user, conversation_id) -> Conversation:
    """One conversation with its messages, for a staff member; the read is audited."""
    from caminante.core.scoping import get_or_404

    conversation = get_or_404(staff_conversations(user), user, id=conversation_id)
    audit.record(user, "channels.conversation.read", conversation, data={"sensitive": conversation.sensitive})
    return conversation


def messages_of(conversation: Conversation) -> QuerySet:
    return Message.objects.filter(conversation=conversation).order_by("created_at")


def queue_counts(user) -> dict[str, int]:
    counts: dict[str, int] = {}
    for conv in inbox_conversations(user).exclude(status=Conversation.Status.CLOSED).values_list("queue", flat=True):
        counts[conv] = counts.get(conv, 0) + 1
    return counts


def broadcasts_with_figures(user) -> list[dict]:
    """Broadcasts of the user's National Society with their delivery figures (from the outbox rows)."""
    from django.db.models import Count

    from caminante.core.models import OutboxMessage

    scope = Scope.of(user).require({Role.OFFICER, Role.ADMIN})
    result = []
    for broadcast in by_national_society(Broadcast.objects.all(), scope)[:50]:
        rows = (
            OutboxMessage.objects.filter(idempotency_key__startswith=f"broadcast:{broadcast.id}:")
            .values("status")
            .annotate(n=Count("id"))
        )
        result.append({"broadcast": broadcast, "figures": {row["status"]: row["n"] for row in rows}})
    return result


# ---- learning from people (labels.py) -------------------------------------------------------------

_SENSITIVE_LABEL = Q(sensitive=True) | Q(message__conversation__sensitive=True)


def labels_for_review(user, review: str | None = None) -> QuerySet:
    """Labels of the user's National Society: ordinary ones for FAQ editors, sensitive ones (a
    sensitive conversation or topic) for protection officers only."""
    scope = Scope.of(user).require(LABEL_REVIEWERS)
    qs = by_national_society(TopicLabel.objects.select_related("message", "labelled_by", "reviewed_by"), scope)
    qs = qs.filter(_SENSITIVE_LABEL) if scope.role == Role.PROTECTION else qs.exclude(_SENSITIVE_LABEL)
    if review:
        qs = qs.filter(review=review)
    return qs.order_by("review", "-labelled_at")


def approved_faq_labels(national_society=None) -> list[tuple[str, str, str]]:
    """(text, topic, lang) of every approved label with a real FAQ topic (not "new topic" or "not
    a question"), oldest first, for retraining the FAQ engine. Messages whose text was deleted
    (retention, the person's request) are left out. Not for display: it reads every National
    Society's texts, sensitive ones included, unless `national_society` is given."""
    qs = (
        TopicLabel.objects.filter(review=TopicLabel.Review.APPROVED, message__redacted=False)
        .exclude(topic__in=TopicLabel.SPECIAL)
        .select_related("message")
        .order_by("labelled_at", "id")
    )
    if national_society is not None:
        qs = qs.filter(national_society=national_society)
    out = []
    for label in qs.iterator(chunk_size=500):
        text = label.message.text.strip()
        if text:
            out.append((text, label.topic, label.lang))
    return out


_PHONE = re.compile(r"\+?\d[\d\s().-]{4,}\d")
_EMAIL = re.compile(r"\S+@\S+")
_MAX_SHOWN = 120


def mask_contact_details(text: str) -> str:
    """Phone numbers and e-mail addresses hidden (for display and before a model learns a text)."""
    return _EMAIL.sub("•••", _PHONE.sub("•••", text))


def _shown(text: str) -> str:
    """A message as the unanswered list shows it: one line, numbers and e-mail addresses hidden, short."""
    text = mask_contact_details(" ".join(text.split()))
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1].rstrip() + "…"


def unanswered_questions(user, *, days: int = UNANSWERED_DAYS, limit: int = 20) -> list[dict]:
    """The most common questions the assistant could not answer in the user's National Society
    (every one for a global role): inbound messages of the last `days` days with no topic, or
    labelled "new topic", grouped by normalised text, most frequent first. Each row is
    {"text", "count", "last_at"}: an example text (numbers hidden, truncated), never who wrote it.
    Sensitive conversations and labels are left out."""
    from .labels import is_question

    scope = Scope.of(user).require(FAQ_EDITORS)
    since = timezone.now() - timedelta(days=days)
    rows = by_national_society(
        Message.objects.filter(direction=Message.Direction.IN, created_at__gte=since, redacted=False),
        scope,
        field="conversation__national_society",
    ).filter(conversation__sensitive=False)
    rows = rows.filter(
        Q(label__topic=TopicLabel.NEW_TOPIC, label__sensitive=False) | Q(topic="", label__isnull=True)
    ).order_by("-created_at")[:UNANSWERED_SCAN]
    groups: dict[str, dict] = {}
    for message in rows:
        if not is_question(message):
            continue
        key = normalise(message.text)
        if not key:
            continue
        group = groups.get(key)
        if group is None:  # rows come newest first: the first one is the example and the last date
            groups[key] = {"text": _shown(message.text), "count": 1, "last_at": message.created_at}
        else:
            group["count"] += 1
    ranked = sorted(groups.values(), key=lambda g: (-g["count"], -g["last_at"].timestamp()))
    return ranked[:limit]
