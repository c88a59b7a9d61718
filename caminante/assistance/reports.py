"""Indicators disaggregated by sex and age, with small cells suppressed.

Aggregates only: these never carry a name or an id, so the regional analyst can read them.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, CharField, Count, Sum, Value, When
from django.utils import timezone

from caminante.core.models import ServiceType
from caminante.core.roles import AGGREGATE_READERS, HSP_ROLES
from caminante.core.scoping import Scope, by_national_society
from caminante.registry.models import Sex

from .models import AgeGroup, AnonymousTally, ServiceDelivery
from .selectors import people_reached


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def age_group_expression(today: date, field_name: str = "person__birth_date") -> Case:
    """The person's age group computed in the database, so it works at any size."""
    whens = [When(**{f"{field_name}__isnull": True}, then=Value(AgeGroup.UNKNOWN.value))]
    for years, group in ((5, AgeGroup.UNDER_5), (12, AgeGroup.FROM_5), (18, AgeGroup.FROM_12), (60, AgeGroup.FROM_18)):
        whens.append(When(**{f"{field_name}__gt": _years_ago(today, years)}, then=Value(group.value)))
    return Case(*whens, default=Value(AgeGroup.OVER_60.value), output_field=CharField())


@dataclass
class Indicators:
    since: date
    until: date
    people: dict = field(default_factory=dict)  # (sex, age_group) -> count or None when suppressed
    total_people: int = 0
    # When a cell is hidden the exact total would give it away (total minus the shown cells), so
    # the total is then rounded to a multiple of min_cell.
    total_is_rounded: bool = False
    services: list = field(default_factory=list)
    min_cell: int = 5

    def cell(self, sex: str, age_group: str):
        return self.people.get((sex, age_group))

    def rows(self):
        return [(Sex(s).label, [self.display(self.cell(s, g)) for g in AgeGroup.values]) for s in Sex.values]

    @property
    def age_groups(self):
        return [AgeGroup(g).label for g in AgeGroup.values]

    def display(self, value):
        if value is None:
            return f"<{self.min_cell}"
        return value


def suppress(value: int, min_cell: int) -> int | None:
    """Counts from 1 to min_cell-1 could single a person out: hide them."""
    return None if 0 < value < min_cell else value


def round_to(value: int, base: int) -> int:
    """Round half up to a multiple of base (never down to 0 when people were served)."""
    return max(base, (value + base // 2) // base * base) if value else 0


def indicators(user, days: int = 30) -> Indicators:
    scope = Scope.of(user).require(AGGREGATE_READERS)
    until = timezone.now()
    since = until - timedelta(days=days)
    deliveries = ServiceDelivery.objects.filter(delivered_at__gte=since)
    tallies = AnonymousTally.objects.filter(day__gte=since.date())
    if scope.role in HSP_ROLES:
        deliveries = deliveries.filter(service_point_id=scope.service_point_id)
        tallies = tallies.filter(service_point_id=scope.service_point_id)
    else:
        deliveries = by_national_society(deliveries, scope)
        tallies = by_national_society(tallies, scope)
    min_cell = settings.REPORT_MIN_CELL
    counts: dict = {}
    people = (
        people_reached(deliveries)
        .annotate(age_group=age_group_expression(until.date(), "birth_date"))
        .values("sex", "age_group")
        .annotate(n=Count("id"))
    )
    for row in people:
        key = (row["sex"], row["age_group"])
        counts[key] = counts.get(key, 0) + row["n"]
    for row in tallies.values("sex", "age_group").annotate(n=Sum("count")):
        key = (row["sex"], row["age_group"])
        counts[key] = counts.get(key, 0) + row["n"]
    report = Indicators(since=since.date(), until=until.date(), min_cell=min_cell)
    report.people = {key: suppress(n, min_cell) for key, n in counts.items()}
    total = sum(counts.values())
    report.total_is_rounded = any(value is None for value in report.people.values())
    report.total_people = round_to(total, min_cell) if report.total_is_rounded else total
    services: dict = {}
    for row in deliveries.values("service_type__code").annotate(n=Count("id"), q=Sum("quantity")):
        services[row["service_type__code"]] = row["n"]
    for row in tallies.values("service_type__code").annotate(n=Sum("count")):
        services[row["service_type__code"]] = services.get(row["service_type__code"], 0) + row["n"]

    names = {t.code: t.name for t in ServiceType.objects.filter(code__in=services)}
    report.services = sorted(
        ((names.get(c, c), suppress(n, min_cell)) for c, n in services.items()), key=lambda item: -(item[1] or 0)
    )
    return report
