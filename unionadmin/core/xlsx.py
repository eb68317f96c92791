"""The one way the app writes xlsx files (member export, report exports, the import template,
the import error file): every cell value goes through `cell_value`, so that text a spreadsheet
would run as a formula (CSV/formula injection, OWASP) is written as text, while numbers and
dates stay typed cells.

Text beginning with = + - @, a tab or a carriage return (or the full-width = + - @ that some
spreadsheet programs also read as formula signs) gets a leading apostrophe, as OWASP
recommends: it stays visible text in Excel, in LibreOffice and after a copy to CSV. The import
takes the apostrophe off again (`restore`), so an exported file imports as the same members.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Characters that make a spreadsheet program read a cell's text as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
GUARD = "'"
DATE_FORMAT = "dd/mm/yyyy"


def safe_text(text: str) -> str:
    """Text that a spreadsheet shows as text and never runs."""
    return GUARD + text if text.startswith(FORMULA_START) else text


def restore(text: str) -> str:
    """The text `safe_text` was given (for reading back a file the app wrote)."""
    if text.startswith(GUARD) and text[1:2] and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def cell_value(value: Any) -> Any:
    """A value as it may go into a cell: text made safe; numbers, dates, booleans as they are."""
    if isinstance(value, str):
        return safe_text(value)
    if value is None or isinstance(value, int | float | date | datetime):
        return value
    return safe_text(str(value))  # anything else (a Decimal, a plugin's object) as text


def new_book(write_only: bool = True) -> Workbook:
    """A workbook; write-only (streamed, constant memory) unless it needs random access."""
    return Workbook(write_only=write_only)


def cell(sheet: Any, value: Any, *, bold: bool = False, number_format: str | None = None,
         font: Font | None = None) -> Cell:
    """A cell for a write-only sheet; dates get the dd/mm/yyyy format unless told otherwise."""
    result = WriteOnlyCell(sheet, value=cell_value(value))
    if number_format:
        result.number_format = number_format
    elif isinstance(value, date | datetime):
        result.number_format = DATE_FORMAT
    if font is not None:
        result.font = font
    elif bold:
        result.font = Font(bold=True)
    return result


def append(sheet: Any, values: Any) -> None:
    """A row at the end of a sheet (either mode): plain values go through `cell_value`, cells
    made by `cell` as they are."""
    sheet.append([v if isinstance(v, Cell) else cell_value(v) for v in values])


def put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Set one cell of a (not write-only) sheet."""
    return sheet.cell(row=row, column=column, value=cell_value(value))


def save(book: Workbook, out: IO[bytes] | None = None) -> bytes | None:
    """Write the workbook to `out`, or return its bytes."""
    if out is not None:
        book.save(out)
        return None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
