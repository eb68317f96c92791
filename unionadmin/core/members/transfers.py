"""Transfers between grassroots unions: the sender asks (or cancels), the receiver accepts or
refuses. The one write that names a unit outside the actor's scope (`scope.transfer_targets`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from unionadmin.core import abilities
from unionadmin.core.db import session, today
from unionadmin.core.errors import Conflict, Forbidden, ValidationError
from unionadmin.core.members.actions import (
    effective_date,
    finish,
    guarded,
    reason_text,
    require_state,
    set_status,
)
from unionadmin.core.members.models import Member
from unionadmin.core.members.periods import close_period, current_period, open_period
from unionadmin.core.members.record import record_event, require_owner
from unionadmin.core.scope import in_scope
from unionadmin.core.units import services as units
from unionadmin.core.units.models import GRASSROOTS_RANK, Unit


def _require_receiver(member: Member) -> Unit:
    target = session().get(Unit, member.transfer_to_unit_id) if member.transfer_to_unit_id else None
    if target is None or not in_scope(target):
        raise Forbidden(_("Only the receiving unit can accept or refuse this transfer."))
    if not abilities.can_decide_transfer():
        raise Forbidden(_("Only an Approver or a Unit Admin of the receiving unit can do this."))
    return target


def _transfer_target(member: Member, to_unit_id: Any) -> Unit:
    """Any active unit of grassroots level or below in the country (the one write that names a
    unit outside the actor's scope), but not inside the member's own grassroots union."""
    unit = session().get(Unit, to_unit_id) if isinstance(to_unit_id, int) and \
        not isinstance(to_unit_id, bool) else None
    if unit is None:
        raise ValidationError.single("to_unit_id", _("This unit does not exist."))
    if unit.level_rank < GRASSROOTS_RANK:
        raise ValidationError.single(
            "to_unit_id", _("Members belong to a grassroots union or a unit inside one."))
    if not unit.active:
        raise ValidationError.single("to_unit_id", _("This unit has been dissolved."))
    current = session().get(Unit, member.unit_id)
    if units.grassroots_of(unit) == units.grassroots_of(current):
        raise ValidationError.single(
            "to_unit_id", _("This unit is in the member's own grassroots union: edit the member's "
                            "unit instead of transferring."))
    return unit


@guarded
def transfer(member: Member, to_unit_id: Any = None, date: Any = None) -> Member:
    """Ask another unit to take the member: `transfer_pending` until it accepts."""
    require_state(member, "transfer")
    require_owner(member)
    target = _transfer_target(member, to_unit_id)
    period = current_period(member)
    day = effective_date(member, date, not_before=period.start_date if period else None)
    set_status(member, "active", "transfer_pending")
    member.transfer_to_unit_id = target.id
    member.transfer_date = day
    events = [record_event(member, "transfer_requested", effective=day,
                           from_unit_id=member.unit_id, to_unit_id=target.id)]
    return finish(member, "transfer", events, {"to_unit_id": target.id, "date": day})


def _clear_transfer(member: Member) -> int | None:
    target = member.transfer_to_unit_id
    member.transfer_to_unit_id = None
    member.transfer_date = None
    return target


@guarded
def cancel_transfer(member: Member) -> Member:
    require_state(member, "cancel_transfer")
    require_owner(member)
    set_status(member, "transfer_pending", "active")
    target = _clear_transfer(member)
    events = [record_event(member, "transfer_cancelled", from_unit_id=member.unit_id,
                           to_unit_id=target)]
    return finish(member, "cancel_transfer", events)


@guarded
def refuse_transfer(member: Member, reason: Any = None) -> Member:
    require_state(member, "refuse_transfer")
    _require_receiver(member)
    text = reason_text(reason)
    set_status(member, "transfer_pending", "active")
    target = _clear_transfer(member)
    events = [record_event(member, "transfer_refused", from_unit_id=member.unit_id,
                           to_unit_id=target, details={"reason": text})]
    return finish(member, "refuse_transfer", events, {"reason": text})


@guarded
def accept_transfer(member: Member) -> Member:
    """The receiver takes the member: out of the old unit and into the new one on the
    transfer's date, in the periods as in the events."""
    require_state(member, "accept_transfer")
    target = _require_receiver(member)
    if not target.active:
        raise Conflict(_("The receiving unit has been dissolved; the sender should cancel the "
                         "transfer."))
    day = member.transfer_date or today()
    old_unit_id = member.unit_id
    set_status(member, "transfer_pending", "active")
    _clear_transfer(member)
    close_period(member, day, "transferred_out")
    member.unit_id = target.id
    session().flush()
    open_period(member, target.id, day, "transferred_in")
    events = [record_event(member, kind, effective=day, from_unit_id=old_unit_id,
                           to_unit_id=target.id) for kind in ("transferred_out", "transferred_in")]
    return finish(member, "accept_transfer", events, {"from_unit_id": old_unit_id, "date": day})
