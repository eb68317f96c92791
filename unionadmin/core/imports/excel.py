"""The member workbook: its columns, reading cells into member values, and writing the template,
the error file and exports. No database access here.

The header labels are a file format (INTERFACES.md), so they are fixed Vietnamese strings; the
import also accepts them without diacritics and with other case and spacing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import IO, Any

from flask_babel import gettext as _

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
    # Beyond INTERFACES.md's list: optional, CCCD when blank.
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
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return format_date(value)
    return str(value).strip()


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


# -- checking and opening the file --------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
#: Worksheet XML compresses well, but not like a zip bomb.
MAX_RATIO = 200
MAX_UNCOMPRESSED = 1024 * 1024 * 1024


@dataclass
class FileInfo:
    rows: int  # data rows announced by the sheet (an upper bound: blank rows are skipped)
    sheet_path: str = ""
    headers: list[str] = field(default_factory=list)


def check_container(data: bytes, max_mb: int) -> zipfile.ZipFile:
    """Refuse what is not a sane xlsx before any XML is parsed."""
    if len(data) > max_mb * 1024 * 1024:
        raise BadFile(_("The file is larger than %(n)s MB. Split it into several files.", n=max_mb))
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            raise BadFile(_("The file is protected by a password. Open it in Excel, remove the "
                            "password and save it again."))
        raise BadFile(_("This is an old Excel file (.xls). Open it in Excel and save it as an "
                        "Excel Workbook (.xlsx)."))
    if not data.startswith(b"PK"):
        raise BadFile(_("This is not an Excel file (.xlsx). Download the template and fill it in."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel.")) from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (info.file_size > 10 * 1024 * 1024 and ratio > MAX_RATIO):
            raise BadFile(_("The file unpacks to far more data than it holds and was refused "
                            "as unsafe."))
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "EncryptedPackage" in names:
            raise BadFile(_("The file is protected by a password. Open it in Excel, remove the "
                            "password and save it again."))
        raise BadFile(_("This is not an Excel file (.xlsx). Download the template and fill it in."))
    return archive


def first_sheet_path(archive: zipfile.ZipFile) -> str:
    """Where the first worksheet's XML lives (workbook.xml and its relationships)."""
    import xml.etree.ElementTree as ET

    try:
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, OSError):
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel.")) from None
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    sheet = next((el for el in book.iter() if el.tag.endswith("}sheet")), None)
    rel_id = sheet.get(rel_ns) if sheet is not None else None
    target = next((el.get("Target") for el in rels if el.get("Id") == rel_id), None)
    if not target:
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel."))
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def count_rows(archive: zipfile.ZipFile, sheet_path: str) -> int:
    """Rows in a worksheet, counted on the compressed stream without parsing the XML (this
    also checks every byte against its CRC: a damaged file is refused before any write)."""
    count, tail = 0, b""
    rows = None
    try:
        with archive.open(sheet_path.lstrip("/")) as stream:
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                if rows is None:  # bytes.count is several times faster than a regex
                    opening = _SHEET_DATA.search(block)
                    prefix = opening.group(1) or b"" if opening else None
                    rows = _row_counter(prefix)
                count += rows(block)
                tail = block[-16:]
                count -= rows(tail)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel.")) from None
    return count


def _row_counter(prefix: bytes | None) -> Callable[[bytes], int]:
    """Counts the row elements of a block of sheet XML whose elements have this prefix."""
    if prefix is None:  # sheetData not seen yet (a huge header?): any prefix
        return lambda block: len(re.findall(rb"<(?:\w+:)?row[ >]", block))
    spaced, closed = b"<" + prefix + b"row ", b"<" + prefix + b"row>"
    return lambda block: block.count(spaced) + block.count(closed)


def open_sheet(data: bytes):
    """The first worksheet, read-only (streamed); BadFile if openpyxl cannot read it."""
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return workbook, workbook.worksheets[0]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel.")) from None


def iter_rows(sheet) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number in Excel, values) for every row of an openpyxl sheet, blank ones included."""
    number = 0
    for row in sheet.iter_rows(values_only=True):
        number += 1
        yield number, row


def fast_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the first sheet, read by calamine (Rust, ~10x openpyxl) when it is
    installed, else by openpyxl in read-only mode. Empty cells may come as ""."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - optional speed-up
        workbook, sheet = open_sheet(data)
        try:
            yield from iter_rows(sheet)
        finally:
            workbook.close()
        return
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        pad = (None,) * sheet.start[1] if sheet.start else ()
        rows = sheet.iter_rows()
    except Exception:  # noqa: BLE001 - calamine raises its own kinds for a broken file
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel.")) from None
    for index, row in enumerate(rows):
        yield index + 1, pad + tuple(row)


_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData[ >]")


def head_rows(data: bytes, archive: zipfile.ZipFile, sheet_path: str,
              rows: int = 25) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Like `fast_rows`, but only the first rows (enough to find the header): the same reader
    run on a copy of the workbook whose sheet stops after them, so that checking an upload
    does not read all of a big sheet a first time."""
    try:
        head, tail = b"", b""
        with archive.open(sheet_path) as stream:
            while len(_ROW_END.findall(head)) < rows and (chunk := stream.read(1 << 16)):
                head += chunk
            tail = stream.read(1)
        ends = list(_ROW_END.finditer(head))
        opening = _SHEET_DATA.search(head)
        if not tail or len(ends) < rows or opening is None:
            return fast_rows(data)  # a small sheet: read it all
        prefix = opening.group(1) or b""
        sheet = head[:ends[rows - 1].end()] + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                copy.writestr(info.filename, sheet if info.filename == sheet_path else archive.read(info))
        return fast_rows(out.getvalue())
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise BadFile(_("The file is damaged and cannot be read. Save it again from Excel.")) from None


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


# -- writing ------------------------------------------------------------------------------------


def _style_header(sheet, columns: list[Column], extra: int = 0) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

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
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Đoàn viên"
    sheet.append([c.header for c in columns])
    sheet.append([example.get(c.field) for c in columns])
    _style_header(sheet, columns)
    lists = workbook.create_sheet("Danh mục")
    groups = list(ethnic_groups)
    for index, name in enumerate(groups, start=1):
        lists.cell(row=index, column=1, value=name)
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
            formula = '"' + ",".join(column.choices) + '"'
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
        help_sheet.append([line])
    return _save(workbook)


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_rows(out: IO[bytes], columns: list[Column], rows: Iterable[list[Any]],
               error_column: bool = False) -> None:
    """A workbook of member rows in the template's columns (streamed: write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đoàn viên")
    for index, column in enumerate(columns, start=1):
        from openpyxl.utils import get_column_letter

        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    headers = [c.header for c in columns] + ([ERROR_LABEL] if error_column else [])
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    date_positions = [i for i, c in enumerate(columns) if c.kind == "date"]
    for values in rows:
        values = list(values)
        for i in date_positions:
            if isinstance(values[i], date):
                cell = WriteOnlyCell(sheet, value=values[i])
                cell.number_format = "dd/mm/yyyy"
                values[i] = cell
        sheet.append(values)
    workbook.save(out)
