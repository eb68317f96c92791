"""The import's columns: the template's (the core's, then the plugins' member fields), the
upload limits, the downloadable template and the header row of an uploaded file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from unionadmin.core.imports import excel
from unionadmin.core.imports.excel import BadFile, Column
from unionadmin.core.refdata import ethnicity_names
from unionadmin.plugins.manager import get_pm


def _setting(name: str, default: int) -> int:
    value = current_app.config.get(name) or os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        return default


def max_mb() -> int:
    return _setting("UNIONADMIN_IMPORT_MAX_MB", 20)


def max_rows() -> int:
    return _setting("UNIONADMIN_IMPORT_MAX_ROWS", 200_000)


def columns() -> list[Column]:
    """The template's columns: the core's, then the plugins' member fields."""
    fields = [f for result in get_pm().hook.register_member_fields() or [] for f in (result or [])]
    return list(excel.CORE_COLUMNS) + excel.plugin_columns(fields)


def label_of(field_name: str, cols: list[Column]) -> str:
    if field_name in ("unit_id", "unit_code"):
        return "Mã đơn vị"
    for column in cols:
        if column.field in (field_name, f"extra.{field_name}"):
            return column.label
    return field_name


EXAMPLE = {"full_name": "Nguyễn Thị Hoa", "date_of_birth": date(1992, 3, 14), "gender": "Nữ",
           "citizen_id": "075192001234", "joined_on": date(2018, 6, 1), "ethnicity": "Kinh",
           "religion": "Không", "phone": "0912345678", "hometown": "Biên Hòa, Đồng Nai",
           "address": "Khu phố 3, phường Tân Hiệp", "education_level": "12/12",
           "qualification": "Kỹ sư cơ khí", "occupation": "Công nhân", "party_member": "x",
           "id_type": "CCCD"}


def instructions() -> list[str]:
    return [
        _("How to fill in the member list"),
        "",
        _("1. Enter one member per row on the first sheet, from row 2. Replace or delete the example row."),
        _("2. Columns marked * are required. Do not rename or delete the header row; you may "
          "leave out optional columns."),
        _("3. Dates: dd/mm/yyyy (for example 14/03/1992), or an Excel date."),
        _("4. Gender: Nam or Nữ. Party member: x or Có, or leave empty. Ethnic group: choose from the list."),
        _("5. Citizen ID: the 12 digits of the chip-based citizen ID card (CCCD). Type it as text "
          "so that the leading 0 is kept."),
        _("6. Unit code: leave empty to enter members into the unit chosen when uploading, or write "
          "the code of a grassroots union (or a unit inside it) within your scope."),
        _("7. Members already registered (same citizen ID) are not entered twice: the same file "
          "can be uploaded again safely."),
        _("8. After the upload, download the error file, correct the rows it lists and upload "
          "that file."),
        _("9. Imported members wait for approval, like members entered in the form."),
    ]


def template_bytes() -> bytes:
    return excel.template(columns(), ethnicity_names(), EXAMPLE, instructions())


def read_header(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> tuple[int, dict[int, Column]]:
    cols = columns()
    for number, values in rows:
        if excel.is_blank(values):
            if number > 20:
                break
            continue
        positions = excel.match_headers(values, cols)
        missing = [c.label for c in cols if c.required and c not in positions.values()]
        if not positions:
            raise BadFile(_("The first row must hold the column headers of the template. "
                            "Download the template and copy your data into it."))
        if missing:
            raise BadFile(_("Required columns are missing: %(names)s.", names=", ".join(missing)))
        return number, positions
    raise BadFile(_("The file has no data."))
