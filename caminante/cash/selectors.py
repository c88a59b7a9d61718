"""Reads of the cash app, always scoped to the asking user."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from caminante.core.roles import Role
from caminante.core.scoping import Scope, by_national_society

from .models import ZERO, LedgerEntry, Programme, Redemption, Settlement, Vendor, Voucher
from .services import READERS, _period_bounds, vendor_of


def _q(value) -> Decimal:
    """Sums come back from SQLite with long fractions: round to cents."""
    return (value or ZERO).quantize(Decimal("0.01"))


def programmes_for(user) -> QuerySet:
    scope = Scope.of(user).require(READERS)
    return by_national_society(Programme.objects.all(), scope)


def vouchers_for(user) -> QuerySet:
    """Officers and data managers see their National Society's vouchers; a vendor, only the
    vouchers of the programmes its shop may redeem (for look-ups, never a list)."""
    scope = Scope.of(user)
    if scope.role == Role.VENDOR:
        vendor = vendor_of(user)
        return Voucher.objects.filter(national_society_id=vendor.national_society_id, programme__vendors=vendor)
    scope.require(READERS - {Role.ANALYST})
    return by_national_society(Voucher.objects.all(), scope)


def vendors_for(user) -> QuerySet:
    scope = Scope.of(user).require(READERS)
    return by_national_society(Vendor.objects.all(), scope)


def settlements_for(user) -> QuerySet:
    scope = Scope.of(user).require(READERS)
    return by_national_society(Settlement.objects.all(), scope)


def provider_reports_for(user) -> QuerySet:
    from .models import ProviderReport

    scope = Scope.of(user).require(READERS)
    return by_national_society(ProviderReport.objects.all(), scope)


def redemptions_of_vendor(user) -> QuerySet:
    vendor = vendor_of(user)
    return Redemption.objects.filter(vendor=vendor).select_related("voucher")


@dataclass
class CycleFigures:
    entitled: Decimal
    issued: Decimal
    redeemed: Decimal
    expired: Decimal
    cancelled_moved: Decimal
    balance: Decimal
    vouchers: int
    active: int
    people: int
    by_vendor: list
    by_day: list
    by_sex: list


def cycle_figures(user, cycle) -> CycleFigures:
    """Amounts entitled, issued, redeemed, expired and left for one cycle; redemptions by vendor and day."""
    Scope.of(user).require(READERS)
    from .models import Entitlement

    entitlements = Entitlement.objects.filter(cycle=cycle)
    vouchers = Voucher.objects.filter(entitlement__cycle=cycle)
    ledger = LedgerEntry.objects.filter(voucher__entitlement__cycle=cycle)

    def total(qs, field="amount"):
        return _q(qs.aggregate(t=Sum(field))["t"])

    redemptions = Redemption.objects.filter(voucher__entitlement__cycle=cycle)
    return CycleFigures(
        entitled=total(entitlements),
        issued=total(ledger.filter(kind=LedgerEntry.Kind.ISSUE, amount__gt=0)),
        redeemed=total(redemptions),
        expired=-total(ledger.filter(kind=LedgerEntry.Kind.EXPIRY)),
        cancelled_moved=total(ledger.filter(kind=LedgerEntry.Kind.REISSUE, amount__gt=0)),
        balance=total(vouchers.filter(status=Voucher.Status.ACTIVE), "balance"),
        vouchers=vouchers.count(),
        active=vouchers.filter(status=Voucher.Status.ACTIVE).count(),
        people=entitlements.aggregate(n=Sum("household_size"))["n"] or 0,
        by_vendor=[
            {**row, "total": _q(row["total"])}
            for row in redemptions.values("vendor__name")
            .annotate(total=Sum("amount"), count=Count("id"))
            .order_by("vendor__name")
        ],
        by_day=[
            {**row, "total": _q(row["total"])}
            for row in redemptions.annotate(day=TruncDate("redeemed_at"))
            .values("day")
            .annotate(total=Sum("amount"))
            .order_by("day")
        ],
        by_sex=list(entitlements.values("person__sex").annotate(n=Count("id")).order_by("person__sex")),
    )


@dataclass
class ReconciliationRow:
    vendor: Vendor
    currency: str
    redemptions: int
    redeemed: Decimal
    ledger: Decimal
    settled: Decimal
    owed: Decimal

    @property
    def matches(self) -> bool:
        return self.redeemed == self.ledger


def reconciliation(user, start: date, end: date, national_society=None) -> list[ReconciliationRow]:
    """Per vendor and currency for the period: redemptions vs the ledger's credits to the vendor,
    what was settled (paid) and what we still owe."""
    scope = Scope.of(user).require(READERS)
    vendors = by_national_society(Vendor.objects.select_related("national_society"), scope)
    if national_society is not None:
        vendors = vendors.filter(national_society=national_society)
    rows = []
    for vendor in vendors.order_by("name"):
        low, high = _period_bounds(vendor.national_society, start, end)
        red = (
            Redemption.objects.filter(vendor=vendor, redeemed_at__gte=low, redeemed_at__lt=high)
            .values("voucher__currency")
            .annotate(n=Count("id"), total=Sum("amount"))
        )
        led = {
            row["currency"]: row["total"]
            for row in LedgerEntry.objects.filter(
                account=f"vendor:{vendor.pk}",
                kind=LedgerEntry.Kind.REDEMPTION,
                redemption__redeemed_at__gte=low,
                redemption__redeemed_at__lt=high,
            )
            .values("currency")
            .annotate(total=Sum("amount"))
        }
        settled = {
            row["currency"]: row["total"]
            for row in LedgerEntry.objects.filter(account=f"settled:{vendor.pk}")
            .values("currency")
            .annotate(total=Sum("amount"))
        }
        owed = {
            row["currency"]: row["total"]
            for row in LedgerEntry.objects.filter(account=f"vendor:{vendor.pk}")
            .values("currency")
            .annotate(total=Sum("amount"))
        }
        for row in red:
            currency = row["voucher__currency"]
            rows.append(
                ReconciliationRow(
                    vendor=vendor,
                    currency=currency,
                    redemptions=row["n"],
                    redeemed=_q(row["total"]),
                    ledger=_q(led.get(currency)),
                    settled=_q(settled.get(currency)),
                    owed=_q(owed.get(currency)),
                )
            )
    return rows


AGE_GROUPS = ((0, 4, "0-4"), (5, 17, "5-17"), (18, 59, "18-59"), (60, 200, "60+"))


def people_reached(user, cycle) -> dict:
    """Everyone in the cycle's entitled households (or the entitled person alone), counted once, by
    sex, age group and disability."""
    from collections import Counter

    from django.db.models import Min, Q

    from caminante.registry.models import Membership, Person

    from .models import Entitlement

    Scope.of(user).require(READERS)
    entitlements = Entitlement.objects.filter(cycle=cycle)
    ids = set(entitlements.values_list("person_id", flat=True))
    households = entitlements.exclude(household=None).values_list("household_id", flat=True)
    # The members when the entitlements were made (not those who had already left).
    members = Membership.objects.filter(household_id__in=households)
    made = entitlements.aggregate(first=Min("created_at"))["first"]
    if made is not None:
        members = members.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=made))
    ids |= set(members.values_list("person_id", flat=True))
    by_sex, by_age, disability = Counter(), Counter(), 0
    day = cycle.starts_on
    for person in Person.objects.filter(pk__in=ids).only("sex", "birth_date", "has_disability").iterator(2000):
        by_sex[person.sex or "unknown"] += 1
        age = person.age_on(day)
        by_age[next((label for low, high, label in AGE_GROUPS if age is not None and low <= age <= high), "?")] += 1
        disability += person.has_disability
    return {
        "total": len(ids),
        "by_sex": sorted(by_sex.items()),
        "by_age": [(label, by_age[label]) for _l, _h, label in AGE_GROUPS]
        + ([("?", by_age["?"])] if by_age["?"] else []),
        "with_disability": disability,
    }
