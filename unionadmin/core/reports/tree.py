"""Grouping per child unit in the database.

Aggregate reports count per unit id first (one GROUP BY over an indexed subtree), then map each
unit onto the child of the chosen unit it lies under by a join on path ranges: a unit X lies under
child C when C.path <= X.path < C.path with its last '/' replaced by '0' (as `subtree_bounds`).
Units directly in the chosen unit fall in the `None` bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, String, and_, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from unionadmin.core.db import session
from unionadmin.core.scope import UnitSet, subtree_ids
from unionadmin.core.units.models import Unit


def subtree_unit_ids(parent: Unit | None) -> Select | None:
    """Sub-select of the ids of the parent's subtree (None when parent is None: every unit)."""
    return subtree_ids(parent.path) if parent is not None else None


def subtree_filter(column, parent: Unit | None):
    """`column` (a unit id) lies in the parent's subtree (everything when parent is None)."""
    ids = subtree_unit_ids(parent)
    return column.in_(ids) if ids is not None else column.isnot(None)


#: A condition on a unit-id column ("lies in the subtree"); None: every unit.
Within = Callable[[Any], ColumnElement[bool]] | None


def subtree_units(parent: Unit | None) -> Within:
    """The parent's subtree as a condition on unit-id columns, its ids read once (`UnitSet`):
    for reports that filter several tables by the same subtree."""
    return UnitSet(subtree_ids(parent.path)).clause if parent is not None else None


def within(units: Within, column) -> ColumnElement[bool]:
    return units(column) if units is not None else column.isnot(None)


def children(parent: Unit | None) -> list[Unit]:
    """Direct children in name order (the roots when parent is None)."""
    where = Unit.parent_id == parent.id if parent is not None else Unit.parent_id.is_(None)
    return list(session().scalars(select(Unit).where(where).order_by(Unit.name_key, Unit.id)))


def path_high(unit) -> Any:
    """SQL: the exclusive upper bound of the subtree at `unit.path`."""
    return func.substr(unit.path, 1, func.length(unit.path) - 1, type_=String) + "0"


def by_child(parent: Unit | None, inner: Select) -> dict[int | None, dict[str, Any]]:
    """Sum the value columns of `inner` (a query with a `unit_id` column, grouped by it) per
    child of `parent`; the parent's own rows land under None."""
    sub = inner.subquery()
    unit = aliased(Unit)
    child = aliased(Unit)
    values = [c for c in sub.c if c.name != "unit_id"]
    on_child = and_(child.parent_id == parent.id if parent is not None else child.parent_id.is_(None),
                    unit.path >= child.path, unit.path < path_high(child))
    query = (select(child.id.label("child_id"), *(func.sum(c).label(c.name) for c in values))
             .select_from(sub).join(unit, unit.id == sub.c.unit_id)
             .outerjoin(child, on_child).group_by(child.id))
    return {row.child_id: {c.name: int(getattr(row, c.name) or 0) for c in values}
            for row in session().execute(query)}


def per_unit(inner: Select) -> dict[int, dict[str, int]]:
    """Run `inner` (a query with a `unit_id` column, grouped by it): its values per unit id.
    Core rows, not ORM ones: a province has thousands of units."""
    result = session().connection().execute(inner)
    names = list(result.keys())
    key = names.index("unit_id")
    return {row[key]: {n: int(v or 0) for i, (n, v) in enumerate(zip(names, row, strict=True)) if i != key}
            for row in result.all()}


def roll_up(parent: Unit | None, per_unit: dict[int, dict[str, int]]) -> dict[int | None, dict[str, int]]:
    """`by_child` in Python for counts already grouped per unit id: a unit lies under the child
    whose path is the prefix of its own one level below the parent (the tree is small, the
    member rows are not, so the database only groups them)."""
    own = parent.path if parent is not None else None
    start = len(own) if own is not None else 1  # where a child's own id begins in a path
    child_ids = {u.path: u.id for u in children(parent)}
    paths = session().connection().execute(select(Unit.id, Unit.path).where(subtree_filter(Unit.id, parent)))
    out: dict[int | None, dict[str, int]] = {}
    for unit_id, path in paths.all():
        values = per_unit.get(unit_id)
        if values is None:
            continue
        key = None if path == own else child_ids.get(path[:path.find("/", start) + 1])
        if key is None and path != own:
            continue  # not under any child (cannot happen in a consistent tree)
        bucket = out.setdefault(key, {})
        for name, value in values.items():
            bucket[name] = bucket.get(name, 0) + int(value or 0)
    return out


def merge(*parts: dict[int | None, dict[str, Any]]) -> dict[int | None, dict[str, Any]]:
    merged: dict[int | None, dict[str, Any]] = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, {}).update(values)
    return merged


def sum_rows(rows: Iterable[dict[str, Any]], names: Iterable[str]) -> dict[str, int]:
    rows = list(rows)
    return {n: sum(int(r.get(n) or 0) for r in rows) for n in names}


def unit_rows(parent: Unit | None, buckets: dict[int | None, dict[str, Any]],
              names: list[str], self_label: str) -> list[dict[str, Any]]:
    """A row per child (zeros where nothing was counted), then a row for the parent's own
    records when it has any."""
    rows = []
    for unit in children(parent):
        values = buckets.get(unit.id, {})
        rows.append({"unit_id": unit.id, "unit_name": unit.name,
                     **{n: int(values.get(n) or 0) for n in names}})
    own = buckets.get(None)
    if own and any(own.get(n) for n in names) and parent is not None:
        rows.append({"unit_id": parent.id, "unit_name": f"{parent.name} ({self_label})",
                     **{n: int(own.get(n) or 0) for n in names}})
    return rows
