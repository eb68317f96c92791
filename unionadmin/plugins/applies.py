"""`applies_to`: how a plugin limits a report or a card template to part of the unit tree.

A report or card-template mapping returned by a plugin may carry ``applies_to``, a function of
a `Unit` returning True for the units where the item is offered; without it the item is offered
everywhere (hookspecs.py). The core asks it in one place per domain (the report registry and the
card-template registry), always through the two functions below, so that enabling a province's
plugin changes nothing elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from unionadmin.core.actor import Actor, current_actor
from unionadmin.core.db import session
from unionadmin.core.scope import unit_clause
from unionadmin.core.units.models import GRASSROOTS_RANK, Unit

log = logging.getLogger(__name__)

AppliesTo = Callable[[Unit], Any]


def applies(rule: AppliesTo | None, unit: Unit) -> bool:
    """Whether an item with this `applies_to` rule is offered for `unit` (no rule: everywhere)."""
    if rule is None:
        return True
    try:
        return bool(rule(unit))
    except Exception:  # noqa: BLE001 - a broken rule hides its own item, never the core's pages
        log.exception("applies_to %r failed for unit %s", rule, unit.code)
        return False


def offered(rule: AppliesTo | None, actor: Actor | None = None) -> bool:
    """Whether an item is offered to the actor at all: its rule holds for the actor's own unit
    or for a unit of the actor's subtree above grassroots level (a province's report is offered
    to that province's officers and to those above them; not to another province's). Grassroots
    unions are left out of the search because they are too many to try one by one; the units
    above are tried top-down and the search stops at the first where the rule holds."""
    if rule is None:
        return True
    actor = actor or current_actor()
    own = session().get(Unit, actor.unit_id) if actor.unit_id is not None else None
    if own is not None and applies(rule, own):
        return True
    query = (select(Unit).where(unit_clause(actor), Unit.level_rank < GRASSROOTS_RANK)
             .order_by(Unit.level_rank, Unit.path))
    result = session().scalars(query, execution_options={"yield_per": 200})
    try:
        return any(applies(rule, unit) for unit in result)
    finally:
        result.close()
