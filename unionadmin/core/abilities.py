"""What an account may do, by its role: the one home of these rules (as hitobito's abilities).

*Where* it may act (which units and members it sees) is `core/scope.py`; the permissions FAB
checks on each view and API method come from `core/roles.py`. What is left is decided here:
the finer rules a service applies before it writes or shows something. Each function takes the
actor (the current one by default) and answers a yes/no or a list; the services raise.
"""

from __future__ import annotations

from unionadmin.core.actor import Actor, current_actor
from unionadmin.core.db import session
from unionadmin.core.roles import (
    GRANTABLE,
    ROLE_ADMIN,
    ROLE_APPROVER,
    ROLE_OFFICER,
    ROLE_RANK,
    ROLE_UNIT_ADMIN,
)
from unionadmin.core.units.models import LEVEL_RANK, Unit
from unionadmin.core.units.services import grassroots_of

#: Roles that see citizen ID and phone in full (they enter and check them); Viewers see them
#: masked.
FULL_VIEW_ROLES = (ROLE_ADMIN, ROLE_UNIT_ADMIN, ROLE_APPROVER, ROLE_OFFICER)
#: Roles that decide the core approval step and the receiving side of a transfer.
DECIDERS = (ROLE_APPROVER, ROLE_UNIT_ADMIN)
#: Roles that manage the accounts of their subtree and choose its card templates.
ADMINISTRATORS = (ROLE_ADMIN, ROLE_UNIT_ADMIN)


def _actor(actor: Actor | None) -> Actor:
    return actor or current_actor()


# -- personal data ----------------------------------------------------------------------------


def can_see_personal_data(actor: Actor | None = None) -> bool:
    """Citizen ID, old ID number and phone in full (lists, pages, API answers, exports)."""
    return _actor(actor).has_role(*FULL_VIEW_ROLES)


# -- accounts ---------------------------------------------------------------------------------


def can_manage_accounts(actor: Actor | None = None) -> bool:
    return _actor(actor).has_role(*ADMINISTRATORS)


def assignable_roles(actor: Actor | None = None) -> list[str]:
    """Roles the actor may grant: none more powerful than its own, Admin only by an Admin."""
    actor = _actor(actor)
    if actor.is_admin:
        return [ROLE_ADMIN, *GRANTABLE]
    power = max((ROLE_RANK.get(r, 0) for r in actor.roles), default=0)
    return [r for r in GRANTABLE if ROLE_RANK[r] <= power and ROLE_RANK[r] < ROLE_RANK[ROLE_ADMIN]]


def can_manage_account(target_role: str | None, actor: Actor | None = None) -> bool:
    """An Admin's account is changed only by an Admin (to anyone else it does not exist)."""
    return _actor(actor).is_admin or target_role != ROLE_ADMIN


def needs_unit(role: str | None) -> bool:
    """Every account belongs to a unit, except an Admin's (the whole country)."""
    return role != ROLE_ADMIN


# -- cards ------------------------------------------------------------------------------------


def can_allocate_card_ranges(actor: Actor | None = None) -> bool:
    """Card number ranges are allocated by the central level only."""
    return _actor(actor).is_admin


def can_choose_card_templates(actor: Actor | None = None) -> bool:
    return _actor(actor).has_role(*ADMINISTRATORS)


# -- member lifecycle -------------------------------------------------------------------------


def can_decide_transfer(actor: Actor | None = None) -> bool:
    """The role part of accepting or refusing a transfer (the unit part is the receiver's scope)."""
    actor = _actor(actor)
    return actor.is_admin or actor.has_role(*DECIDERS)


def can_approve(member_unit_id: int, role: str, level: str, core: bool,
                actor: Actor | None = None) -> bool:
    """Whether the actor decides an approval step of a member of the unit `member_unit_id`.

    The core step (`core`): an Approver or Unit Admin of the member's grassroots union or an
    ancestor. A plugin step: its `role` (or a Unit Admin) in an ancestor of the member's unit at
    the step's `level` or above. Admins decide every step."""
    actor = _actor(actor)
    if actor.is_admin:
        return True
    unit = session().get(Unit, actor.unit_id) if actor.unit_id else None
    member_unit = session().get(Unit, member_unit_id)
    if unit is None or member_unit is None:
        return False
    if core:
        return actor.has_role(*DECIDERS) and unit.contains(grassroots_of(member_unit) or member_unit)
    return (actor.has_role(role, ROLE_UNIT_ADMIN) and unit.contains(member_unit)
            and unit.level_rank <= LEVEL_RANK.get(level, -1))
