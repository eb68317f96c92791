"""Rules of the unit tree: levels, parents, moves and dissolution, with unit events."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, func, literal, select
from sqlalchemy import update as sql_update

from unionadmin.core import audit
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, today
from unionadmin.core.errors import FieldErrors, NotFound, ValidationError
from unionadmin.core.input_guard import fits_integer
from unionadmin.core.schemas import check_lengths
from unionadmin.core.scope import get_unit, in_subtree, require_unit_in_scope, subtree_clause
from unionadmin.core.text import fold, nfc, text_sort_key
from unionadmin.core.units.models import (
    LEVEL_RANK,
    LEVELS,
    SECTORS,
    Unit,
    UnitEvent,
)

FIELDS = ("code", "name", "level", "parent_id", "sector", "member_target", "worker_count",
          "address", "founded_on", "dissolved_on", "active")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def _values(unit: Unit) -> dict[str, Any]:
    return {f: getattr(unit, f) for f in FIELDS}


def _clean(data: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    data = {**dict.fromkeys(FIELDS), "active": True, **data}
    code = str(data.get("code") or "").strip()
    if not code:
        errors.add("code", _("This field is required."))
    elif not _CODE.match(code):
        errors.add("code", _("Code: up to 32 letters, digits, dots, hyphens or underscores."))
    data["code"] = code
    name = nfc(str(data.get("name") or ""))
    if not name:
        errors.add("name", _("This field is required."))
    elif len(name) > 255:
        errors.add("name", _("At most %(n)s characters.", n=255))
    data["name"] = name
    if data.get("level") not in LEVELS:
        errors.add("level", _("Choose a level."))
    if data.get("sector") in ("", None):
        data["sector"] = None
    elif data["sector"] not in SECTORS:
        errors.add("sector", _("Unknown sector."))
    for field in ("member_target", "worker_count"):
        value = data.get(field)
        if value in ("", None):
            data[field] = None
        elif not fits_integer(value) or value < 0:
            errors.add(field, _("Must be a whole number, zero or more."))
    founded, dissolved = data.get("founded_on"), data.get("dissolved_on")
    if founded and founded > today():
        errors.add("founded_on", _("This date cannot be in the future."))
    if dissolved and dissolved > today():
        errors.add("dissolved_on", _("This date cannot be in the future."))
    if founded and dissolved and dissolved < founded:
        errors.add("dissolved_on", _("A unit cannot be dissolved before it was founded."))
    data["address"] = nfc(str(data.get("address") or "")) or None
    data["active"] = data.get("active", True) is not False and not dissolved
    check_lengths(Unit, data, errors)
    return data


def _check_parent(data: dict[str, Any], errors: FieldErrors, unit: Unit | None) -> Unit | None:
    """The parent must be visible to the actor, of a higher level, and not inside `unit`."""
    parent_id = data.get("parent_id")
    if parent_id in (None, ""):
        if not current_actor().unrestricted:
            errors.add("parent_id", _("Only a system administrator can create a top-level unit."))
        return None
    try:
        parent = require_unit_in_scope(parent_id, "parent_id")
    except ValidationError as exc:
        errors.add("parent_id", exc.errors["parent_id"][0])
        return None
    level = data.get("level")
    if level in LEVEL_RANK and parent.level_rank >= LEVEL_RANK[level]:
        errors.add("parent_id", _("The parent unit must be of a higher level than %(level)s.",
                                  level=LEVELS[level]))
    if unit is not None and in_subtree(parent.path, unit.path):
        errors.add("parent_id", _("A unit cannot be placed under itself or its own sub-units."))
    return parent


def _check_code_free(code: str, errors: FieldErrors, unit_id: int | None = None) -> None:
    query = select(Unit.id).where(Unit.code == code)
    if unit_id is not None:
        query = query.where(Unit.id != unit_id)
    if code and session().execute(query.limit(1)).first():
        errors.add("code", _("Another unit already has this code."))


def _check_children_levels(unit: Unit, level: str, errors: FieldErrors) -> None:
    lowest_child = session().scalar(
        select(func.min(Unit.level_rank)).where(Unit.parent_id == unit.id))
    if lowest_child is not None and lowest_child <= LEVEL_RANK[level]:
        errors.add("level", _("Sub-units of this unit would no longer be of a lower level."))


def _event(unit: Unit, kind: str, **fields: Any) -> None:
    session().add(UnitEvent(unit_id=unit.id, kind=kind, actor_id=current_actor().user_id,
                            effective_date=fields.pop("effective_date", None) or today(),
                            **fields))


def _apply(unit: Unit, data: dict[str, Any]) -> None:
    for field in FIELDS:
        if field != "parent_id":
            setattr(unit, field, data[field])
    unit.level_rank = LEVEL_RANK[unit.level]
    unit.name_search = fold(unit.name)
    unit.name_key = text_sort_key(unit.name)


def create(data: dict[str, Any]) -> Unit:
    errors = FieldErrors()
    data = _clean(data, errors)
    parent = _check_parent(data, errors, None)
    _check_code_free(data["code"], errors)
    errors.raise_if_any()
    unit = Unit(parent_id=parent.id if parent else None, path="", depth=0)
    _apply(unit, data)
    db = session()
    db.add(unit)
    db.flush()  # the id makes the path
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    _event(unit, "created", to_parent_id=unit.parent_id, effective_date=unit.founded_on)
    audit.record("unit.create", "unit", unit.id, unit.path, {"values": _values(unit)})
    db.commit()
    return unit


def update(unit: Unit, changes: dict[str, Any]) -> Unit:
    before = _values(unit)
    errors = FieldErrors()
    data = _clean({**before, **changes}, errors)
    parent = _check_parent(data, errors, unit) if data.get("parent_id") != unit.parent_id else None
    if data["code"] != unit.code:
        _check_code_free(data["code"], errors, unit.id)
    if data.get("level") in LEVEL_RANK and data["level"] != unit.level:
        _check_children_levels(unit, data["level"], errors)
    if data.get("parent_id") == unit.parent_id and unit.parent is not None and \
            data.get("level") in LEVEL_RANK and unit.parent.level_rank >= LEVEL_RANK[data["level"]]:
        errors.add("level", _("The level must stay lower than the parent unit's."))
    _check_own_root(unit, data, errors)
    errors.raise_if_any()
    was_active = unit.active
    _apply(unit, data)
    if data.get("parent_id") != unit.parent_id:
        _move(unit, parent)
    if was_active and not unit.active:
        _event(unit, "dissolved", effective_date=unit.dissolved_on)
    elif not was_active and unit.active:
        _event(unit, "restored")
    changed = audit.diff(before, _values(unit))
    if changed:
        _event(unit, "edited", details={"fields": sorted(changed)})
    audit.record("unit.update", "unit", unit.id, unit.path, {"changes": changed})
    session().commit()
    return unit


def _check_own_root(unit: Unit, data: dict[str, Any], errors: FieldErrors) -> None:
    """A scoped account's own unit is the root of all it manages: it may not dissolve or
    deactivate it (that is for the level above, or an Admin)."""
    actor = current_actor()
    if actor.unrestricted or unit.id != actor.unit_id or not unit.active or data["active"]:
        return
    field = "dissolved_on" if data.get("dissolved_on") and not unit.dissolved_on else "active"
    errors.add(field, _("You cannot dissolve or deactivate your own unit; ask the level above."))


def _move(unit: Unit, parent: Unit | None, effective_date: date | None = None) -> None:
    """Re-parent `unit`; its whole subtree's paths change in one UPDATE."""
    old_path, old_parent_id = unit.path, unit.parent_id
    new_path = (parent.path if parent else "/") + f"{unit.id}/"
    delta = (parent.depth + 1 if parent else 0) - unit.depth
    db = session()
    db.flush()
    db.execute(
        sql_update(Unit)
        .where(subtree_clause(Unit.path, old_path))
        .values(path=literal(new_path, String).concat(func.substr(Unit.path, len(old_path) + 1)),
                depth=Unit.depth + delta)
        .execution_options(synchronize_session=False)
    )
    db.execute(sql_update(Unit).where(Unit.id == unit.id).values(parent_id=parent.id if parent else None)
               .execution_options(synchronize_session=False))
    db.expire_all()
    _event(unit, "moved", from_parent_id=old_parent_id, to_parent_id=parent.id if parent else None,
           effective_date=effective_date, details={"from_path": old_path, "to_path": new_path})


def dissolve(unit: Unit, on: date | None = None) -> Unit:
    return update(unit, {"dissolved_on": on or today(), "active": False})


def get(unit_id: int) -> Unit:
    return get_unit(unit_id)


def lookup(code: str) -> Unit:
    """Any unit in the country by code (the one read outside scope: transfers need it)."""
    unit = session().scalar(select(Unit).where(Unit.code == (code or "").strip()))
    if unit is None:
        raise NotFound()
    return unit


def grassroots_of(unit: Unit) -> Unit | None:
    """The grassroots union a unit belongs to (itself, or its ancestor of that level)."""
    if unit.level == "grassroots":
        return unit
    if unit.level_rank < LEVEL_RANK["grassroots"]:
        return None
    return session().scalar(select(Unit).where(Unit.id.in_(unit.ancestor_ids),
                                               Unit.level == "grassroots"))


def ancestors(unit: Unit) -> list[Unit]:
    """From the root down to the unit, in one query."""
    rows = session().scalars(select(Unit).where(Unit.id.in_(unit.ancestor_ids))).all()
    return sorted(rows, key=lambda u: u.depth)
