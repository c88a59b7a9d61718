"""Reads of community feedback, always scoped to the asking user.

Ordinary lists never contain a confidential item (sensitive or to be clarified): those are read
only through `confidential_for`, by a designated focal point of the item's National Society who
is not the person the report is about. Dashboards count confidential items, nothing more.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from caminante.core.roles import HSP_ROLES
from caminante.core.scoping import Scope, by_national_society

from .models import FeedbackItem, FocalPoint, Sensitivity, Status
from .services import FOCAL_POINT_ROLES, HANDLERS, INTAKE_ROLES


def _ordinary() -> QuerySet[FeedbackItem]:
    return FeedbackItem.objects.filter(sensitivity=Sensitivity.NOT_SENSITIVE)


def _in_scope(qs: QuerySet, scope: Scope) -> QuerySet:
    qs = by_national_society(qs, scope)
    if scope.role in HSP_ROLES:
        qs = qs.filter(service_point_id=scope.service_point_id)
    return qs


def items_for(user) -> QuerySet[FeedbackItem]:
    """The ordinary queue: items this user may read and handle. Never a confidential one."""
    scope = Scope.of(user).require(HANDLERS)
    return _in_scope(_ordinary(), scope).exclude(involved_user=user)


def receipts_for(user) -> QuerySet[FeedbackItem]:
    """Items this user may see the receipt of (code, channel, date, status). A confidential item
    only to the person who logged it, and then nothing but that it was received."""
    scope = Scope.of(user).require(INTAKE_ROLES)
    return _in_scope(FeedbackItem.objects.all(), scope).filter(
        Q(sensitivity=Sensitivity.NOT_SENSITIVE) | Q(created_by=user)
    )


def logged_by(user, limit: int = 20) -> list[FeedbackItem]:
    Scope.of(user).require(INTAKE_ROLES)
    return list(FeedbackItem.objects.filter(created_by=user).order_by("-received_at")[:limit])


def confidential_for(user) -> QuerySet[FeedbackItem]:
    """The confidential queue of a designated focal point; empty for everybody else."""
    scope = Scope.of(user)
    if scope.role not in FOCAL_POINT_ROLES:
        return FeedbackItem.objects.none()
    if not FocalPoint.objects.filter(user=user, national_society_id=scope.national_society_id, active=True).exists():
        return FeedbackItem.objects.none()
    return (
        FeedbackItem.objects.filter(national_society_id=scope.national_society_id)
        .exclude(sensitivity=Sensitivity.NOT_SENSITIVE)
        .exclude(involved_user=user)
    )


def answers_waiting(user) -> QuerySet[FeedbackItem]:
    """Answers kept at the user's service point(s) for people to collect with their code."""
    scope = Scope.of(user).require(INTAKE_ROLES)
    return _in_scope(_ordinary(), scope).filter(answer_via="hsp_message", answer_collected_at__isnull=True)


def search(qs: QuerySet, *, query: str = "", status: str = "", channel: str = "", type_key: str = "", overdue=False):
    if query:
        qs = qs.filter(Q(code__icontains=query.strip()) | Q(text__icontains=query.strip()))
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if type_key:
        qs = qs.filter(Q(type_key=type_key) | Q(type_key="", suggested_type=type_key))
    if overdue:
        qs = qs.filter(due_at__lt=timezone.now(), answered_at__isnull=True).exclude(status=Status.CLOSED)
    return qs
