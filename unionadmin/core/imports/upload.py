"""Opening an uploaded workbook safely: the container (size, zip bombs, encryption), then the
first sheet's extent, are checked before any cell is read; then the rows are read by calamine.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from zlib import error as zlib_error

from flask_babel import gettext as _
from python_calamine import CalamineWorkbook

from unionadmin.core.imports.excel import BadFile

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
    try:
        names = CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    except Exception:  # noqa: BLE001 - calamine raises its own kinds for a broken file
        raise _damaged() from None
    return names[0] if names else None


def _read_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the first sheet, read by calamine (Rust, ~10x openpyxl); rows
    start at row 1, values at column A. Empty cells may come as "". Only for checked sheets."""
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
