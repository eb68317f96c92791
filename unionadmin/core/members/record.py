"""A member's record: reading it in scope, entering and editing it (checks, plugin fields and
hooks, the duplicate rule), its events, audit rows and the plugins' `member_event` hook.

The lifecycle actions (`approval.py`, `transfers.py`, `lifecycle.py`, and the card actions in
`cards/services.py`) build on these; `services.py` is the facade callers import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from unionadmin.core import audit
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, today
from unionadmin.core.errors import FieldErrors, Forbidden, NotFound, ValidationError
from unionadmin.core.members import extra_fields, validation
from unionadmin.core.members.duplicates import check_duplicates
from unionadmin.core.members.models import FIELDS, Member, MemberEvent
from unionadmin.core.members.periods import close_period, current_period, open_period
from unionadmin.core.members.steps import submit
from unionadmin.core.scope import in_scope, member_clause, require_unit_in_scope, unit_id_clause
from unionadmin.core.units import services as units
from unionadmin.core.units.models import GRASSROOTS_RANK, Unit
from unionadmin.plugins.manager import get_pm

log = logging.getLogger(__name__)

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


def get_owned(member_id: int) -> Member:
    """A member the current actor may change, not only see: NotFound outside its scope, and
    Forbidden for the receiver of a pending transfer (it sees the member, and may only accept or
    refuse: no photo, no card, no edit until it accepts)."""
    member = get(member_id)
    require_owner(member)
    return member


def owned_clause():
    """SQL condition: the member belongs to the actor's subtree (incoming transfers left out)."""
    return unit_id_clause(Member.unit_id)


def is_owner(member: Member) -> bool:
    """Whether the member belongs to the actor's subtree: only that side changes the record; the
    receiver of a pending transfer sees it but may only accept or refuse."""
    return in_scope(session().get(Unit, member.unit_id))


def require_owner(member: Member) -> None:
    if not is_owner(member):
        raise Forbidden(_("This member belongs to another unit: you can only accept or refuse "
                          "the transfer."))


def check_unit(unit_id: Any) -> Unit:
    unit = require_unit_in_scope(unit_id if isinstance(unit_id, int) else None, "unit_id")
    if unit.level_rank < GRASSROOTS_RANK:
        raise ValidationError.single(
            "unit_id", _("Members belong to a grassroots union or a unit inside one."))
    if not unit.active:
        raise ValidationError.single("unit_id", _("This unit has been dissolved."))
    return unit


class _Plugged(NamedTuple):
    """The app's plugin fields and `validate_member` hook (None if no plugin implements it)."""

    fields: list[extra_fields.ExtraField]
    hook: Any


def _plugged() -> _Plugged:
    hook = get_pm().hook.validate_member
    # Calling a hook nobody implements costs as much as a member's own checks.
    return _Plugged(extra_fields.member_fields(), hook if hook.get_hookimpls() else None)


def _validate(data: dict[str, Any], member_id: int | None, given_extra: dict[str, Any] | None = None,
              stored_extra: dict[str, Any] | None = None, *, duplicates: bool = True,
              plugged: _Plugged | None = None) -> tuple[dict[str, Any], dict | None]:
    """Core checks, the plugin fields' checks, then plugin checks, all errors at once.
    Returns the cleaned core values and the member's new `extra`."""
    plugged = plugged or _plugged()
    errors = FieldErrors()
    extra = extra_fields.clean(given_extra or {}, stored_extra, errors, plugged.fields)
    try:
        data = validation.clean(data)
    except ValidationError as exc:
        raise ValidationError({**errors.errors, **exc.errors}) from None
    if duplicates:
        check_duplicates(data, errors, member_id)
    if plugged.hook is not None:
        # Plugins see the plugin fields both flat (like the API) and under "extra".
        plugged.hook(member={**(extra or {}), **data, "id": member_id, "extra": dict(extra or {})},
                     errors=errors)
    errors.raise_if_any()
    return data, extra


def batch_checks() -> Callable[[dict[str, Any], dict[str, Any] | None], tuple[dict[str, Any], dict | None]]:
    """`create`'s checks for the new members of a batch (an import), one call per member, the
    app's plugins looked up once: all but the unit's, which the caller applies once per unit
    (`check_unit`), and the identity-number rule, which it applies to the whole batch in one
    query (`registered_holders`, `duplicate_error`). Raises ValidationError like `create`."""
    plugged = _plugged()

    def check(data: dict[str, Any], given_extra: dict[str, Any] | None) -> tuple[dict[str, Any], dict | None]:
        return _validate(data, None, given_extra, duplicates=False, plugged=plugged)

    return check


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
            log.exception("member_event hook failed for %s", event.id)


def audit_member(action: str, member: Member, details: dict[str, Any]) -> None:
    unit = session().get(Unit, member.unit_id)
    audit.record(action, "member", member.id, unit.path if unit else None, details)


def _masked_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changes = audit.diff(before, after)
    return {k: (["***", "***"] if k in PERSONAL else v) for k, v in changes.items()}


def create(data: dict[str, Any]) -> Member:
    """Enter a new member: `pending` until approved. Plugin fields come as flat keys."""
    given_extra = extra_fields.split(data)
    data = {k: data.get(k) for k in FIELDS if k in data}
    unit_errors: dict[str, list[str]] = {}
    try:
        unit = check_unit(data.get("unit_id"))
    except ValidationError as exc:
        unit, unit_errors = None, exc.errors
    try:
        data, extra = _validate(data, None, given_extra)
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **unit_errors}) from None
    if unit_errors:
        raise ValidationError(unit_errors)
    member = Member(status="pending", created_by_id=current_actor().user_id, extra=extra,
                    **{k: v for k, v in data.items() if k in FIELDS})
    db = session()
    try:
        db.add(member)
        db.flush()
        event = record_event(member, "created", effective=today(), to_unit_id=unit.id)
        submit(member)
        audit_member("member.create", member, {"fields": sorted(k for k, v in data.items() if v)})
        db.commit()
    except IntegrityError:
        _duplicate_race(data)
    notify(event)
    return member


def _duplicate_race(data: dict[str, Any], member_id: int | None = None) -> None:
    """A concurrent write took the number between the check and the commit: the partial
    unique index refused it. Report it like the check would have."""
    session().rollback()
    errors = FieldErrors()
    check_duplicates(data, errors, member_id)
    if not errors:
        errors.add("citizen_id", _("This ID number is already registered."))
    errors.raise_if_any()


def update(member: Member, changes: dict[str, Any]) -> Member:
    """Edit a member's data; the unit may change only inside the same grassroots union."""
    require_owner(member)
    before = values_of(member)
    data = {**before, **{k: v for k, v in changes.items() if k in FIELDS}}
    if data["unit_id"] != member.unit_id:
        new_unit = check_unit(data["unit_id"])
        if units.grassroots_of(new_unit) != units.grassroots_of(member.unit):
            raise ValidationError.single(
                "unit_id", _("A member can only be moved inside the same grassroots union; "
                             "use a transfer to move them elsewhere."))
    before_extra = dict(member.extra or {})
    data, extra = _validate(data, member.id, extra_fields.split(changes), before_extra)
    for field in FIELDS:
        setattr(member, field, data[field])
    member.extra = extra
    # Plugin fields are audited like core ones (their keys never collide: see extra_fields).
    old, new = {**before_extra, **before}, {**(extra or {}), **values_of(member)}
    changed = audit.diff(old, new)
    if not changed:
        return member
    events = [record_event(member, "edited", details={"fields": sorted(changed)},
                           from_unit_id=before["unit_id"], to_unit_id=member.unit_id)]
    if "unit_id" in changed and current_period(member) is not None:
        close_period(member, today(), "moved")
        open_period(member, member.unit_id, today(), "moved")
    audit_member("member.update", member, {"changes": _masked_diff(old, new)})
    try:
        session().commit()
    except IntegrityError:
        _duplicate_race(data, member.id)
    notify(*events)
    return member


def events_of(member: Member) -> list[MemberEvent]:
    return list(session().scalars(
        select(MemberEvent).where(MemberEvent.member_id == member.id).order_by(MemberEvent.id)))


def check_still_unique(member: Member) -> None:
    """Before a closed record becomes live again: nobody else may hold its numbers now."""
    errors = FieldErrors()
    check_duplicates(values_of(member), errors, member.id)
    errors.raise_if_any()
