"""Aggregates of community feedback: dashboards, trends and exports.

Aggregates only, never a name, a contact or the words, and small cells (fewer than
CAMINANTE_REPORT_MIN_CELL) hidden. Confidential items appear only as one count.
"""

import csv
import io
import statistics
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from caminante.core.roles import AGGREGATE_READERS, HSP_ROLES
from caminante.core.scoping import Scope, by_national_society

from .framework import tree
from .models import Channel, FeedbackItem, Sensitivity, Status


def min_cell() -> int:
    return getattr(settings, "REPORT_MIN_CELL", 5)


def suppress(value: int):
    return None if 0 < value < min_cell() else value


def _scoped(user) -> QuerySet[FeedbackItem]:
    scope = Scope.of(user).require(AGGREGATE_READERS)
    qs = by_national_society(FeedbackItem.objects.all(), scope)
    if scope.role in HSP_ROLES:
        qs = qs.filter(service_point_id=scope.service_point_id)
    return qs


def week_start(moment: datetime) -> date:
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return day - timedelta(days=day.weekday())


def _type_of(row: dict) -> str:
    return row["type_key"] or row["suggested_type"]


def _category_of(row: dict) -> str:
    return row["category_key"] or row["suggested_category"]


@dataclass
class Bar:
    label: str
    value: int | None  # None: hidden (small cell)
    share: float = 0.0


def _bars(counter: Counter, labels=None, limit: int | None = None) -> list[Bar]:
    top = max(counter.values(), default=0)
    bars = []
    for key, value in counter.most_common(limit):
        shown = suppress(value)
        bars.append(Bar(str((labels or {}).get(key, key)), shown, (value / top * 100) if top and shown else 0))
    return bars


@dataclass
class Dashboard:
    total: int | None = 0
    confidential: int | None = 0
    by_type: list = field(default_factory=list)
    by_category: list = field(default_factory=list)
    by_channel: list = field(default_factory=list)
    by_country: list = field(default_factory=list)
    by_week: list = field(default_factory=list)
    median_hours_to_answer: float | None = None
    answered: int = 0
    within_target_share: float | None = None
    open_overdue: int | None = 0
    min_cell: int = 5
    weeks: int = 12


FIELDS = ["type_key", "suggested_type", "category_key", "suggested_category", "channel", "received_at"]


def dashboard(user, weeks: int = 12) -> Dashboard:
    since = timezone.now() - timedelta(weeks=weeks)
    qs = _scoped(user).filter(received_at__gte=since)
    ordinary = qs.filter(sensitivity=Sensitivity.NOT_SENSITIVE)
    labels = tree().by_key
    rows = list(ordinary.values(*FIELDS, "national_society__country", "answered_at", "due_at", "status"))
    report = Dashboard(min_cell=min_cell(), weeks=weeks)
    report.total = suppress(len(rows))
    report.confidential = suppress(qs.exclude(sensitivity=Sensitivity.NOT_SENSITIVE).count())
    type_labels = {k: e.label for k, e in labels.items()}
    report.by_type = _bars(Counter(_type_of(r) for r in rows), type_labels)
    report.by_category = _bars(Counter(_category_of(r) for r in rows), type_labels, limit=12)
    report.by_channel = _bars(Counter(r["channel"] for r in rows), dict(Channel.choices))
    report.by_country = _bars(Counter(str(r["national_society__country"]) for r in rows))
    weeks_counter = Counter(week_start(r["received_at"]).isoformat() for r in rows)
    top = max(weeks_counter.values(), default=0)
    report.by_week = [
        Bar(w, suppress(v), (v / top * 100) if top and suppress(v) else 0) for w, v in sorted(weeks_counter.items())
    ]
    hours = [(r["answered_at"] - r["received_at"]).total_seconds() / 3600 for r in rows if r["answered_at"]]
    report.answered = len(hours)
    if len(hours) >= min_cell():
        report.median_hours_to_answer = round(statistics.median(hours), 1)
    with_target = [r for r in rows if r["due_at"] and r["answered_at"]]
    if len(with_target) >= min_cell():
        report.within_target_share = round(
            100 * sum(r["answered_at"] <= r["due_at"] for r in with_target) / len(with_target)
        )
    now = timezone.now()
    report.open_overdue = suppress(
        sum(
            1
            for r in rows
            if r["due_at"] and r["due_at"] < now and not r["answered_at"] and r["status"] != Status.CLOSED
        )
    )
    return report


@dataclass
class TrendRow:
    label: str
    this_week: int | None
    last_week: int | None
    change: int | None


@dataclass
class CountryTrends:
    country: str
    questions: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    rumours: list = field(default_factory=list)


def trends(user, today: date | None = None, top: int = 5) -> list[CountryTrends]:
    """Top questions, complaints and rumours (by cluster, else category) this week against last."""
    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    last_monday = this_monday - timedelta(days=7)
    start = timezone.make_aware(datetime.combine(last_monday, datetime.min.time()))
    qs = _scoped(user).filter(received_at__gte=start, sensitivity=Sensitivity.NOT_SENSITIVE)
    labels = {k: e.label for k, e in tree().by_key.items()}
    counts: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in qs.values(*FIELDS, "national_society__country", "cluster__name"):
        week = 0 if week_start(row["received_at"]) >= this_monday else 1
        kind = _type_of(row)
        if kind == "question":
            key = ("questions", labels.get(_category_of(row), _category_of(row)))
        elif kind == "concern":
            key = ("complaints", labels.get(_category_of(row), _category_of(row)))
        elif kind == "observation":
            key = ("rumours", row["cluster__name"] or labels.get(_category_of(row), _category_of(row)))
        else:
            continue
        counts[str(row["national_society__country"])][key][week] += 1
    result = []
    for country in sorted(counts):
        entry = CountryTrends(country)
        for section in ("questions", "complaints", "rumours"):
            rows = [(label, v) for (s, label), v in counts[country].items() if s == section]
            rows.sort(key=lambda x: (-x[1][0], -x[1][1], x[0]))
            for label, (now_count, before) in rows[:top]:
                shown_now, shown_before = suppress(now_count), suppress(before)
                change = now_count - before if shown_now is not None and shown_before is not None else None
                getattr(entry, section).append(TrendRow(label, shown_now, shown_before, change))
        result.append(entry)
    return result


HXL = ["#date+week", "#country+code", "#indicator+type", "#indicator+category", "#meta+channel", "#indicator+num"]
HEADER = ["week", "country", "type", "category", "channel", "count"]


def export_rows(user, weeks: int = 12) -> list[list]:
    """Counts by week, country, type, category and channel; confidential items as one count per
    week and country with no category; cells under the minimum shown as "<5"."""
    since = timezone.now() - timedelta(weeks=weeks)
    qs = _scoped(user).filter(received_at__gte=since)
    counter: Counter = Counter()
    for row in qs.values(*FIELDS, "national_society__country", "sensitivity"):
        week = week_start(row["received_at"]).isoformat()
        country = str(row["national_society__country"])
        if row["sensitivity"] != Sensitivity.NOT_SENSITIVE:
            counter[(week, country, "confidential", "", "")] += 1
        else:
            counter[(week, country, _type_of(row), _category_of(row), row["channel"])] += 1
    rows = []
    for key in sorted(counter):
        value = suppress(counter[key])
        rows.append([*key, value if value is not None else f"<{min_cell()}"])
    return rows


def as_csv(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow(HXL)
    writer.writerows(rows)
    return buffer.getvalue()


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def as_xlsx(rows: list[list]) -> bytes:
    """A minimal XLSX workbook (one sheet, inline strings), no dependency needed."""
    lines = []
    for r, row in enumerate([HEADER, HXL, *rows], start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="feedback" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@dataclass
class AccuracyRow:
    language: str
    decisions: int
    type_accuracy: float | None
    category_accuracy: float | None
    sensitive_missed: int  # decided sensitive, suggested not sensitive: the worst error


def classifier_accuracy(user, days: int = 90) -> list[AccuracyRow]:
    """How often people confirmed the classifier's suggestion, per language, from the decisions
    kept when items are coded (counts only; a language with fewer decisions than the minimum
    cell shows no percentage)."""
    from .models import ClassificationCorrection

    scope = Scope.of(user).require(AGGREGATE_READERS)
    qs = by_national_society(ClassificationCorrection.objects.all(), scope)
    qs = qs.filter(decided_at__gte=timezone.now() - timedelta(days=days))
    rows: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0])
    for row in qs.values(
        "language",
        "suggested_type",
        "final_type",
        "suggested_category",
        "final_category",
        "suggested_sensitivity",
        "final_sensitivity",
    ):
        for key in (row["language"], "all"):
            counts = rows[key]
            counts[0] += 1
            counts[1] += row["suggested_type"] == row["final_type"]
            counts[2] += row["suggested_category"] == row["final_category"]
            counts[3] += row["final_sensitivity"] == "sensitive" and row["suggested_sensitivity"] == "not_sensitive"
    result = []
    for language in sorted(rows, key=lambda k: (k == "all", k)):
        n, type_ok, category_ok, missed = rows[language]
        shown = n >= min_cell()
        result.append(
            AccuracyRow(
                language,
                n,
                round(100 * type_ok / n, 1) if shown else None,
                round(100 * category_ok / n, 1) if shown else None,
                missed,
            )
        )
    return result
