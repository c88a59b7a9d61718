"""A vendor statement (settlement) for finance: one function builds the rows, two writers (CSV, XLSX).

No personal data: the voucher shows its last four characters only. Amounts are Decimal with two
decimals; in the workbook they are numbers (format 0.00) so finance can add them up, with the
currency in its own column.
"""

import csv
import io
from decimal import Decimal

from .models import Settlement

HEADER = ["vendor", "period_start", "period_end", "redeemed_at", "voucher", "amount", "currency"]
AMOUNT_COLUMN = HEADER.index("amount")
CENT = Decimal("0.01")


def statement_rows(settlement: Settlement) -> list[list]:
    """The header, one row per redemption (oldest first) and the TOTAL row; amounts as Decimal."""
    vendor = settlement.vendor.name
    rows: list[list] = [list(HEADER)]
    for r in settlement.redemptions.select_related("voucher").order_by("redeemed_at", "id"):
        rows.append(
            [
                vendor,
                settlement.period_start,
                settlement.period_end,
                r.redeemed_at.isoformat(),
                "…" + r.voucher.code[-4:],
                r.amount.quantize(CENT),
                settlement.currency,
            ]
        )
    rows.append(
        [
            vendor,
            settlement.period_start,
            settlement.period_end,
            "TOTAL",
            "",
            settlement.amount.quantize(CENT),
            settlement.currency,
        ]
    )
    return rows


def to_csv(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def to_xlsx(rows: list[list], title: str = "statement") -> bytes:
    """The same rows as a workbook: dates as text (ISO), amounts as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for i, row in enumerate(rows):
        cells = []
        for j, value in enumerate(row):
            if i and j == AMOUNT_COLUMN and isinstance(value, Decimal):
                cells.append(value)  # written as a number (openpyxl takes Decimal), shown with 2 decimals
            else:
                cells.append(str(value) if value is not None else "")
        sheet.append(cells)
        if i:
            sheet.cell(row=i + 1, column=AMOUNT_COLUMN + 1).number_format = "0.00"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[len(rows)]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = [24, 12, 12, 28, 10, 14, 9]
    for column, width in zip("ABCDEFG", widths, strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
