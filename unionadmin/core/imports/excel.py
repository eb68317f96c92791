"""The member workbook: its columns, reading cells into member values, and writing the template,
the error file and exports (`upload` opens an uploaded file safely). No database access here.

The header labels are a file format (docs/api.md#imports-and-jobs), so they are fixed
Vietnamese strings; the import also accepts them without diacritics and with other case and
spacing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from unionadmin.core import xlsx
from unionadmin.core.errors import ValidationError
from unionadmin.core.text import fold


@dataclass(frozen=True)
class Column:
    field: str  # a member field, "unit_code", or "extra.<name>" for a plugin field
    label: str
    kind: str = "text"  # text, date, gender, bool, id, phone, id_type, integer, choice
    required: bool = False
    width: int = 18
    choices: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return f"{self.label} *" if self.required else self.label


CORE_COLUMNS: tuple[Column, ...] = (
    Column("full_name", "Họ và tên", required=True, width=26),
    Column("date_of_birth", "Ngày sinh", "date", required=True, width=12),
    Column("gender", "Giới tính", "gender", required=True, width=10),
    Column("citizen_id", "Số CCCD", "id", required=True, width=16),
    Column("old_id_number", "Số CMND cũ", "id", width=14),
    Column("joined_on", "Ngày vào Công đoàn", "date", required=True, width=14),
    Column("ethnicity", "Dân tộc", width=12),
    Column("religion", "Tôn giáo", width=12),
    Column("phone", "Số điện thoại", "phone", width=14),
    Column("email", "Email", width=22),
    Column("hometown", "Quê quán", width=22),
    Column("address", "Nơi ở hiện nay", width=28),
    Column("education_level", "Trình độ học vấn", width=12),
    Column("qualification", "Trình độ chuyên môn", width=18),
    Column("occupation", "Nghề nghiệp", width=18),
    Column("union_position", "Chức vụ công đoàn", width=18),
    Column("party_member", "Đảng viên", "bool", width=10),
    Column("unit_code", "Mã đơn vị", width=14),
    # Beyond the original contract's list (docs/api.md#imports-and-jobs): optional, CCCD when blank.
    Column("id_type", "Loại giấy tờ", "id_type", width=12),
)
ERROR_LABEL = "Lỗi"
GENDER_VALUES = {"male": "Nam", "female": "Nữ"}
ID_TYPE_VALUES = {"cccd": "CCCD", "cmnd": "CMND", "passport": "Hộ chiếu"}
_ID_TYPE_WORDS = {"cccd": "cccd", "cancuoccongdan": "cccd", "cancuoc": "cccd", "cmnd": "cmnd",
                  "chungminhnhandan": "cmnd", "hochieu": "passport", "passport": "passport"}
_TRUE = {"x", "co", "1", "true", "yes", "dangvien", "v"}
_FALSE = {"", "khong", "0", "false", "no", "-"}
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_EXCEL_EPOCH = date(1899, 12, 30)


class BadFile(ValidationError):
    """The file as a whole cannot be imported: nothing is written (a 422 on `file`)."""

    def __init__(self, message: Any) -> None:
        super().__init__({"file": [str(message)]})
        self.message = str(message)


_HEADER_NOISE = re.compile(r"[\s*:._]")


def header_key(label: Any) -> str:
    """What a header is matched by: no diacritics, case, spaces or required marks."""
    return _header_key(str(label or ""))


@lru_cache(maxsize=4096)
def _header_key(text: str) -> str:  # cached: also keys the gender, yes/no and ID type cells
    return _HEADER_NOISE.sub("", fold(text))


def plugin_columns(fields: Iterable[dict[str, Any]]) -> list[Column]:
    kinds = {"string": "text", "integer": "integer", "date": "date", "boolean": "bool",
             "choice": "choice"}
    return [Column(f"extra.{f['name']}", str(f.get("label") or f["name"]),
                   kinds.get(f.get("type", "string"), "text"), bool(f.get("required")),
                   choices=tuple(str(c) for c in f.get("choices") or ()))
            for f in fields]


# -- reading cells ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value.__class__ is str:  # most cells: skip the isinstance checks below
        return read_text(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return format_date(value)
    return str(value).strip()


def read_text(value: str) -> str:
    """A text cell's value, without the apostrophe the app's xlsx writer puts before text that
    looks like a formula (so that an exported file imports as the same members)."""
    text = value.strip()
    return xlsx.restore(text) if text[:1] == xlsx.GUARD else text


def format_date(value: date | datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def parse_date(value: Any) -> date | None:
    """An Excel date, an Excel serial number or dd/mm/yyyy text; ValueError otherwise."""
    if value.__class__ is date:  # what calamine gives for a date cell
        return value
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = str(value).strip()
    match = _DATE_TEXT.match(text)
    if match:
        day, month, year = (int(p) for p in match.groups())
        return date(year, month, day)
    match = _ISO_TEXT.match(text)
    if match:
        return date(*(int(p) for p in match.groups()))
    raise ValueError(text)


def _number_text(value: Any, pad_to: tuple[int, ...]) -> str:
    """Digits typed into a number cell lose their leading zero: put it back."""
    text = _text(value)
    if isinstance(value, int | float) and text.isdigit():
        for length in pad_to:
            if len(text) == length - 1:
                return "0" + text
    return text


def convert(column: Column, value: Any) -> Any:
    """A cell's value as the member service expects it; ValueError with a message if bad."""
    kind = column.kind
    if kind == "text":  # the commonest kind first
        return _text(value) or None
    if kind == "date":
        try:
            return parse_date(value)
        except ValueError:
            raise ValueError(_("Write the date as dd/mm/yyyy.")) from None
    if kind == "gender":
        key = fold(_text(value))
        if not key:
            return None
        gender = {"nam": "male", "nu": "female", "male": "male", "female": "female"}.get(key)
        if gender is None:
            raise ValueError(_("Write the gender as Nam or Nữ."))
        return gender
    if kind == "bool":
        key = header_key(_text(value))
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValueError(_("Write x or Có for yes, or leave the cell empty."))
    if kind == "id":
        return _number_text(value, (9, 12))
    if kind == "phone":
        return _number_text(value, (10,))
    if kind == "id_type":
        key = header_key(_text(value))
        return _ID_TYPE_WORDS.get(key, key) if key else "cccd"
    if kind == "integer":
        text = _text(value)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("Enter a whole number.")) from None
    if kind == "choice":
        text = _text(value)
        if text and column.choices and text not in column.choices:
            raise ValueError(_("Choose one of: %(choices)s.", choices=", ".join(column.choices)))
        return text or None
    return _text(value) or None


def cell_text(column: Column, value: Any) -> str:
    """A cell as text for the error file (so that it imports again the same way)."""
    if column.kind == "date" and isinstance(value, int | float):
        try:
            return format_date(parse_date(value))
        except ValueError:
            return _text(value)
    if column.kind in ("id", "phone"):
        return _number_text(value, (9, 12) if column.kind == "id" else (10,))
    return _text(value)


def is_blank(values: tuple[Any, ...]) -> bool:
    for value in values:  # a loop, not all(): a data row answers at its first cell
        if value is not None and (not isinstance(value, str) or value.strip()):
            return False
    return True


def match_headers(row: tuple[Any, ...], columns: list[Column]) -> dict[int, Column]:
    """Position in the row -> column, for every header the import knows."""
    by_key = {header_key(c.label): c for c in columns}
    found: dict[int, Column] = {}
    for index, label in enumerate(row):
        column = by_key.get(header_key(label))
        if column is not None and column not in found.values():
            found[index] = column
    return found


# -- writing (through the app's one xlsx writer: no cell text ever becomes a formula) -----------


def _style_header(sheet, columns: list[Column], extra: int = 0) -> None:
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for index in range(len(columns) + 1, len(columns) + extra + 1):
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000")
        sheet.column_dimensions[get_column_letter(index)].width = 60
    sheet.freeze_panes = "A2"


def template(columns: list[Column], ethnic_groups: Iterable[str], example: dict[str, Any],
             instructions: list[str]) -> bytes:
    """The import template: headers, dropdowns, dd/mm/yyyy date columns, an example row, and
    an instructions sheet."""
    workbook = xlsx.new_book(write_only=False)  # data validations and formats need random access
    sheet = workbook.active
    sheet.title = "Đoàn viên"
    xlsx.append(sheet, [c.header for c in columns])
    xlsx.append(sheet, [example.get(c.field) for c in columns])
    _style_header(sheet, columns)
    lists = workbook.create_sheet("Danh mục")
    groups = list(ethnic_groups)
    for index, name in enumerate(groups, start=1):
        xlsx.put(lists, index, 1, name)
    lists.sheet_state = "hidden"
    last = 5000
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}2:{letter}{last}"
        formula = None
        if column.kind == "gender":
            formula = '"Nam,Nữ"'
        elif column.kind == "bool":
            formula = '"x,Có"'
        elif column.kind == "id_type":
            formula = '"' + ",".join(ID_TYPE_VALUES.values()) + '"'
        elif column.field == "ethnicity":
            formula = f"'Danh mục'!$A$1:$A${len(groups)}"
        elif column.kind == "choice" and column.choices:
            formula = '"' + ",".join(c.replace('"', '""') for c in column.choices) + '"'
        if formula:
            rule = DataValidation(type="list", formula1=formula, allow_blank=True)
            rule.add(cells)
            sheet.add_data_validation(rule)
        if column.kind == "date":
            for row in range(2, last + 1):
                sheet[f"{letter}{row}"].number_format = "dd/mm/yyyy"
        elif column.kind in ("id", "phone"):
            for row in range(2, last + 1):
                sheet[f"{letter}{row}"].number_format = "@"  # text: keeps leading zeros
    help_sheet = workbook.create_sheet("Hướng dẫn")
    help_sheet.column_dimensions["A"].width = 110
    for line in instructions:
        xlsx.append(help_sheet, [line])
    return xlsx.save(workbook)  # type: ignore[return-value]


def write_rows(out: IO[bytes], columns: list[Column], rows: Iterable[list[Any]],
               error_column: bool = False) -> None:
    """A workbook of member rows in the template's columns (streamed: write-only mode)."""
    workbook = xlsx.new_book()
    sheet = workbook.create_sheet("Đoàn viên")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    headers = [c.header for c in columns] + ([ERROR_LABEL] if error_column else [])
    xlsx.append(sheet, [xlsx.cell(sheet, text, bold=True) for text in headers])
    for values in rows:
        xlsx.append(sheet, values)  # dates get dd/mm/yyyy, text that looks like a formula a '
    xlsx.save(workbook, out)
