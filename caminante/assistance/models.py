from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caminante.core.models import NationalSociety, ServicePoint, ServiceType, Tracked
from caminante.registry.models import Household, Person, Sex


class AgeGroup(models.TextChoices):
    """Age bands used by the indicators (IFRC / R4V disaggregation)."""

    UNDER_5 = "0-4", _("0–4 years")
    FROM_5 = "5-11", _("5–11 years")
    FROM_12 = "12-17", _("12–17 years")
    FROM_18 = "18-59", _("18–59 years")
    OVER_60 = "60+", _("60 years and over")
    UNKNOWN = "unknown", _("Unknown age")

    @classmethod
    def for_age(cls, age: int | None) -> "AgeGroup":
        if age is None:
            return cls.UNKNOWN
        for limit, group in ((5, cls.UNDER_5), (12, cls.FROM_5), (18, cls.FROM_12), (60, cls.FROM_18)):
            if age < limit:
                return group
        return cls.OVER_60


class ServiceDelivery(Tracked):
    """One service or item given to a person or to a whole household at a service point."""

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="deliveries")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="deliveries")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    unit = models.CharField(_("unit"), max_length=30)
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-delivered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, household__isnull=True)
                | Q(person__isnull=True, household__isnull=False),
                name="delivery_to_person_xor_household",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_quantity_positive"),
        ]
        indexes = [models.Index(fields=["service_point", "delivered_at"], name="delivery_sp_day_idx")]


class AnonymousTally(Tracked):
    """People served without registration, counted by service, sex and age group."""

    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="tallies")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="tallies")
    day = models.DateField(_("day"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    age_group = models.CharField(_("age group"), max_length=8, choices=AgeGroup.choices)
    count = models.PositiveIntegerField(_("people"))

    class Meta:
        ordering = ["-day"]
        constraints = [models.CheckConstraint(condition=Q(count__gt=0), name="tally_count_positive")]
