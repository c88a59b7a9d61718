"""Office hours of a National Society's chat inbox, and the sentence that tells a person, at a
hand-over, when a person will answer.

A week is seven entries, Monday first, each "HH:MM-HH:MM" or "" (closed), in the National
Society's time zone. `when_answered` turns a week and a moment into one of:
- ("soon", None): open all day, or no hours at all (nothing better to promise);
- ("today_before", t): inside the hours, a person answers today before closing time t;
- ("today_from", t): the office opens later today at t;
- ("tomorrow_from", t) or ("weekday_from", t): the next day with hours, from its opening time.
A message in the last LAST_CALL minutes before closing is promised the next opening.
"""

import re
import zoneinfo
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit

from .models import OfficeHours, default_week

LAST_CALL = timedelta(minutes=30)
DAY = 24 * 60
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_range(text: str) -> tuple[int, int] | None:
    """'08:00-17:00' as minutes of the day (480, 1020); '' is closed (None); anything else ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    match = _RANGE.match(text)
    if not match:
        raise ValueError(text)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or h1 > 23 or end > DAY or start >= end:
        raise ValueError(text)
    return start, end


def clean_week(values: list[str]) -> list[str]:
    """Seven ranges checked and written the same way ("8:00 - 17:00" -> "08:00-17:00")."""
    if len(values) != 7:
        raise ValidationError(_("Give the hours of the seven days of the week."))
    week = []
    for value in values:
        value = str(value or "")[:20]
        try:
            parsed = parse_range(value)
        except ValueError as error:
            raise ValidationError(
                _("“%(value)s” is not a range of hours such as 08:00-17:00 (leave it empty for closed).")
                % {"value": value.strip()[:20]}
            ) from error
        week.append("" if parsed is None else f"{_hhmm(parsed[0])}-{_hhmm(parsed[1])}")
    return week


def day_names() -> list[str]:
    from django.utils.dates import WEEKDAYS

    return [str(WEEKDAYS[i]) for i in range(7)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def week_and_zone(national_society) -> tuple[list[str], str]:
    row = OfficeHours.objects.filter(national_society=national_society).first()
    if row is None:
        return default_week(), national_society.time_zone
    return list(row.week), row.time_zone or national_society.time_zone


def when_answered(week: list[str], time_zone: str, now: datetime) -> tuple[str, int | None, int]:
    """(kind, minutes of the day or None, weekday 0=Monday of that time) — see the module docstring."""
    ranges = []
    for value in (week or [])[:7]:
        try:
            ranges.append(parse_range(value))
        except ValueError:
            ranges.append(None)  # a broken entry counts as closed
    ranges += [None] * (7 - len(ranges))
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = now.astimezone(zone)
    minute, weekday = local.hour * 60 + local.minute, local.weekday()
    today = ranges[weekday]
    if today == (0, DAY):
        return "soon", None, weekday
    if today and today[0] <= minute < today[1] - LAST_CALL.seconds // 60:
        return "today_before", today[1], weekday
    if today and minute < today[0]:
        return "today_from", today[0], weekday
    for ahead in range(1, 8):
        day = (weekday + ahead) % 7
        if ranges[day]:
            return ("tomorrow_from" if ahead == 1 else "weekday_from"), ranges[day][0], day
    return "soon", None, weekday


def _weekday_sentence(day: int) -> str:
    # One whole sentence per day: the preposition and article change with the day in es and pt.
    return [
        _("A person from the team will answer you on Monday from %(time)s."),
        _("A person from the team will answer you on Tuesday from %(time)s."),
        _("A person from the team will answer you on Wednesday from %(time)s."),
        _("A person from the team will answer you on Thursday from %(time)s."),
        _("A person from the team will answer you on Friday from %(time)s."),
        _("A person from the team will answer you on Saturday from %(time)s."),
        _("A person from the team will answer you on Sunday from %(time)s."),
    ][day]


def current_time() -> datetime:
    """The clock of the hand-over sentence (tests set it)."""
    return timezone.now()


def answer_time_sentence(national_society, now: datetime | None = None) -> str:
    """When a person will answer, in the active language (call inside translation.override)."""
    week, zone = week_and_zone(national_society)
    kind, minutes, day = when_answered(week, zone, now or current_time())
    time = _hhmm(minutes) if minutes is not None else ""
    if kind == "today_before":
        return _("A person from the team will answer you soon, today before %(time)s.") % {"time": time}
    if kind == "today_from":
        return _("A person from the team will answer you today from %(time)s.") % {"time": time}
    if kind == "tomorrow_from":
        return _("A person from the team will answer you tomorrow from %(time)s.") % {"time": time}
    if kind == "weekday_from":
        return _weekday_sentence(day) % {"time": time}
    return _("A person from the team will answer you soon.")


def set_office_hours(user, *, national_society, week: list[str], time_zone: str = "") -> OfficeHours:
    """An administrator sets when people answer the National Society's chat (hours.py)."""
    from caminante.core.roles import Role
    from caminante.core.scoping import require

    scope = require(user, {Role.ADMIN})
    if not scope.is_global and national_society.pk != scope.national_society_id:
        raise PermissionDenied("office hours of another National Society")
    week = clean_week(week)
    time_zone = (time_zone or "").strip()[:64]
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone such as America/Bogota."))
    with transaction.atomic():
        row, _created = OfficeHours.objects.update_or_create(
            national_society=national_society,
            defaults={"week": week, "time_zone": time_zone, "updated_by": user, "updated_at": timezone.now()},
        )
        audit.record(user, "channels.office_hours.set", row, data={"week": week, "time_zone": time_zone})
    return row
