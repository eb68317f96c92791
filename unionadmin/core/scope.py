"""The one place that decides which units and members an actor may see and change.

Every query of a scoped model passes through `scoped()` (the data interface calls it for FAB's
lists, shows, edits, deletes and actions; services call it for everything else), and every write
names its target unit through `require_unit_in_scope()`. Outside the subtree, records do not
exist: callers answer 404 exactly as for a missing id.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Integer, Select, and_, any_, cast, false, func, literal, not_, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement

from unionadmin.core.actor import Actor, current_actor
from unionadmin.core.db import session
from unionadmin.core.errors import NotFound, ValidationError
from unionadmin.core.input_guard import fits_integer
from unionadmin.core.members.models import Member
from unionadmin.core.units.models import GRASSROOTS_RANK, Unit, subtree_bounds


def unit_clause(actor: Actor | None = None, unit=Unit) -> ColumnElement[bool]:
    """SQL condition: `unit` (the Unit entity or an alias) lies in the actor's subtree."""
    return path_clause(unit.path, actor)


def path_clause(column, actor: Actor | None = None) -> ColumnElement[bool]:
    """SQL condition: a unit-path column (a unit's own, or one copied into a row such as the
    audit log's) lies in the actor's subtree (a range scan on its index)."""
    actor = actor or current_actor()
    if actor.unrestricted:
        return true()
    if not actor.unit_path:
        return false()
    return subtree_clause(column, actor.unit_path)


def subtree_clause(column, root_path: str) -> ColumnElement[bool]:
    """SQL condition: a unit-path column lies in the subtree at `root_path`, the root included
    (a range scan on its index)."""
    low, high = subtree_bounds(root_path)
    return and_(column >= low, column < high)


def in_subtree(path: str, root_path: str) -> bool:
    """Whether the unit at `path` lies in the subtree at `root_path`, the root included."""
    return path.startswith(root_path)


def subtree_ids(path: str) -> Select:
    """Ids of the units in the subtree at `path` (a range scan on the path index)."""
    return select(Unit.id).where(subtree_clause(Unit.path, path))


def unit_ids_in_scope(actor: Actor | None = None) -> Select | None:
    """Subquery of the unit ids the actor may see, or None when unrestricted."""
    actor = actor or current_actor()
    if actor.unrestricted:
        return None
    if not actor.unit_path:
        return select(Unit.id).where(false())
    return subtree_ids(actor.unit_path)


def unit_id_clause(column, actor: Actor | None = None) -> ColumnElement[bool]:
    """SQL condition: a unit-id column points inside the actor's subtree (IN subquery,
    never a join, which clashes with FAB's own joins: docs/architecture.md#scope)."""
    ids = unit_ids_in_scope(actor)
    return true() if ids is None else column.in_(ids)


def in_scope(unit: Unit | None, actor: Actor | None = None) -> bool:
    """Whether a loaded unit lies in the actor's subtree."""
    actor = actor or current_actor()
    if unit is None:
        return False
    if actor.unrestricted:
        return True
    return bool(actor.unit_path) and in_subtree(unit.path, actor.unit_path)


def unit_id_in_scope(unit_id: int | None, actor: Actor | None = None) -> bool:
    """Whether the unit with this id lies in the actor's subtree; a row that names no unit
    (a job of the whole country) is in the scope of unrestricted actors only."""
    actor = actor or current_actor()
    if unit_id is None:
        return actor.unrestricted
    return in_scope(session().get(Unit, unit_id), actor)


def transfer_targets() -> Select:
    """The units a member may be transferred to: any active unit of grassroots level or below in
    the whole country. The one deliberate crossing of the scope for a write (the receiver then
    sees the member: `member_clause`); the transfer picker offers them, the service checks them."""
    return select(Unit).where(Unit.active.is_(True), Unit.level_rank >= GRASSROOTS_RANK)


def get_unit(unit_id: int | None, actor: Actor | None = None) -> Unit:
    """The unit with this id if the actor may see it; NotFound otherwise."""
    # An id no row can have is a missing unit (the database would fail on it instead).
    unit = session().get(Unit, unit_id) if fits_integer(unit_id) else None
    if not in_scope(unit, actor):
        raise NotFound()
    return unit


def require_unit_in_scope(unit_id: int | None, field: str, actor: Actor | None = None) -> Unit:
    """A write's target unit, or a field error that does not reveal whether it exists."""
    try:
        return get_unit(unit_id, actor)
    except NotFound:
        raise ValidationError.single(field, _("This unit does not exist or is outside your scope.")) from None


def member_clause(actor: Actor | None = None) -> ColumnElement[bool]:
    """SQL condition: the member's unit lies in the actor's subtree, or the member has a transfer
    pending into it (the one deliberate crossing: the receiver sees the member and may accept or
    refuse; the services refuse it every other write).

    Incoming transfers from outside the subtree are few, so their ids are read first (a partial
    index; a transfer between two units of the subtree is in it already): in the usual case
    there are none and the condition stays the plain `unit_id IN (subtree)` that the planner
    turns into an index join; otherwise an IN over a UNION keeps it a single semi-join (an OR
    of two sub-selects would force a scan of the whole table on PostgreSQL).
    """
    ids = unit_ids_in_scope(actor)
    if ids is None:
        return true()
    if session().get_bind().dialect.name == "postgresql":
        return _member_clause_pg(ids)
    own = Member.unit_id.in_(ids)
    incoming = session().scalars(
        select(Member.id).where(Member.transfer_to_unit_id.in_(ids), Member.unit_id.not_in(ids),
                                Member.status == "transfer_pending")
        .execution_options(autoflush=False)).all()
    if not incoming:
        return own
    return Member.id.in_(select(Member.id).where(own)
                         .union(select(Member.id).where(Member.id.in_(incoming))))


def _member_clause_pg(ids: Select) -> ColumnElement[bool]:
    """PostgreSQL: `unit_id IN` and `id IN (incoming)` as index conditions on values (UnitSet):
    a grassroots union walks its own (unit_id, sort_key) index, a district or a province the
    sort-key index (5 ms for a 70k-member district at 1M members, where an IN over a UNION
    hashed the whole subtree first: 1 s)."""
    units = UnitSet(ids)
    own, into = units.clause(Member.unit_id), units.clause(Member.transfer_to_unit_id)
    incoming = session().scalars(
        select(Member.id).where(into, not_(own), Member.status == "transfer_pending")
        .execution_options(autoflush=False)).all()
    if not incoming:
        return own
    return or_(own, Member.id.in_(incoming) if len(incoming) <= _LIST_UNITS else
               Member.id == any_(literal(list(incoming), ARRAY(Integer))))


class UnitSet:
    """A set of units (a sub-select of their ids) as a condition on unit-id columns.

    On PostgreSQL the ids are read once and passed as values, so that the planner estimates
    each condition from its statistics (an IN over a sub-select is planned blind: a scan of
    every unit, or of a whole date index, where a few thousand index probes would do). More
    than a few units go as one array parameter (`= ANY(%s)`): a province's 3,000 ids as
    separate parameters cost more to compile and bind than the query takes to run. Very large
    subtrees pass the ids as a sub-select array. SQLite gets the sub-select."""

    def __init__(self, ids: Select) -> None:
        self.ids = ids
        self.values: list[int] | None = None
        if session().get_bind().dialect.name == "postgresql":
            rows = session().connection().execute(ids.limit(_LITERAL_UNITS + 1))
            self.values = [unit_id for (unit_id,) in rows]

    def clause(self, column) -> ColumnElement[bool]:
        if self.values is None:
            return column.in_(self.ids)
        if len(self.values) <= _LIST_UNITS:
            return column.in_(self.values)
        # The cast makes `= ANY(...)` compare with an array, not the rows of a sub-select.
        units = (literal(self.values, ARRAY(Integer)) if len(self.values) <= _LITERAL_UNITS else
                 cast(self.ids.with_only_columns(func.array_agg(Unit.id)).scalar_subquery(), ARRAY(Integer)))
        return column == any_(units)


#: Subtrees up to this many units are passed as a list of parameters, then as one array.
_LIST_UNITS = 50
#: Subtrees up to this many units are passed to PostgreSQL as values (a province has ~3,000).
_LITERAL_UNITS = 5_000
