"""The member workbook: its columns, reading cells into member values, and writing the template,
the error file and exports. No database access here.

The header labels are a file format (INTERFACES.md), so they are fixed Vietnamese strings; the
import also accepts them without diacritics and with other case and spacing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import IO, Any
from zlib import error as zlib_error

from flask_babel import gettext as _

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


# -- checking and opening the file --------------------------------------------------------------
#
# Nothing reads a cell before the whole file has been checked: the container (size, zip bombs,
# encryption), then the first sheet's extent. calamine reads a sheet into one dense grid from the
# first used cell to the last, so a 5 KB file with a cell at XFD1048576 asks it for 549 GB and
# the process aborts (no exception to catch). The extent is therefore found on the compressed
# stream first, from the declared <dimension> and from every cell's position, and refused when
# the grid would exceed what a member list needs.

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
#: Worksheet XML compresses well, but not like a zip bomb.
MAX_RATIO = 200
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
#: Columns a member list may reach (IV, the old Excel limit): the template has about twenty.
MAX_COLUMNS = 256
#: Cells the read grid may hold per row of the row limit (about 32 bytes each in calamine).
CELLS_PER_ROW = 40


def _damaged() -> BadFile:
    return BadFile(_("The file is damaged and cannot be read. Save it again from Excel."))


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
        raise _damaged() from None
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


def first_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """The first worksheet's name and where its XML lives (workbook.xml and its relationships)."""
    import xml.etree.ElementTree as ET

    try:
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, OSError):
        raise _damaged() from None
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    sheet = next((el for el in book.iter() if el.tag.endswith("}sheet")), None)
    rel_id = sheet.get(rel_ns) if sheet is not None else None
    target = next((el.get("Target") for el in rels if el.get("Id") == rel_id), None)
    if not target or sheet is None:
        raise _damaged()
    return sheet.get("name") or "", target.lstrip("/") if target.startswith("/") else f"xl/{target}"


@dataclass(frozen=True)
class Extent:
    """What a sheet's XML says about its size, found without building any cell."""

    rows: int  # row elements (an upper bound of the data rows: blank rows are skipped)
    last_row: int  # 1-based row of the farthest cell, or of the declared dimension
    last_column: int  # 1-based column of the same
    formulas: dict[int, set[int]]  # row number -> 0-based columns of the cells holding a formula


_ENDS = tuple(bytes([ch]) for ch in b" \t\r\n>/")
_CELL_OPENERS = tuple(b"<c" + end for end in _ENDS)
_ROW_OPENERS = tuple(b"<row" + end for end in _ENDS)
_FORMULA_OPENERS = tuple(b"<f" + end for end in _ENDS)
#: Prefixed row, cell or formula tags: the sheet is walked.
_PREFIXED = tuple(b":" + name + end for name in (b"c", b"row", b"f") for end in _ENDS)
#: A cell whose position is written the way every spreadsheet program writes it.
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
#: Such a cell holding a formula (<f> comes first in a cell, as the schema orders them).
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^<>]*(?<!/)>\s*<f[\s/>]')
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\sref\s*=\s*[\"']([^\"']*)[\"']")
#: Any row, cell or formula tag, whatever its prefix, spacing or quoting (a `>` may sit in a
#: quoted attribute value). No `<` inside a tag (XML forbids it), so a failed match stops at the
#: next tag: the walk stays linear whatever the file.
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c|f)(?=[\s/>])((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"\s*\$?([A-Za-z]*)\$?(\d*)\s*$")


def _blocks(archive: zipfile.ZipFile, sheet_path: str) -> Iterator[bytes]:
    """The sheet's XML in blocks of about 1 MB, each cut before a `<`: no tag is split."""
    tail = b""
    try:
        with archive.open(sheet_path) as stream:
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                cut = block.rfind(b"<")
                if cut <= 0:
                    tail = block
                    continue
                tail = block[cut:]
                yield block[:cut]
        if tail:
            yield tail
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib_error):
        raise _damaged() from None


def column_number(letters: bytes | str) -> int:
    """A, B, ... Z, AA ... as 1, 2, ... 26, 27 ..."""
    number = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _ref(value: bytes) -> tuple[int, int]:
    """A cell reference ("XFD1048576") as 1-based (row, column); 0 for a missing part."""
    match = _REF.match(value)
    if match is None:
        raise _damaged()
    letters, digits = match.groups()
    # past 9 digits or 3 letters it is far beyond any limit (and int() refuses 4,300 digits)
    row = int(digits) if len(digits) <= 9 else 10**9
    return (row if digits else 0), (column_number(letters[:4]) if letters else 0)


def scan_sheet(archive: zipfile.ZipFile, sheet_path: str) -> Extent:
    """The sheet's extent, on the compressed stream. The common case (every cell written as
    `<c r="B7"`, as spreadsheet programs write them) is measured with C-speed searches, and its
    formula cells found by a search of their own; anything else (cells without a position,
    prefixed tags) is walked tag by tag as calamine walks it."""
    rows, last_row, last_column, declared = 0, 0, 0, (0, 0)
    formulas: dict[int, set[int]] = {}
    for number, block in enumerate(_blocks(archive, sheet_path)):
        if number == 0:
            declared = _declared(block)
        refs = _PLAIN_CELL.findall(block)
        if not _plain(block, len(refs)):
            return _walk_sheet(archive, sheet_path, declared)
        rows += block.count(b"<row ") + block.count(b"<row>")
        if refs:
            last_column = max(last_column, max(map(column_number, set(map(itemgetter(0), refs)))))
            last_row = max(last_row, max(map(int, set(map(itemgetter(1), refs)))))
        if b"<f" in block and any(opener in block for opener in _FORMULA_OPENERS):
            for letters, digits in _FORMULA_CELL.findall(block):
                formulas.setdefault(int(digits), set()).add(column_number(letters) - 1)
    return Extent(rows, max(last_row, declared[0]), max(last_column, declared[1]), formulas)


def _declared(block: bytes) -> tuple[int, int]:
    """The last row and column of the sheet's <dimension ref="A1:E20">, if it has one."""
    dimension = _DIMENSION.search(block)
    if dimension is None:
        return 0, 0
    corners = [_ref(part) for part in dimension.group(1).split(b":")]
    return max(row for row, _c in corners), max(column for _r, column in corners)


def _plain(block: bytes, positioned: int) -> bool:
    """Whether every cell of the block is one of the `positioned` `<c r="B7"` cells, with no
    prefixed row, cell or formula tag (one count does it when the block holds no other tag
    beginning with `<c`)."""
    if block.count(b"<c") != positioned and \
            sum(block.count(opener) for opener in _CELL_OPENERS) != positioned:
        return False
    return not (b":c" in block or b":row" in block or b":f" in block) or \
        not any(hint in block for hint in _PREFIXED)


def _walk_sheet(archive: zipfile.ZipFile, sheet_path: str, declared: tuple[int, int]) -> Extent:
    """The exact extent: each cell at its `r` position, or after the previous cell of its row
    when it has none (rows likewise), as calamine places them; and the cells holding a formula."""
    rows, last_row, last_column = 0, declared[0], declared[1]
    row_index, column_index = 0, 0  # 0-based, as calamine counts
    formulas: dict[int, set[int]] = {}
    cell: tuple[int, int] | None = None
    for block in _blocks(archive, sheet_path):
        for closing, name, attrs in _TAG.findall(block):
            empty = attrs.endswith(b"/")
            if name == b"row":
                if closing:
                    row_index, column_index = row_index + 1, 0
                    continue
                rows += 1
                row = _position(attrs)[0]
                if row:
                    row_index = row - 1
                if empty:
                    row_index, column_index = row_index + 1, 0
            elif name == b"c":
                if closing:
                    cell = None
                    continue
                row, column = _position(attrs)
                at = (row - 1 if row else row_index, column - 1 if column else column_index)
                column_index = at[1] + 1
                last_row, last_column = max(last_row, at[0] + 1), max(last_column, at[1] + 1)
                cell = None if empty else at
            elif not closing and cell is not None:  # <f>: this cell holds a formula
                formulas.setdefault(cell[0] + 1, set()).add(cell[1])
    return Extent(rows, last_row, last_column, formulas)


def _position(attrs: bytes) -> tuple[int, int]:
    match = _R_ATTR.search(attrs)
    if match is None:
        return 0, 0
    return _ref(match.group(1) if match.group(1) is not None else match.group(2))


def check_extent(extent: Extent, max_rows: int) -> None:
    """Refuse a sheet with more rows than the limit, or whose read grid would be far larger
    than a member list needs (the row limit times CELLS_PER_ROW cells)."""
    if extent.rows - 1 > max_rows:
        limit = f"{max_rows:,}".replace(",", ".")  # Vietnamese thousands separator
        raise BadFile(_("The file has more than %(n)s rows. Split it into several files.", n=limit))
    budget = (max_rows + 1000) * CELLS_PER_ROW
    if extent.last_column > MAX_COLUMNS or extent.last_row > 2 * max_rows + 1000 \
            or extent.last_row * extent.last_column > budget:
        cell = f"{column_letters(max(extent.last_column, 1))}{max(extent.last_row, 1)}"
        raise BadFile(_("The sheet reaches cell %(cell)s, far beyond the data of a member list, "
                        "and cannot be read safely. Delete the empty rows and columns after your "
                        "data (or copy the data into the template) and upload it again.", cell=cell))


@dataclass
class Sheet:
    """The first worksheet of an upload that passed every check: only now may cells be read."""

    data: bytes
    archive: zipfile.ZipFile
    path: str
    extent: Extent

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        return _read_rows(self.data)

    def head_rows(self, rows: int = 25) -> Iterator[tuple[int, tuple[Any, ...]]]:
        return _head_rows(self.data, self.archive, self.path, rows)


def open_checked(data: bytes, max_mb: int, max_rows: int) -> Sheet:
    """The upload's first sheet once the container and the sheet's extent are checked;
    BadFile (nothing read, nothing written) otherwise."""
    archive = check_container(data, max_mb)
    name, path = first_sheet(archive)
    extent = scan_sheet(archive, path)
    check_extent(extent, max_rows)
    if _calamine_first_sheet(data) != name:  # the sheet checked must be the sheet read
        raise _damaged()
    return Sheet(data, archive, path, extent)


def _calamine_first_sheet(data: bytes) -> str | None:
    from python_calamine import CalamineWorkbook

    try:
        names = CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    except Exception:  # noqa: BLE001 - calamine raises its own kinds for a broken file
        raise _damaged() from None
    return names[0] if names else None


def _read_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the first sheet, read by calamine (Rust, ~10x openpyxl); rows
    start at row 1, values at column A. Empty cells may come as "". Only for checked sheets."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        pad = (None,) * sheet.start[1] if sheet.start else ()
        rows = sheet.iter_rows()
    except BaseException as exc:  # a Rust panic is a BaseException: still a damaged file
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise _damaged() from None
    for index, row in enumerate(rows):
        yield index + 1, pad + tuple(row)


_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData[ >]")


def _head_rows(data: bytes, archive: zipfile.ZipFile, sheet_path: str,
               rows: int = 25) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Like `_read_rows`, but only the first rows (enough to find the header): the same reader
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
            return _read_rows(data)  # a small sheet: read it all
        prefix = opening.group(1) or b""
        sheet = head[:ends[rows - 1].end()] + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                copy.writestr(info.filename, sheet if info.filename == sheet_path else archive.read(info))
        return _read_rows(out.getvalue())
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise _damaged() from None


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
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

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
    from openpyxl.utils import get_column_letter

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
