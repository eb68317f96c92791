"""Report files: xlsx (Vietnamese headers, number and date formats, no formulas) and PDF."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, render_template
from flask_babel import gettext as _
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from unionadmin.core import xlsx
from unionadmin.core.pdf import html_to_pdf

XLSX_MIME = xlsx.MIME
PDF_MIME = "application/pdf"


def _cell(sheet, value: Any, bold: bool = False) -> Cell:
    """A report cell (through the app's one xlsx writer: text never becomes a formula)."""
    number_format = None
    if isinstance(value, bool):
        value = _("Yes") if value else ""
    elif isinstance(value, int):
        number_format = "#,##0"
    elif isinstance(value, float):
        number_format = "#,##0.0"
    return xlsx.cell(sheet, value, bold=bold, number_format=number_format)


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
    book = xlsx.new_book()
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
    return xlsx.save(book)


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
    html = render_template("reports/report_pdf.html", result=result, period=period_text(result),
                           display=display, landscape=len(result["columns"]) > 7)
    return html_to_pdf(html)


def file_response(out: Any) -> Response:
    """A produced report file (`registry.Output`) as a download, never cached (pages and API)."""
    response = Response(out.content, mimetype=out.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{out.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
