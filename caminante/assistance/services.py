"""Recording services given and people served without registration."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.core.models import ServicePoint, ServiceType
from caminante.core.roles import FIELD_WRITERS
from caminante.core.scoping import require
from caminante.registry.models import Household, Person, Sex
from caminante.registry.services import acting_service_point, link_to_service_point

from .models import AgeGroup, AnonymousTally, ServiceDelivery


def _quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": _("Enter a number.")}) from exc
    if not quantity.is_finite() or quantity <= 0 or quantity > 100000:
        raise ValidationError({"quantity": _("The quantity must be more than 0 and at most 100000.")})
    return quantity


def _service_type(service_type) -> ServiceType:
    if isinstance(service_type, ServiceType):
        return service_type
    try:
        return ServiceType.objects.get(code=service_type, active=True)
    except ServiceType.DoesNotExist as exc:
        raise ValidationError({"service_type": _("Unknown service.")}) from exc


def record_delivery(
    user,
    *,
    service_type,
    person: Person | None = None,
    household: Household | None = None,
    quantity=1,
    unit: str = "",
    note: str = "",
    service_point: ServicePoint | None = None,
    delivered_at=None,
) -> ServiceDelivery:
    """Record a service given to a person or a household at a service point.

    The caller passes a person or household it fetched through a scoped selector."""
    scope = require(user, FIELD_WRITERS)
    if (person is None) == (household is None):
        raise ValidationError({"person": _("Choose either a person or a household.")})
    service_point = acting_service_point(scope, service_point)
    subject = person or household
    if subject.national_society_id != service_point.national_society_id:
        raise ValidationError({"person": _("This person is registered with another National Society.")})
    kind = _service_type(service_type)
    delivered_at = delivered_at or timezone.now()
    if delivered_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"delivered_at": _("A service cannot be recorded in the future.")})
    with transaction.atomic():
        delivery = ServiceDelivery.objects.create(
            national_society=service_point.national_society,
            service_point=service_point,
            service_type=kind,
            person=person,
            household=household,
            quantity=_quantity(quantity),
            unit=unit or kind.default_unit,
            note=note[:300],
            delivered_at=delivered_at,
            created_by=user,
            updated_by=user,
            created_at_point=service_point,
        )
        if person is not None:
            link_to_service_point(person, service_point)
        audit.record(
            user,
            "service.delivered",
            delivery,
            data={
                "service": kind.code,
                "quantity": delivery.quantity,
                "unit": delivery.unit,
                "person": str(person.pk) if person else "",
                "household": str(household.pk) if household else "",
            },
        )
    return delivery


def record_tally(
    user,
    *,
    service_type,
    sex: str,
    age_group: str,
    count,
    day: date | None = None,
    service_point: ServicePoint | None = None,
) -> AnonymousTally:
    """Count people served without registration, so indicators still include them."""
    scope = require(user, FIELD_WRITERS)
    service_point = acting_service_point(scope, service_point)
    errors = {}
    if sex not in Sex.values:
        errors["sex"] = _("Choose the sex.")
    if age_group not in AgeGroup.values:
        errors["age_group"] = _("Choose the age group.")
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 10000:
        errors["count"] = _("The number of people must be between 1 and 10000.")
    day = day or service_point.local_today()
    if day > service_point.local_today():
        errors["day"] = _("The day cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    kind = _service_type(service_type)
    with transaction.atomic():
        tally = AnonymousTally.objects.create(
            national_society=service_point.national_society,
            service_point=service_point,
            service_type=kind,
            day=day,
            sex=sex,
            age_group=age_group,
            count=count,
            created_by=user,
            updated_by=user,
            created_at_point=service_point,
        )
        audit.record(
            user,
            "tally.recorded",
            tally,
            data={"service": kind.code, "sex": sex, "age_group": age_group, "count": count},
        )
    return tally
