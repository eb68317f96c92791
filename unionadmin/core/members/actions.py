"""What every lifecycle action shares: the statuses it starts from, its checks of state and input,
the compare-and-set of the status, and its tail (audit, commit, notify).

Every action: checks the state (Conflict, nothing changed), the actor's right over this member
(the sender's side owns the record; a receiver may only accept or refuse), the input (field
errors), then writes the status, events and periods, an audit row, commits, and notifies
plugins. A database error after the first write rolls the whole action back (`guarded`).
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from unionadmin.core.db import session, today, utcnow
from unionadmin.core.errors import Conflict, ValidationError
from unionadmin.core.members.models import STATUSES, Member, MemberEvent
from unionadmin.core.members.record import audit_member, notify
from unionadmin.core.scope import in_scope
from unionadmin.core.units.models import Unit

#: Which statuses each action starts from.
ACTION_STATES: dict[str, tuple[str, ...]] = {
    "approve": ("pending",),
    "reject": ("pending",),
    "resubmit": ("rejected",),
    "transfer": ("active",),
    "cancel_transfer": ("transfer_pending",),
    "accept_transfer": ("transfer_pending",),
    "refuse_transfer": ("transfer_pending",),
    "suspend": ("active",),
    "reinstate": ("suspended",),
    "leave": ("active", "suspended"),
    "readmit": ("left", "expelled"),
    "card": ("active", "suspended", "transfer_pending"),
    "revoke_card": ("active", "suspended", "transfer_pending"),
}
#: Actions of the receiving side of a transfer; every other one is the owner's.
RECEIVER_ACTIONS = ("accept_transfer", "refuse_transfer")
LEAVE_KINDS = ("left", "expelled", "deceased")
MAX_SUSPENSION_MONTHS = 12


def require_state(member: Member, action: str) -> None:
    if member.status not in ACTION_STATES[action]:
        raise Conflict(_("This action is not possible while the member's status is "
                         "%(status)s.", status=STATUSES.get(member.status, member.status)))


def reason_text(value: Any, field: str = "reason", required: bool = True) -> str | None:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError.single(field, _("Give a reason."))
    if len(text) > 500:
        raise ValidationError.single(field, _("At most %(n)s characters.", n=500))
    return text or None


def as_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError.single(field, _("Not a valid date (dd/mm/yyyy)."))


def effective_date(member: Member, value: Any, field: str = "date",
               not_before: date | None = None) -> date:
    """An action's business date: today by default; may be in the past, never in the future,
    never before the member joined (nor before `not_before`, e.g. the current period's start)."""
    day = as_date(value, field) or today()
    if day > today():
        raise ValidationError.single(field, _("This date cannot be in the future."))
    if day < member.joined_on:
        raise ValidationError.single(field, _("This date cannot be before the member joined the "
                                              "union (%(day)s).",
                                              day=member.joined_on.strftime("%d/%m/%Y")))
    if not_before is not None and day < not_before:
        raise ValidationError.single(field, _("This date cannot be before %(day)s.",
                                              day=not_before.strftime("%d/%m/%Y")))
    return day


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def finish(member: Member, action: str, events: list[MemberEvent],
            details: dict[str, Any] | None = None) -> Member:
    """Audit, commit, notify: the tail of every action."""
    audit_member(f"member.{action}", member, {"status": member.status, **(details or {})})
    db = session()
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(_("Another change to this member was saved at the same time; reload and "
                         "try again.")) from None
    notify(*events)
    return member


def guarded(fn: Callable[..., Member]) -> Callable[..., Member]:
    """Roll back everything an action added when it fails half-way."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Member:
        try:
            return fn(*args, **kwargs)
        except Exception:
            session().rollback()
            raise

    return wrapper


def set_status(member: Member, old: str, new: str) -> None:
    """Compare-and-set the status in the database: of two concurrent actions on one member,
    the second finds the status changed and stops (409) instead of acting twice."""
    result = session().execute(
        sql_update(Member).where(Member.id == member.id, Member.status == old)
        .values(status=new, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("Someone else has just changed this member; reload the page."))
    member.status = new
    session().flush()


def available_actions(member: Member) -> list[str]:
    """Actions the member's state and the actor's side allow (roles are checked by the
    caller's permissions): what the member page offers."""
    unit = session().get(Unit, member.unit_id)
    owner = in_scope(unit)
    names = []
    for name, states in ACTION_STATES.items():
        if member.status not in states:
            continue
        if name in RECEIVER_ACTIONS:
            if not receives(member):
                continue
        elif not owner:
            continue
        if name == "revoke_card" and not member.card_number:
            continue
        names.append(name)
    return names


def receives(member: Member) -> bool:
    if not member.transfer_to_unit_id:
        return False
    return in_scope(session().get(Unit, member.transfer_to_unit_id))
