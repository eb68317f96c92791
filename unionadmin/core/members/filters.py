"""The member list's data interface and filters (`q=(filters:!((col:..,opr:..,value:..)))`):
one table, used by the member API's list and by the member export (imports/api.py), so that
both read a filter alike, and the member pages read members through the same interface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.sql import ColumnElement

from unionadmin.core.api import id_value
from unionadmin.core.db import session
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.members import search
from unionadmin.core.members.models import STATUSES, Member
from unionadmin.core.scope import member_clause, subtree_ids
from unionadmin.core.units.models import Unit

FilterFn = Callable[[Any], ColumnElement[bool]]


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


def _extra_equals(name: str) -> FilterFn:
    """Filter on a plugin field stored in `extra` (`col:<field>,opr:eq`)."""
    return lambda value: Member.extra[name].as_string() == str(value)


#: column -> operator -> SQL condition for a value (ValueError/TypeError: a 400 naming the filter).
MEMBER_FILTERS: dict[str, dict[str, FilterFn]] = {
    "unit_id": {"eq": lambda v: Member.unit_id == id_value(v)},
    "subtree_of": {"eq": _subtree_of},
    "status": {"eq": _statuses, "in": _statuses},
    "full_name": {"ct": lambda v: search.name_contains(str(v))},
}


def with_extra_fields(fields) -> dict[str, dict[str, FilterFn]]:
    """The table plus an `eq` filter for each plugin field."""
    return {**MEMBER_FILTERS, **{f.name: {"eq": _extra_equals(f.name)} for f in fields}}
