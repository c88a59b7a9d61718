"""Directory import/export as CSV and XLSX with HXL hashtags: line-numbered errors, all-or-nothing, round trip."""
# ruff: noqa: F811 - pytest fixtures imported from tests/test_referrals_builders.py

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook, load_workbook

from caminante.core.models import AuditEvent, PartnerOrganisation
from caminante.referrals import importexport
from caminante.referrals.models import DirectoryService
from tests.test_referrals_builders import add_service

pytestmark = pytest.mark.django_db

HEADER = ["Organización", "Servicio", "Tipo", "Ciudad", "Lat", "Lon", "Correo", "Verificado", "Notas"]
TAGS = [
    "#org +name",
    "#service+name",
    "#service+type",
    "#adm2+name",
    "#geo+lat",
    "#geo+lon",
    "#contact+email",
    "#date+verified",
    "#x_unknown",
]


def csv_bytes(rows, delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode()


def good_rows():
    return [
        ["Clínica A", "Asesoría", "legal-aid", "Cúcuta", "7.89", "-72.50", "a@example.org", "2025-01-10", "x"],
        ["Refugio B", "Albergue", "shelter", "Maicao", "11,38", "-72.24", "b@example.org", "10/02/2025", ""],
    ]


def test_csv_import_creates_organisations_and_services(users):
    result = importexport.import_directory(users["datamanager.co"], "mapa.csv", csv_bytes([HEADER, TAGS, *good_rows()]))
    assert (result.created, result.updated) == (2, 0)
    shelter = DirectoryService.objects.get(name="Albergue")
    assert str(shelter.latitude) == "11.380000" and shelter.last_verified.isoformat() == "2025-02-10"
    assert shelter.organisation.name == "Refugio B" and shelter.national_society.country.code == "CO"
    assert PartnerOrganisation.objects.filter(name="Clínica A").count() == 1
    assert AuditEvent.objects.filter(action="directory.imported").exists()
    # re-importing the same sheet updates, never duplicates
    result = importexport.import_directory(
        users["datamanager.co"], "mapa.csv", csv_bytes([HEADER, TAGS, *good_rows()], ";")
    )
    assert (result.created, result.updated) == (0, 2)
    assert DirectoryService.objects.count() == 2


def test_a_bad_row_imports_nothing_and_names_its_line(users):
    rows = good_rows() + [
        ["Clínica C", "Mala", "not-a-type", "Cúcuta", "7.9", "-72.5", "c@example.org", "", ""],
        ["Clínica D", "Lejos", "legal-aid", "Cúcuta", "97", "-72.5", "d@example.org", "", ""],
        ["Clínica E", "", "legal-aid", "Cúcuta", "abc", "-72.5", "e@example.org", "ayer", ""],
    ]
    with translation.override("en"), pytest.raises(importexport.ImportFailed) as exc:
        importexport.import_directory(users["datamanager.co"], "mapa.csv", csv_bytes([HEADER, TAGS, *rows]))
    errors = exc.value.errors
    by_line = {e.line: str(e) for e in errors}
    assert set(by_line) == {5, 6, 7}
    assert "Line 5" in by_line[5] and "not-a-type" in by_line[5]
    assert "Line 6" in by_line[6] and "atitude" in by_line[6]
    assert "Service is empty" in by_line[7]
    assert not DirectoryService.objects.exists() and not PartnerOrganisation.objects.exists()


def test_errors_are_translated(users):
    rows = [["Clínica C", "Mala", "not-a-type", "Cúcuta", "7.9", "-72.5", "c@example.org", "", ""]]
    with translation.override("es"), pytest.raises(importexport.ImportFailed) as exc:
        importexport.import_directory(users["datamanager.co"], "m.csv", csv_bytes([HEADER, TAGS, *rows]))
    assert str(exc.value.errors[0]).startswith("Línea 3")


def test_missing_columns_and_missing_hashtag_row(users):
    with translation.override("en"), pytest.raises(importexport.ImportFailed) as exc:
        importexport.import_directory(users["datamanager.co"], "m.csv", csv_bytes([HEADER, good_rows()[0]]))
    assert "No HXL hashtag row" in str(exc.value.errors[0])
    with translation.override("en"), pytest.raises(importexport.ImportFailed) as exc:
        importexport.import_directory(users["datamanager.co"], "m.csv", csv_bytes([HEADER[:2], TAGS[:2], ["a", "b"]]))
    assert "Missing columns" in str(exc.value.errors[0]) and "#geo+lat" in str(exc.value.errors[0])
    with pytest.raises(importexport.ImportFailed):
        importexport.import_directory(users["datamanager.co"], "m.pdf", b"%PDF")


def test_rows_of_another_country_are_refused(users):
    rows = [["Clínica", "S", "legal-aid", "Lima", "-12", "-77", "x@example.org", "", ""]]
    header, tags = [*HEADER, "País"], [*TAGS, "#country+code"]
    with translation.override("en"), pytest.raises(importexport.ImportFailed) as exc:
        importexport.import_directory(users["datamanager.co"], "m.csv", csv_bytes([header, tags, [*rows[0], "PE"]]))
    assert "not your National Society" in str(exc.value.errors[0])


def test_only_directory_managers_import(users):
    with pytest.raises(PermissionDenied):
        importexport.import_directory(users["volunteer.co"], "m.csv", csv_bytes([HEADER, TAGS, *good_rows()]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip(users, catalogue, fmt):
    dm = users["datamanager.co"]
    add_service(
        name="Asesoría, con coma", free=False, cost_note="5.000 COP", languages="es,wayuu", what_to_bring="Cédula"
    )
    add_service(name="Albergue", service_type="shelter", published=False, last_verified=None, referral_channel="phone")
    add_service(country="PE", name="Not exported", city="Lima")
    before = {s.pk: _snapshot(s) for s in DirectoryService.objects.filter(national_society__country="CO")}
    content, content_type, filename = importexport.export_directory(dm, fmt)
    assert filename.endswith(f".{fmt}") and content
    rows = _read(content, fmt)
    assert rows[1][0] == "#service+id" and "#geo+lat" in rows[1]
    assert len(rows) == 4  # header, hashtags, two Colombian services
    assert not any("Not exported" in str(cell) for row in rows for cell in row)
    # change the export's cells as a partner would, then load it back
    DirectoryService.objects.update(opening_hours="changed")
    result = importexport.import_directory(dm, filename, content)
    assert (result.created, result.updated) == (0, 2)
    after = {s.pk: _snapshot(s) for s in DirectoryService.objects.filter(national_society__country="CO")}
    assert after == before


def _snapshot(service):
    return {
        f: getattr(service, f) for f in importexport.LABELS if hasattr(service, f) and f not in ("id", "organisation")
    }


def _read(content, fmt):
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_xlsx_import_with_dates_and_numbers(users):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Note above the header"])
    sheet.append(HEADER)
    sheet.append(TAGS)
    import datetime

    sheet.append(
        ["Clínica X", "Asesoría", "legal-aid", "Cúcuta", 7.8912, -72.5, "x@example.org", datetime.datetime(2025, 3, 1)]
    )
    sheet.append(["Clínica X", "Asesoría", "legal-aid", "Cúcuta", 7.8912, -72.5, "x@example.org", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with translation.override("en"), pytest.raises(importexport.ImportFailed) as exc:
        importexport.import_directory(users["datamanager.co"], "x.xlsx", buffer.getvalue())
    assert exc.value.errors[0].line == 5 and "twice" in str(exc.value.errors[0])
    sheet.delete_rows(5)
    buffer = io.BytesIO()
    workbook.save(buffer)
    importexport.import_directory(users["datamanager.co"], "x.xlsx", buffer.getvalue())
    service = DirectoryService.objects.get()
    assert service.last_verified.isoformat() == "2025-03-01" and str(service.latitude) == "7.891200"
