"""Finding members: accent-free name search, exact identity, card and phone numbers."""

from __future__ import annotations

import re

from sqlalchemy import or_
from sqlalchemy.sql import ColumnElement

from unionadmin.core.members.models import Member
from unionadmin.core.text import fold, like_escape

MIN_QUERY = 2


def name_contains(value: str) -> ColumnElement[bool]:
    """Accent- and case-insensitive substring match on the folded name."""
    return Member.search_name.like(f"%{like_escape(fold(value))}%", escape="\\")


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
