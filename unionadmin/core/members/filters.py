"""The member list's data interface and filters (`q=(filters:!((col:..,opr:..,value:..)))`).

One table per app, `member_filters()`: the core's filters and an `eq` filter on each plugin field
(`extra_clause`). Every list of members reads a filter through it: the member API's list, the
member export (imports/api.py) and the member page's "Export to Excel" button
(`page_export_args`, from the page's own list filters, whose plugin choice filters use
`extra_clause` too). So a filter that narrows one narrows them all, or is refused by all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import prison
from sqlalchemy.sql import ColumnElement

from unionadmin.core.api import filter_clauses, id_value
from unionadmin.core.db import session
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.members import search
from unionadmin.core.members.extra_fields import ExtraField, member_fields
from unionadmin.core.members.models import STATUSES, Member
from unionadmin.core.scope import member_clause, subtree_ids
from unionadmin.core.units.models import Unit

FilterFn = Callable[[Any], ColumnElement[bool]]
#: A list filter of FAB's pages in a URL: `_flt_<index>_<column>`.
_PAGE_FILTER = re.compile(r"_flt_(\d+)_(\w+)")


def member_interface(column_filters: dict | None = None) -> ScopedInterface:
    """How the member list and page read members (API and pages alike): scoped, sorted by the
    Vietnamese name key."""
    return ScopedInterface(Member, lambda actor: member_clause(actor),
                           order_keys={"full_name": "sort_key"}, column_filters=column_filters)


def _subtree_of(value) -> ColumnElement[bool]:
    root = session().get(Unit, id_value(value))
    if root is None:
        return Member.id.is_(None)
    return Member.unit_id.in_(subtree_ids(root.path))


def _statuses(values) -> ColumnElement[bool]:
    values = [values] if isinstance(values, str) else list(values)
    if any(v not in STATUSES for v in values):
        raise ValueError(values)
    return Member.status.in_(values)


def extra_clause(field: ExtraField, value: Any) -> ColumnElement[bool]:
    """Members whose plugin field `field` (stored in `Member.extra`) equals `value`, compared as
    the field's type is stored: integers and booleans as JSON numbers and booleans, dates as ISO
    text (dd/mm/yyyy accepted), choices among the field's values. ValueError: a bad value."""
    node = Member.extra[field.name]
    if field.type == "integer":
        return node.as_integer() == id_value(value)
    if field.type == "boolean":
        return node.as_boolean() == _boolean(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(value)
    text = str(value).strip()
    if field.type == "date":
        return node.as_string() == _iso_date(text)
    if field.type == "choice" and text not in field.choices:
        raise ValueError(value)
    return node.as_string() == text


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "x", "có", "on"):
        return True
    if text in ("0", "false", "no", "không", "off"):
        return False
    raise ValueError(value)


def _iso_date(text: str) -> str:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(text)


#: column -> operator -> SQL condition for a value (ValueError/TypeError: a 400 naming the filter).
MEMBER_FILTERS: dict[str, dict[str, FilterFn]] = {
    "unit_id": {"eq": lambda v: Member.unit_id == id_value(v)},
    "subtree_of": {"eq": _subtree_of},
    "status": {"eq": _statuses, "in": _statuses},
    "full_name": {"ct": lambda v: search.name_contains(str(v))},
}


def with_extra_fields(fields: list[ExtraField]) -> dict[str, dict[str, FilterFn]]:
    """The table plus an `eq` filter for each plugin field."""
    return {**MEMBER_FILTERS,
            **{f.name: {"eq": functools.partial(extra_clause, f)} for f in fields}}


def member_filters() -> dict[str, dict[str, FilterFn]]:
    """The current app's member filters: the core's and its plugins' fields (the one table
    every member list and export reads `q` with)."""
    return with_extra_fields(member_fields())


def member_clauses(filters: Any) -> list[ColumnElement[bool]]:
    """The SQL conditions of a member list's `q` filters (core.api.BadRequest names a bad one)."""
    return filter_clauses(member_filters(), filters)


def page_export_args(args: Mapping[str, str]) -> dict[str, str]:
    """The member export's arguments (`q`, `search`) for the member page's list filters
    (`_flt_<index>_<column>` in its URL), so that the page exports what it lists.

    The page's filters per column, by index: `full_name` 0 the accent-free name (`ct`), 1 the
    quick search (`search=`); `status` 0 (`eq`); `extra` i the i-th plugin choice field (`eq`)."""
    choices = [f.name for f in member_fields() if f.type == "choice"]
    specs: list[dict[str, Any]] = []
    search_text = ""
    for key, value in args.items():
        match = _PAGE_FILTER.fullmatch(key)
        if not match or not value:
            continue
        index, column = int(match.group(1)), match.group(2)
        if column == "full_name" and index == 0:
            specs.append({"col": "full_name", "opr": "ct", "value": value})
        elif column == "full_name" and index == 1:
            search_text = value
        elif column == "status" and index == 0:
            specs.append({"col": "status", "opr": "eq", "value": value})
        elif column == "extra" and index < len(choices):
            specs.append({"col": choices[index], "opr": "eq", "value": value})
    result = {"q": prison.dumps({"filters": specs})}
    if search_text:
        result["search"] = search_text
    return result
