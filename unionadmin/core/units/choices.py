"""The units the pickers offer (`/units/choose`): for a member, a parent, a card range or a
transfer, matching what was typed."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from unionadmin.core.db import session
from unionadmin.core.scope import transfer_targets, unit_clause
from unionadmin.core.text import fold, like_escape
from unionadmin.core.units.models import GRASSROOTS_RANK, LEVEL_RANK, Unit

#: At most this many units per answer: the picker is a search, never a list of everything.
LIMIT = 20


def picker_units(typed: str, purpose: str, level: str | None = None) -> list[Unit]:
    """Active units matching `typed` (name without diacritics, or code prefix): grassroots
    and below for a member, above `level` for a parent, provinces for a card range, in scope;
    for a transfer any unit of the country, from 2 characters typed."""
    q = fold(typed)
    if purpose == "transfer":
        # A transfer may go to any unit of the country: searched, never listed.
        if len(q.strip()) < 2:
            return []
        query: Select = transfer_targets()
    else:
        query = select(Unit).where(unit_clause(None), Unit.active.is_(True))
        if purpose == "card_range":
            query = query.where(Unit.level == "province")
        elif purpose == "parent":
            query = query.where(Unit.level_rank < LEVEL_RANK.get(level, len(LEVEL_RANK)))
        else:
            query = query.where(Unit.level_rank >= GRASSROOTS_RANK)
    if q:
        query = query.where(or_(Unit.name_search.like(f"%{like_escape(q)}%", escape="\\"),
                                Unit.code.like(f"{like_escape(q.upper())}%", escape="\\")))
    return list(session().scalars(query.order_by(Unit.level_rank, Unit.name_key).limit(LIMIT)))
