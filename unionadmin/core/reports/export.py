"""Report files: xlsx (Vietnamese headers, number and date formats, no formulas) and PDF."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"
#: Spreadsheet programs run text beginning with these as a formula (CSV/xlsx injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as text, never runs."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(sheet, value: Any, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = safe_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, bool):
        cell.value = _("Yes") if value else ""
    elif isinstance(value, datetime | date):
        cell.number_format = "DD/MM/YYYY"
    elif isinstance(value, int):
        cell.number_format = "#,##0"
    elif isinstance(value, float):
        cell.number_format = "#,##0.0"
    if bold:
        cell.font = Font(bold=True)
    return cell


def period_text(result: dict[str, Any]) -> str:
    params = result["params"]
    first, last = params.get("date_from"), params.get("date_to")
    text = result["unit"]["name"]
    if first and last:
        text += " · " + _("from %(first)s to %(last)s", first=vn_date(first), last=vn_date(last))
    return text


def vn_date(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y") if value else ""


def to_xlsx(result: dict[str, Any]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=result["name"][:31])
    columns = result["columns"]
    sheet.append([_cell(sheet, result["title"], bold=True)])
    sheet.append([_cell(sheet, period_text(result))])
    sheet.append([])
    header = []
    for col in columns:
        cell = _cell(sheet, col["label"], bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for index, col in enumerate(columns, start=1):
        wide = col["name"] in ("unit_name", "full_name", "unit", "address")
        sheet.column_dimensions[get_column_letter(index)].width = 36 if wide else 16
    sheet.freeze_panes = "A5"
    for row in result["rows"]:
        sheet.append([_cell(sheet, row.get(c["name"])) for c in columns])
    totals = result.get("totals")
    if totals:
        sheet.append([_cell(sheet, totals.get(c["name"]), bold=True) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def display(value: Any) -> str:
    """A value as the page and the PDF show it (dd/mm/yyyy, 1.234, 12,5)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return str(value)


def to_pdf(result: dict[str, Any]) -> bytes:
    from unionadmin.core.pdf import html_to_pdf

    html = render_template("reports/report_pdf.html", result=result, period=period_text(result),
                           display=display, landscape=len(result["columns"]) > 7)
    return html_to_pdf(html)
