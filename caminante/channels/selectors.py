"""Reads of the channels app, always scoped to what the asking user may see.

Conversations belong to the National Society that owns the number. Officers, data managers and
administrators see the ordinary queues; a sensitive conversation (abuse, trafficking, a child
alone, suicide...) is visible only to protection officers of that National Society.
"""

from django.db.models import QuerySet

from caminante.core import audit
from caminante.core.roles import Role
from caminante.core.scoping import Scope, by_national_society

from .models import Broadcast, Conversation, Message

INBOX_ROLES = frozenset({Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN})


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
