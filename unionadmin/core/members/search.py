"""Finding members: accent-free name search, exact identity, card and phone numbers.

A name is matched as a substring of the folded name. Two ways to find the rows: the trigram
index (PostgreSQL), whose cost grows with the whole table (a common name such as "nguyen van an"
reads posting lists of millions of entries at 12M members: 0.3 s), or the scope's own
`(unit_id, search_name)` index, read entry by entry (~150 ns each). The second wins whenever the
scope is small next to the table: a district among a million, a province among twelve million.
The planner cannot tell (it underestimates the trigram scan), so `name_contains` decides from the
per-unit tallies and writes the condition so that only the chosen index applies.
"""

from __future__ import annotations

import re

from flask import g
from sqlalchemy import or_, text
from sqlalchemy.sql import ColumnElement

from unionadmin.core.db import session
from unionadmin.core.members import tallies
from unionadmin.core.members.models import Member
from unionadmin.core.scope import unit_ids_in_scope
from unionadmin.core.text import fold, like_escape

MIN_QUERY = 2
#: A scope of up to this many members is always scanned through its own index.
SMALL_SCOPE = 150_000
#: ... and so is one holding at most this share of the whole table.
SMALL_SHARE = 0.2


def name_contains(value: str) -> ColumnElement[bool]:
    """Accent- and case-insensitive substring match on the folded name."""
    pattern = f"%{like_escape(fold(value))}%"
    if _scan_scope():
        # Concatenating '' hides the column from the trigram index, not from the scope's index.
        return Member.search_name.concat("").like(pattern, escape="\\")
    return Member.search_name.like(pattern, escape="\\")


def _scan_scope() -> bool:
    """Whether the actor's scope is small enough to be scanned rather than trigram-searched
    (PostgreSQL only: elsewhere there is no trigram index). Decided once per request."""
    if "ua_scan_scope" in g:
        return g.ua_scan_scope

    decision = False
    db = session()
    ids = unit_ids_in_scope()
    if db.get_bind().dialect.name == "postgresql" and ids is not None:
        members = tallies.members(ids)
        table = db.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'member'")) or 0
        decision = members <= SMALL_SCOPE or members <= table * SMALL_SHARE
    g.ua_scan_scope = decision
    return decision


def quick_search(q: str) -> ColumnElement[bool]:
    """What the search box means: a number is an ID, card or phone; words are a name."""
    text = q.strip()
    digits = re.sub(r"[\s.]", "", text)
    if re.fullmatch(r"\+?\d{6,15}", digits):
        phone = "0" + digits[3:] if digits.startswith("+84") else digits
        return or_(Member.citizen_id == digits, Member.old_id_number == digits,
                   Member.card_number == digits, Member.phone == phone)
    if re.fullmatch(r"[A-Za-z]{0,4}\d[\dA-Za-z-]{4,}", text):  # card or passport numbers
        return or_(Member.card_number == text.upper(), Member.citizen_id == text.upper(),
                   name_contains(text))
    return name_contains(text)
