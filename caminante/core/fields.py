"""Form and API fields with the bounds every date and number in this platform has.

A date outside 1900–2100 is never a real date of this work and makes date arithmetic overflow
(9999-12-31 plus one day); it is refused with a translated message, in forms and API alike.
"""

from datetime import date, datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
DATE_RANGE_MESSAGE = _("Enter a date between 1900 and 2100.")


def _date_validators():
    return [
        MinValueValidator(EARLIEST, message=DATE_RANGE_MESSAGE),
        MaxValueValidator(LATEST, message=DATE_RANGE_MESSAGE),
    ]


class BoundedDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)
        self.validators.extend(_date_validators())


class ApiDateField(serializers.DateField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.extend(_date_validators())


class ApiDateTimeField(serializers.DateTimeField):
    """A date and time between 1900 and 2100 (checked on the UTC date, so no time zone shift
    can overflow)."""

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        day = (
            timezone.localtime(result, timezone.get_fixed_timezone(0)) if timezone.is_aware(result) else result
        ).date()
        if not EARLIEST <= day <= LATEST:
            raise serializers.ValidationError(str(DATE_RANGE_MESSAGE), code="date_range")
        return result


def in_date_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST
