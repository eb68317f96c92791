"""Every change to a member goes through here: checks, events, periods, audit, hooks.

Views, the API, imports, the CLI and plugins call these functions; none of them checks or
writes members on its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from unionadmin.core import audit
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, today
from unionadmin.core.errors import FieldErrors, NotFound, ValidationError
from unionadmin.core.members import validation
from unionadmin.core.members.models import CLOSED_STATUSES, Member, MemberEvent
from unionadmin.core.members.periods import close_period, current_period, open_period
from unionadmin.core.scope import member_clause, require_unit_in_scope, unit_id_clause
from unionadmin.core.units import services as units
from unionadmin.core.units.models import GRASSROOTS_RANK, Unit
from unionadmin.plugins.manager import get_pm

#: Fields an officer enters; status, card and derived columns are never written directly.
FIELDS = ("full_name", "date_of_birth", "gender", "ethnicity", "religion", "id_type",
          "citizen_id", "old_id_number", "phone", "email", "hometown", "address",
          "education_level", "qualification", "occupation", "union_position", "party_member",
          "joined_on", "unit_id")
#: Personal fields whose values are not copied into audit rows or event details.
PERSONAL = ("citizen_id", "old_id_number", "phone", "email", "address")


def values_of(member: Member) -> dict[str, Any]:
    return {f: getattr(member, f) for f in FIELDS}


def get(member_id: int) -> Member:
    """A member the current actor may see; NotFound otherwise (missing or out of scope)."""
    member = session().scalar(select(Member).where(Member.id == member_id, member_clause()))
    if member is None:
        raise NotFound()
    return member


def _check_unit(unit_id: Any) -> Unit:
    unit = require_unit_in_scope(unit_id if isinstance(unit_id, int) else None, "unit_id")
    if unit.level_rank < GRASSROOTS_RANK:
        raise ValidationError.single(
            "unit_id", _("Members belong to a grassroots union or a unit inside one."))
    if not unit.active:
        raise ValidationError.single("unit_id", _("This unit has been dissolved."))
    return unit


def _check_duplicates(data: dict[str, Any], errors: FieldErrors, member_id: int | None) -> None:
    """One live member per identity number in the whole country (a unique index backs it)."""
    numbers = {n for n in (data.get("citizen_id"), data.get("old_id_number")) if n}
    if not numbers:
        return
    query = select(Member.id, Member.unit_id).where(
        or_(Member.citizen_id.in_(numbers), Member.old_id_number.in_(numbers)),
        Member.status.not_in(CLOSED_STATUSES),
    )
    if member_id is not None:
        query = query.where(Member.id != member_id)
    holder = session().execute(query.limit(1)).first()
    if holder is None:
        return
    visible = session().scalar(select(Unit.id).where(Unit.id == holder.unit_id,
                                                     unit_id_clause(Unit.id)))
    if visible:
        errors.add("citizen_id", _("This ID number is already registered to member #%(id)s.",
                                   id=holder.id))
    else:
        errors.add("citizen_id", _("This person is registered in another unit. Ask that unit "
                                   "to transfer the member instead of entering them again."))


def _validate(data: dict[str, Any], member_id: int | None) -> dict[str, Any]:
    """Core checks, then plugin checks, all errors at once."""
    data = validation.clean(data)
    errors = FieldErrors()
    _check_duplicates(data, errors, member_id)
    get_pm().hook.validate_member(member=dict(data, id=member_id), errors=errors)
    errors.raise_if_any()
    return data


def record_event(member: Member, kind: str, effective: date | None = None,
                 from_unit_id: int | None = None, to_unit_id: int | None = None,
                 details: dict[str, Any] | None = None) -> MemberEvent:
    """Add an event to the current transaction; `notify` it after the commit."""
    event = MemberEvent(member_id=member.id, kind=kind, effective_date=effective or today(),
                        actor_id=current_actor().user_id, from_unit_id=from_unit_id,
                        to_unit_id=to_unit_id, details=details or None)
    session().add(event)
    return event


def notify(*events: MemberEvent) -> None:
    """Tell plugins about committed events; a failing plugin never undoes them."""
    hook = get_pm().hook.member_event
    for event in events:
        try:
            hook(event=event)
        except Exception:  # noqa: BLE001 - the event is committed; log and go on
            import logging

            logging.getLogger(__name__).exception("member_event hook failed for %s", event.id)


def _audit(action: str, member: Member, details: dict[str, Any]) -> None:
    unit = session().get(Unit, member.unit_id)
    audit.record(action, "member", member.id, unit.path if unit else None, details)


def _masked_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changes = audit.diff(before, after)
    return {k: (["***", "***"] if k in PERSONAL else v) for k, v in changes.items()}


def create(data: dict[str, Any]) -> Member:
    """Enter a new member: `pending` until approved."""
    data = {k: data.get(k) for k in FIELDS if k in data}
    unit_errors: dict[str, list[str]] = {}
    try:
        unit = _check_unit(data.get("unit_id"))
    except ValidationError as exc:
        unit, unit_errors = None, exc.errors
    try:
        data = _validate(data, None)
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **unit_errors}) from None
    if unit_errors:
        raise ValidationError(unit_errors)
    member = Member(status="pending", created_by_id=current_actor().user_id,
                    **{k: v for k, v in data.items() if k in FIELDS})
    db = session()
    db.add(member)
    db.flush()
    event = record_event(member, "created", effective=today(), to_unit_id=unit.id)
    _audit("member.create", member, {"fields": sorted(k for k, v in data.items() if v)})
    db.commit()
    notify(event)
    return member


def update(member: Member, changes: dict[str, Any]) -> Member:
    """Edit a member's data; the unit may change only inside the same grassroots union."""
    before = values_of(member)
    data = {**before, **{k: v for k, v in changes.items() if k in FIELDS}}
    if data["unit_id"] != member.unit_id:
        new_unit = _check_unit(data["unit_id"])
        if units.grassroots_of(new_unit) != units.grassroots_of(member.unit):
            raise ValidationError.single(
                "unit_id", _("A member can only be moved inside the same grassroots union; "
                             "use a transfer to move them elsewhere."))
    data = _validate(data, member.id)
    for field in FIELDS:
        setattr(member, field, data[field])
    changed = audit.diff(before, values_of(member))
    if not changed:
        return member
    events = [record_event(member, "edited", details={"fields": sorted(changed)},
                           from_unit_id=before["unit_id"], to_unit_id=member.unit_id)]
    if "unit_id" in changed and current_period(member) is not None:
        close_period(member, today(), "moved")
        open_period(member, member.unit_id, today(), "moved")
    _audit("member.update", member, {"changes": _masked_diff(before, values_of(member))})
    session().commit()
    notify(*events)
    return member


def events_of(member: Member) -> list[MemberEvent]:
    return list(session().scalars(
        select(MemberEvent).where(MemberEvent.member_id == member.id).order_by(MemberEvent.id)))
