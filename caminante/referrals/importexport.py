"""Import and export of the referral directory as CSV or XLSX with HXL hashtags.

The sheet has a header row, then a row of HXL hashtags (https://hxlstandard.org), then one row
per service. Columns are found by their hashtag (attribute order and case do not matter), so
existing 3W/4W and service-mapping sheets load once their columns carry these tags; columns
without a known tag are ignored. An import is all-or-nothing: every row is checked first, and
one bad row means nothing changes; each error names its line in the file.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caminante.core import audit
from caminante.core.models import NationalSociety, PartnerOrganisation
from caminante.core.scoping import Scope

from .models import DirectoryService, ReferralChannel
from .selectors import DIRECTORY_MANAGERS, directory_for
from .services import validate_service

# field, header, hashtag
COLUMNS = [
    ("id", gettext_lazy("Id"), "#service+id"),
    ("country", gettext_lazy("Country"), "#country+code"),
    ("organisation", gettext_lazy("Organisation"), "#org+name"),
    ("organisation_type", gettext_lazy("Organisation type"), "#org+type"),
    ("name", gettext_lazy("Service"), "#service+name"),
    ("service_type", gettext_lazy("Service type"), "#service+type"),
    ("description", gettext_lazy("Description"), "#description"),
    ("eligibility", gettext_lazy("Who can use it"), "#meta+eligibility"),
    ("languages", gettext_lazy("Languages"), "#meta+languages"),
    ("free", gettext_lazy("Free"), "#meta+free"),
    ("cost_note", gettext_lazy("Cost"), "#meta+cost"),
    ("opening_hours", gettext_lazy("Opening hours"), "#meta+hours"),
    ("what_to_bring", gettext_lazy("What to bring"), "#meta+bring"),
    ("admin_area", gettext_lazy("Department / state"), "#adm1+name"),
    ("city", gettext_lazy("City"), "#adm2+name"),
    ("address", gettext_lazy("Address"), "#loc+address"),
    ("latitude", gettext_lazy("Latitude"), "#geo+lat"),
    ("longitude", gettext_lazy("Longitude"), "#geo+lon"),
    ("phone", gettext_lazy("Phone"), "#contact+phone"),
    ("email", gettext_lazy("E-mail"), "#contact+email"),
    ("whatsapp", gettext_lazy("WhatsApp"), "#contact+whatsapp"),
    ("website", gettext_lazy("Website"), "#contact+url"),
    ("accepts_referrals", gettext_lazy("Accepts referrals"), "#meta+referrals"),
    ("referral_channel", gettext_lazy("Referrals by"), "#meta+referral_channel"),
    ("last_verified", gettext_lazy("Last verified"), "#date+verified"),
    ("published", gettext_lazy("Public"), "#status+published"),
]
REQUIRED = ["organisation", "name", "service_type", "city", "latitude", "longitude"]
MAX_ROWS = 20000
TRUE = {"1", "true", "yes", "y", "x", "si", "sí", "sim", "verdadero", "verdadeiro"}
FALSE = {"0", "false", "no", "n", "não", "nao", "falso", ""}


def normalise_tag(tag: str) -> str:
    """'#Org +Name' and '#org+name' are the same hashtag; attributes in any order."""
    parts = [p.strip().lower() for p in str(tag).strip().split("+")]
    if not parts or not parts[0].startswith("#"):
        return ""
    return "+".join([parts[0].replace(" ", ""), *sorted(p for p in parts[1:] if p)])


TAG_TO_FIELD = {normalise_tag(tag): name for name, _header, tag in COLUMNS}
LABELS = {name: header for name, header, _tag in COLUMNS}


@dataclass
class RowError:
    line: int
    message: str

    def __post_init__(self):
        # Formatted now, in the language of the request that caused it.
        self.text = _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}

    def __str__(self) -> str:
        return self.text


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportResult:
    created: int
    updated: int


# ---- reading files ------------------------------------------------------------------------------


def read_rows(filename: str, content: bytes) -> list[tuple[int, list]]:
    """(line number in the file, cells) for every row of a CSV or XLSX file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    if filename.lower().endswith((".csv", ".txt")):
        return _read_csv(content)
    raise ImportFailed([RowError(0, _("Upload a .csv or .xlsx file."))])


def _read_csv(content: bytes) -> list[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = []
    start = 1
    for cells in reader:
        rows.append((start, cells))
        start = reader.line_num + 1
    return rows


def _read_xlsx(content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same error for the user
        raise ImportFailed([RowError(0, _("The file is not a readable XLSX workbook."))]) from exc
    sheet = workbook.worksheets[0]
    rows = [(i, list(cells)) for i, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    workbook.close()
    return rows


def _find_tags(rows: list[tuple[int, list]]) -> tuple[int, dict[int, str]]:
    """Index of the hashtag row (within the first 10 rows) and column -> field."""
    for index, (_line, cells) in enumerate(rows[:10]):
        filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
        if filled and all(c.startswith("#") for c in filled):
            columns = {}
            for col, cell in enumerate(cells):
                field = TAG_TO_FIELD.get(normalise_tag(cell or ""))
                if field and field not in columns.values():
                    columns[col] = field
            return index, columns
    raise ImportFailed([RowError(rows[0][0] if rows else 1, _("No HXL hashtag row found under the header."))])


# ---- parsing values -----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bool(value, field: str) -> bool:
    text = _text(value).lower()
    if isinstance(value, bool):
        return value
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(_("%(column)s must be yes or no, not “%(value)s”.") % {"column": LABELS[field], "value": text})


def _decimal(value, field: str) -> Decimal:
    text = _text(value).replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            _("%(column)s must be a number, not “%(value)s”.") % {"column": LABELS[field], "value": text}
        ) from None
    if not number.is_finite():
        raise ValueError(_("%(column)s must be a number.") % {"column": LABELS[field]})
    return number.quantize(Decimal("0.000001"))


def _date(value, field: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        _("%(column)s must be a date like 2025-03-31, not “%(value)s”.") % {"column": LABELS[field], "value": text}
    )


def _channel(value) -> str:
    text = _text(value).lower()
    aliases = {
        "": ReferralChannel.EMAIL,
        "e-mail": ReferralChannel.EMAIL,
        "correo": ReferralChannel.EMAIL,
        "partner account": ReferralChannel.PARTNER_ACCOUNT,
        "cuenta": ReferralChannel.PARTNER_ACCOUNT,
        "teléfono": ReferralChannel.PHONE,
        "telefono": ReferralChannel.PHONE,
        "telefone": ReferralChannel.PHONE,
    }
    text = aliases.get(text, text)
    if text not in ReferralChannel.values:
        raise ValueError(
            _("Referrals by must be one of %(choices)s, not “%(value)s”.")
            % {"choices": ", ".join(ReferralChannel.values), "value": text}
        )
    return text


# ---- import -------------------------------------------------------------------------------------


def _row_values(cells: list, columns: dict[int, str]) -> dict:
    return {field: (cells[col] if col < len(cells) else None) for col, field in columns.items()}


def import_directory(user, filename: str, content: bytes) -> ImportResult:
    """Load a CSV or XLSX sheet into the user's National Society's directory, all or nothing.

    Rows are matched to existing entries by id, else by organisation, name and city; the others
    are created. Raises ImportFailed with every row error (line-numbered, translated)."""
    scope = Scope.of(user).require(DIRECTORY_MANAGERS)
    rows = read_rows(filename, content)
    tag_index, columns = _find_tags(rows)
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        raise ImportFailed(
            [
                RowError(
                    rows[tag_index][0],
                    _("Missing columns: %(columns)s.")
                    % {
                        "columns": ", ".join(
                            f"{LABELS[f]} ({dict((n, t) for n, _h, t in COLUMNS)[f]})" for f in missing
                        )
                    },
                )
            ]
        )
    data_rows = [(line, cells) for line, cells in rows[tag_index + 1 :] if any(_text(c) for c in cells)]
    if len(data_rows) > MAX_ROWS:
        raise ImportFailed([RowError(0, _("Too many rows (at most %(max)s).") % {"max": MAX_ROWS})])
    if not data_rows:
        raise ImportFailed([RowError(rows[tag_index][0], _("The file has no rows to import."))])

    own_ns = NationalSociety.objects.get(pk=scope.national_society_id) if not scope.is_global else None
    countries = {ns.country.code: ns for ns in NationalSociety.objects.all()}
    errors: list[RowError] = []
    planned: list[tuple[int, DirectoryService, str, str]] = []
    seen: set[tuple] = set()
    organisations: dict[tuple, PartnerOrganisation] = {}
    for line, cells in data_rows:
        values = _row_values(cells, columns)
        try:
            country = _text(values.get("country")).upper()
            if own_ns is not None:
                if country and country != own_ns.country.code:
                    raise ValueError(
                        _("Country %(country)s is not your National Society's (%(own)s).")
                        % {"country": country, "own": own_ns.country.code}
                    )
                ns = own_ns
            else:
                ns = countries.get(country)
                if ns is None:
                    raise ValueError(_("Unknown country “%(country)s” (use ISO codes like CO).") % {"country": country})
            for field in REQUIRED:
                if not _text(values.get(field)):
                    raise ValueError(_("%(column)s is empty.") % {"column": LABELS[field]})
            org_name = _text(values["organisation"])[:200]
            org_key = (ns.pk, org_name.lower())
            organisation = organisations.get(org_key)
            if organisation is None:
                organisation = PartnerOrganisation.objects.filter(national_society=ns, name__iexact=org_name).first()
                organisation = organisation or PartnerOrganisation(
                    national_society=ns, name=org_name, kind=_text(values.get("organisation_type"))[:60]
                )
                organisations[org_key] = organisation
            service = None
            service_id = _text(values.get("id"))
            if service_id:
                try:
                    service = DirectoryService.objects.filter(pk=service_id, national_society=ns).first()
                except ValidationError:
                    raise ValueError(_("Id “%(value)s” is not a valid id.") % {"value": service_id}) from None
                if service is None:
                    raise ValueError(_("No entry with id %(value)s in this directory.") % {"value": service_id})
            elif organisation.pk:
                service = DirectoryService.objects.filter(
                    national_society=ns,
                    organisation=organisation,
                    name__iexact=_text(values["name"]),
                    city__iexact=_text(values["city"]),
                ).first()
            action = "update" if service else "create"
            service = service or DirectoryService(national_society=ns)
            service.organisation = organisation
            for field in (
                "name",
                "service_type",
                "description",
                "eligibility",
                "cost_note",
                "opening_hours",
                "what_to_bring",
                "admin_area",
                "city",
                "address",
                "phone",
                "email",
                "whatsapp",
                "website",
            ):
                if field in values:
                    setattr(service, field, _text(values[field]))
            if "languages" in values:
                langs = [c.strip().lower() for c in _text(values["languages"]).replace(";", ",").split(",")]
                service.languages = ",".join(c for c in langs if c) or "es"
            service.latitude = _decimal(values["latitude"], "latitude")
            service.longitude = _decimal(values["longitude"], "longitude")
            for field in ("free", "accepts_referrals", "published"):
                if field in values and _text(values[field]):
                    setattr(service, field, _bool(values[field], field))
            if "referral_channel" in values:
                service.referral_channel = _channel(values["referral_channel"])
            if "last_verified" in values:
                service.last_verified = _date(values["last_verified"], "last_verified")
            key = (ns.pk, org_name.lower(), service.name.lower(), service.city.lower())
            if key in seen:
                raise ValueError(_("The same service appears twice in the file."))
            seen.add(key)
            validate_service(service)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = LABELS.get(field, field)
                errors.extend(RowError(line, f"{label}: {m}") for m in messages)
            continue
        planned.append((line, service, action, org_name))
    if errors:
        raise ImportFailed(errors)

    created = updated = 0
    now = timezone.now()
    with transaction.atomic():
        for organisation in organisations.values():
            if organisation.pk is None or organisation._state.adding:
                organisation.created_by = user
                organisation.updated_by = user
                organisation.save()
        for _line, service, action, _org in planned:
            service.organisation = service.organisation  # re-bind the saved organisation's id
            service.updated_by = user
            if action == "create":
                service.created_by = user
                service.created_at = now
                created += 1
            else:
                updated += 1
            service.save()
        audit.record(
            user,
            "directory.imported",
            data={"file": filename[:200], "created": created, "updated": updated},
            national_society_id=scope.national_society_id,
        )
    return ImportResult(created, updated)


# ---- export -------------------------------------------------------------------------------------


def _cell(service: DirectoryService, field: str):
    if field == "id":
        return str(service.pk)
    if field == "country":
        return service.national_society.country.code
    if field == "organisation":
        return service.organisation.name
    if field == "organisation_type":
        return service.organisation.kind
    value = getattr(service, field)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value or ""


def export_rows(user) -> list[list]:
    services = directory_for(user).order_by("national_society__country", "city", "name")
    header = [str(h) for _f, h, _t in COLUMNS]
    tags = [t for _f, _h, t in COLUMNS]
    return [header, tags, *([_cell(s, f) for f, _h, _t in COLUMNS] for s in services)]


def export_directory(user, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the user's directory as CSV or XLSX with HXL tags."""
    Scope.of(user).require(DIRECTORY_MANAGERS)
    rows = export_rows(user)
    stamp = timezone.now().strftime("%Y%m%d")
    audit.record(user, "directory.exported", data={"format": fmt, "rows": len(rows) - 2})
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("directory")
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return (
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"directory-{stamp}.xlsx",
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"directory-{stamp}.csv"
