"""Reads of services delivered, scoped to the asking user."""

from datetime import datetime, time

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from caminante.core.models import ServicePoint
from caminante.core.roles import HSP_ROLES, PERSON_READERS
from caminante.core.scoping import Scope, by_national_society
from caminante.registry.models import Membership, Person

from .models import AnonymousTally, ServiceDelivery


def people_reached(deliveries: QuerySet[ServiceDelivery]) -> QuerySet[Person]:
    """The people these deliveries reached: those served in person and every member of a
    household served as a whole (a family kit reaches the whole family). Each person once."""
    households = deliveries.exclude(household=None).values("household_id")
    members = Membership.objects.filter(household_id__in=households)
    # A member who has left counts for the deliveries made before they left, not after.
    left_after = members.past().filter(
        Exists(deliveries.filter(household_id=OuterRef("household_id"), delivered_at__lt=OuterRef("ended_at")))
    )
    return Person.objects.filter(
        Q(pk__in=deliveries.exclude(person=None).values("person_id"))
        | Q(pk__in=members.current().values("person_id"))
        | Q(pk__in=left_after.values("person_id"))
    )


def deliveries_for(user) -> QuerySet[ServiceDelivery]:
    scope = Scope.of(user).require(PERSON_READERS)
    qs = ServiceDelivery.objects.select_related("service_type", "service_point")
    if scope.role in HSP_ROLES:
        return qs.filter(service_point_id=scope.service_point_id)
    return by_national_society(qs, scope)


def day_summary(user, service_point: ServicePoint) -> dict:
    """The HSP's day page figures, for the HSP's local day."""
    today = service_point.local_today()
    start = datetime.combine(today, time.min, tzinfo=service_point.tz)
    end = datetime.combine(today, time.max, tzinfo=service_point.tz)
    deliveries = deliveries_for(user).filter(service_point=service_point, delivered_at__range=(start, end))
    tallies = AnonymousTally.objects.filter(service_point=service_point, day=today)
    registered_people = people_reached(deliveries).count()
    anonymous = tallies.aggregate(n=Sum("count"))["n"] or 0
    by_service = {
        row["service_type__code"]: row
        for row in deliveries.values(
            "service_type__code", "service_type__name_es", "service_type__name_pt", "service_type__name_en"
        ).annotate(n=Count("id"))
    }
    for row in tallies.values("service_type__code").annotate(n=Sum("count")):
        by_service.setdefault(row["service_type__code"], {"n": 0})["tally"] = row["n"]
    return {
        "day": today,
        "people_served": registered_people + anonymous,
        "registered_people_served": registered_people,
        "anonymous_served": anonymous,
        "services_given": deliveries.count(),
        "recent": list(deliveries.select_related("person", "household")[:10]),
        "by_service": by_service,
    }


def tallies_for(user) -> QuerySet[AnonymousTally]:
    scope = Scope.of(user).require(PERSON_READERS)
    qs = AnonymousTally.objects.select_related("service_type", "service_point")
    if scope.role in HSP_ROLES:
        return qs.filter(service_point_id=scope.service_point_id)
    return by_national_society(qs, scope)


def recent_tallies(user, limit: int = 20) -> list[AnonymousTally]:
    return list(tallies_for(user)[:limit])
