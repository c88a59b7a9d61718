"""Reads of tracing cases, scoped to the RFL and protection officers of the case's National
Society. No other role sees a case (a global role neither): the views answer 404 (the case is
outside the scope) or 403 (the role never reads RFL data). Callers audit what they show."""

from django.db.models import QuerySet

from caminante.core.roles import RFL_ROLES
from caminante.core.scoping import NoScope, Scope

from .models import CaseTask, Status, TracingRequest


def requests_for(user) -> QuerySet[TracingRequest]:
    """The tracing cases this user may read: their National Society's, for RFL and protection roles."""
    scope = Scope.of(user).require(RFL_ROLES)
    if scope.national_society_id is None:
        raise NoScope("no National Society")
    return TracingRequest.objects.filter(national_society_id=scope.national_society_id)


def search(qs: QuerySet[TracingRequest], *, status: str = "", mine_of=None) -> QuerySet[TracingRequest]:
    if status in Status.values:
        qs = qs.filter(status=status)
    if mine_of is not None:
        qs = qs.filter(assigned_to=mine_of)
    return qs


def tasks_for(user) -> QuerySet[CaseTask]:
    return CaseTask.objects.filter(tracing_request__in=requests_for(user))
