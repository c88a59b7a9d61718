"""The vendor statement for finance: the XLSX has the same rows as the CSV, to the cent."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from caminante.cash import services
from caminante.core.models import AuditEvent
from tests.builders import fast_hashing  # noqa: F401
from tests.test_cash_helpers import voucher_world

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_statement_xlsx_matches_the_csv_to_the_cent(users, sp_co):
    _prog, shop, (first, second) = voucher_world(users, sp_co)
    for code, amount, key in ((first.code, "12.34", "a"), (second.code, "0.10", "b"), (first.code, "7", "c")):
        services.redeem(users["vendor.co"], code=code, amount=amount, idempotency_key=key)
    today = timezone.localdate()
    (settlement,) = services.create_settlement(users["officer.co"], shop, today, today)
    officer = _client(users["officer.co"])
    raw_csv = officer.get(reverse("cash-settlement-export", args=[settlement.pk])).content.decode()
    response = officer.get(reverse("cash-settlement-export-xlsx", args=[settlement.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    csv_rows = list(csv.reader(io.StringIO(raw_csv)))
    assert len(xlsx_rows) == len(csv_rows) == 5  # header, 3 redemptions, total
    assert xlsx_rows[0] == csv_rows[0] and "currency" in csv_rows[0]
    amount = csv_rows[0].index("amount")
    for x_row, c_row in zip(xlsx_rows[1:], csv_rows[1:], strict=True):
        assert isinstance(x_row[amount], int | float)  # a number finance can add up
        assert Decimal(str(x_row[amount])).quantize(Decimal("0.01")) == Decimal(c_row[amount])
        assert ["" if v is None else str(v) for i, v in enumerate(x_row) if i != amount] == [
            v for i, v in enumerate(c_row) if i != amount
        ]
    assert csv_rows[-1][3] == "TOTAL" and Decimal(csv_rows[-1][amount]) == Decimal("19.44")
    assert sum(Decimal(r[amount]) for r in csv_rows[1:-1]) == Decimal("19.44")
    assert sheet.cell(row=2, column=amount + 1).number_format == "0.00"
    assert first.code not in raw_csv and first.code not in str(xlsx_rows)
    assert (
        _client(users["officer.pe"]).get(reverse("cash-settlement-export-xlsx", args=[settlement.pk])).status_code
        == 404
    )
    assert AuditEvent.objects.filter(action="cash.settlement.export", data__format="xlsx").exists()
