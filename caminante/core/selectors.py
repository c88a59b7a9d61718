"""Reads of the core catalogue, scoped to the asking user."""

from django.db.models import QuerySet

from .models import ServicePoint
from .roles import HSP_ROLES
from .scoping import Scope, by_national_society


def service_points_for(user) -> QuerySet[ServicePoint]:
    """Service points this user may work at or read (all of them for global roles)."""
    scope = Scope.of(user)
    qs = ServicePoint.objects.select_related("national_society")
    if scope.role in HSP_ROLES:
        return qs.filter(pk=scope.service_point_id)
    return by_national_society(qs, scope)
