"""Exporting the members in scope as a workbook in the import template's columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import and_, or_, select

from unionadmin.core import audit
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session
from unionadmin.core.imports import excel
from unionadmin.core.imports.columns import columns
from unionadmin.core.imports.excel import Column
from unionadmin.core.members import services as members
from unionadmin.core.members.models import Member
from unionadmin.core.privacy import PERSONAL_FIELDS, sees_personal_data
from unionadmin.core.scope import member_clause
from unionadmin.core.text import mask
from unionadmin.core.units.models import Unit

EXPORT_PAGE = 2000
_EXPORT_FIELDS = [f for f in members.FIELDS if f != "unit_id"] + ["id", "sort_key", "extra"]


def _export_values(row: Any, cols: list[Column], masked: bool) -> list[Any]:
    extra = row.extra or {}
    values = []
    for column in cols:
        name = column.field
        if name.startswith("extra."):
            value: Any = extra.get(name[6:])
        else:
            value = getattr(row, name)
        if name == "gender":
            value = excel.GENDER_VALUES.get(value, value)
        elif name == "party_member":
            value = "x" if value else None
        elif name == "id_type":
            value = excel.ID_TYPE_VALUES.get(value, value)
        elif masked and name in PERSONAL_FIELDS:
            value = mask(value)
        values.append(value)
    return values


def export(out: IO[bytes], clauses: list[Any]) -> int:
    """Members in scope matching `clauses`, in Vietnamese name order, as a workbook in the
    template's columns; keyset pages of plain rows keep memory flat. Audited. Returns the count."""
    cols, db = columns(), session()
    masked = not sees_personal_data()
    selected = [getattr(Member, f) for f in _EXPORT_FIELDS] + [Unit.code.label("unit_code")]
    count = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        last: tuple[str, int] | None = None
        while True:
            query = (select(*selected).join(Unit, Unit.id == Member.unit_id)
                     .where(member_clause(), *clauses)
                     .order_by(Member.sort_key, Member.id).limit(EXPORT_PAGE))
            if last is not None:
                query = query.where(or_(Member.sort_key > last[0],
                                        and_(Member.sort_key == last[0], Member.id > last[1])))
            page = db.execute(query).all()
            for row in page:
                count += 1
                yield _export_values(row, cols, masked)
            if len(page) < EXPORT_PAGE:
                return
            last = (page[-1].sort_key, page[-1].id)

    excel.write_rows(out, cols, rows())
    audit.record("member.export", "member", None, current_actor().unit_path,
                 {"rows": count, "masked": masked})
    db.commit()
    return count

