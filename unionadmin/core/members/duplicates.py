"""One live member per identity number in the whole country: the check for one member (entry,
edit, readmission) and for a batch (an import), and the message, which names the holder only
to an actor who sees its unit."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import JSON, func, literal, or_, select

from unionadmin.core.db import session
from unionadmin.core.errors import FieldErrors
from unionadmin.core.members.models import CLOSED_STATUSES, Member
from unionadmin.core.scope import unit_id_clause
from unionadmin.core.units.models import Unit


def check_duplicates(data: dict[str, Any], errors: FieldErrors, member_id: int | None) -> None:
    """One live member per identity number in the whole country (a unique index backs it)."""
    numbers = {n for n in (data.get("citizen_id"), data.get("old_id_number")) if n}
    if not numbers:
        return
    query = select(Member.id, Member.unit_id, Member.citizen_id, Member.old_id_number).where(
        or_(Member.citizen_id.in_(numbers), Member.old_id_number.in_(numbers)),
        Member.status.not_in(CLOSED_STATUSES),
    )
    if member_id is not None:
        query = query.where(Member.id != member_id)
    row = session().execute(query.limit(1)).first()
    if row is None:
        return
    visible = session().scalar(select(Unit.id).where(Unit.id == row.unit_id,
                                                     unit_id_clause(Unit.id)))
    errors.add(*duplicate_error(data, Holder(*row, visible=visible is not None)))


class Holder(NamedTuple):
    """A live member holding an identity number, and whether the actor sees its unit."""

    id: int
    unit_id: int
    citizen_id: str
    old_id_number: str | None
    visible: bool


def duplicate_error(data: dict[str, Any], holder: Holder) -> tuple[str, str]:
    """The field and message of the one-live-member-per-number rule for `data`, whose number
    `holder` holds."""
    # The field whose number is taken (a citizen ID may match another member's old number).
    field = "citizen_id" if data.get("citizen_id") in (holder.citizen_id, holder.old_id_number) \
        else "old_id_number"
    if holder.visible:
        return field, _("This ID number is already registered to member #%(id)s.", id=holder.id)
    # Outside the actor's scope: say neither who nor where.
    return field, _("This person is registered in another unit. Ask that unit "
                    "to transfer the member instead of entering them again.")


#: Identity numbers per query of `registered_holders`.
HOLDERS_CHUNK = 5000


def registered_holders(numbers: Collection[str]) -> dict[str, Holder]:
    """The duplicate rule's query for many new members at once (an import batch): the live
    members holding any of `numbers`, by number (as a citizen ID before as an old number),
    with one more query for which of their units the actor sees. Pair with `duplicate_error`."""
    db = session()
    columns = (Member.id, Member.unit_id, Member.citizen_id, Member.old_id_number)
    live = Member.status.not_in(CLOSED_STATUSES)
    postgres = db.get_bind().dialect.name == "postgresql"
    rows: list[Any] = []
    ordered = sorted(numbers)
    for start in range(0, len(ordered), HOLDERS_CHUNK):
        chunk = ordered[start:start + HOLDERS_CHUNK]
        for column in (Member.citizen_id, Member.old_id_number):  # each has its own index
            if postgres:
                # One JSON parameter (thousands of parameters, or an array, cost more to send than
                # the query takes), joined rather than `= ANY(...)`: the plan PostgreSQL caches for
                # this statement (psycopg prepares it) stays index lookups even when it was made
                # while the table was small and not yet analysed (with ANY it became a scan
                # comparing each row with each number: seconds per batch).
                given = func.json_array_elements_text(literal(chunk, JSON))
                number = given.table_valued("number").render_derived()
                query = select(*columns).join(number, column == number.c.number)
            else:
                query = select(*columns).where(column.in_(chunk))
            rows += db.execute(query.where(live)).all()
    unit_ids = {row.unit_id for row in rows}
    visible = set(db.scalars(select(Unit.id).where(Unit.id.in_(unit_ids), unit_id_clause(Unit.id)))) \
        if unit_ids else set()
    found: dict[str, Holder] = {}
    for row in rows:
        if row.citizen_id in numbers:
            found[row.citizen_id] = Holder(*row, visible=row.unit_id in visible)
    for row in rows:
        if row.old_id_number and row.old_id_number in numbers:
            found.setdefault(row.old_id_number, Holder(*row, visible=row.unit_id in visible))
    return found
