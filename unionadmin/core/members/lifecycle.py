"""The rest of a member's life: suspension and reinstatement, leaving (left, expelled, deceased:
the card is revoked) and readmission on the same record."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from unionadmin.core.cards import services as cards
from unionadmin.core.db import session
from unionadmin.core.errors import ValidationError
from unionadmin.core.members.actions import (
    LEAVE_KINDS,
    MAX_SUSPENSION_MONTHS,
    add_months,
    as_date,
    effective_date,
    finish,
    guarded,
    reason_text,
    require_state,
    set_status,
)
from unionadmin.core.members.models import Member, MembershipPeriod
from unionadmin.core.members.periods import close_period, current_period
from unionadmin.core.members.record import check_still_unique, record_event, require_owner
from unionadmin.core.members.steps import submit


@guarded
def suspend(member: Member, reason: Any = None, date: Any = None, until: Any = None) -> Member:
    """Suspend membership for at most 12 months (the member still counts)."""
    require_state(member, "suspend")
    require_owner(member)
    text = reason_text(reason)
    day = effective_date(member, date)
    end = as_date(until, "until")
    if end is None:
        raise ValidationError.single("until", _("This field is required."))
    if end <= day:
        raise ValidationError.single("until", _("The end of the suspension must be after its start."))
    if end > add_months(day, MAX_SUSPENSION_MONTHS):
        raise ValidationError.single("until", _("A suspension lasts at most %(n)s months.",
                                                n=MAX_SUSPENSION_MONTHS))
    set_status(member, "active", "suspended")
    events = [record_event(member, "suspended", effective=day, from_unit_id=member.unit_id,
                           details={"reason": text, "until": end.isoformat()})]
    return finish(member, "suspend", events, {"until": end})


@guarded
def reinstate(member: Member, date: Any = None) -> Member:
    require_state(member, "reinstate")
    require_owner(member)
    day = effective_date(member, date)
    set_status(member, "suspended", "active")
    events = [record_event(member, "reinstated", effective=day, to_unit_id=member.unit_id)]
    return finish(member, "reinstate", events)


@guarded
def leave(member: Member, kind: Any = None, date: Any = None, reason: Any = None) -> Member:
    """Left, expelled or deceased: the period ends on this date and the card is revoked."""
    require_state(member, "leave")
    require_owner(member)
    if kind not in LEAVE_KINDS:
        raise ValidationError.single("kind", _("Not one of the allowed values."))
    text = reason_text(reason, required=kind == "expelled")
    period = current_period(member)
    day = effective_date(member, date, not_before=period.start_date if period else None)
    set_status(member, member.status, kind)
    close_period(member, day, kind)
    events = []
    card = cards.revoke(member, kind)
    if card is not None:
        events.append(record_event(member, "card_revoked", effective=day,
                                   details={"number": card.number, "reason": kind}))
    events.append(record_event(member, kind, effective=day, from_unit_id=member.unit_id,
                               details={"reason": text} if text else None))
    return finish(member, "leave", events, {"kind": kind, "date": day})


@guarded
def readmit(member: Member, date: Any = None) -> Member:
    """A person who left (or was expelled) comes back on the same record: pending again; the
    approval opens a new period that starts on this date."""
    require_state(member, "readmit")
    require_owner(member)
    last_end = session().scalar(select(func.max(MembershipPeriod.end_date))
                                .where(MembershipPeriod.member_id == member.id))
    day = effective_date(member, date, not_before=last_end)
    check_still_unique(member)
    set_status(member, member.status, "pending")
    submit(member)
    events = [record_event(member, "readmitted", effective=day, to_unit_id=member.unit_id)]
    return finish(member, "readmit", events, {"date": day})
