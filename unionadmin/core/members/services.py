"""Every change to a member goes through here: checks, events, periods, audit, hooks.

Views, the API, imports, the CLI and plugins call these functions; none of them checks or
writes members on its own.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from sqlalchemy import JSON, func, literal, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from unionadmin.core import abilities, audit
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.errors import Conflict, FieldErrors, Forbidden, NotFound, ValidationError
from unionadmin.core.members import extra_fields, validation
from unionadmin.core.members.models import (
    CLOSED_STATUSES,
    FIELDS,
    STATUSES,
    Member,
    MemberApproval,
    MemberEvent,
    MembershipPeriod,
)
from unionadmin.core.members.periods import close_period, current_period, open_period
from unionadmin.core.roles import ROLE_APPROVER
from unionadmin.core.scope import in_scope, member_clause, require_unit_in_scope, unit_id_clause
from unionadmin.core.units import services as units
from unionadmin.core.units.models import GRASSROOTS_RANK, LEVELS, Unit
from unionadmin.plugins.manager import get_pm

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
    _require_owner(member)
    return member


def owned_clause():
    """SQL condition: the member belongs to the actor's subtree (incoming transfers left out)."""
    return unit_id_clause(Member.unit_id)


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
    query = select(Member.id, Member.unit_id, Member.citizen_id, Member.old_id_number).where(
        or_(Member.citizen_id.in_(numbers), Member.old_id_number.in_(numbers)),
        Member.status.not_in(CLOSED_STATUSES),
    )
    if member_id is not None:
        query = query.where(Member.id != member_id)
    row = session().execute(query.limit(1)).first()
    if row is None:
        return
    visible = session().scalar(select(Unit.id).where(Unit.id == row.unit_id,
                                                     unit_id_clause(Unit.id)))
    errors.add(*duplicate_error(data, Holder(*row, visible=visible is not None)))


class Holder(NamedTuple):
    """A live member holding an identity number, and whether the actor sees its unit."""

    id: int
    unit_id: int
    citizen_id: str
    old_id_number: str | None
    visible: bool


def duplicate_error(data: dict[str, Any], holder: Holder) -> tuple[str, str]:
    """The field and message of the one-live-member-per-number rule for `data`, whose number
    `holder` holds."""
    # The field whose number is taken (a citizen ID may match another member's old number).
    field = "citizen_id" if data.get("citizen_id") in (holder.citizen_id, holder.old_id_number) \
        else "old_id_number"
    if holder.visible:
        return field, _("This ID number is already registered to member #%(id)s.", id=holder.id)
    # Outside the actor's scope: say neither who nor where.
    return field, _("This person is registered in another unit. Ask that unit "
                    "to transfer the member instead of entering them again.")


#: Identity numbers per query of `registered_holders`.
HOLDERS_CHUNK = 5000


def registered_holders(numbers: Collection[str]) -> dict[str, Holder]:
    """The duplicate rule's query for many new members at once (an import batch): the live
    members holding any of `numbers`, by number (as a citizen ID before as an old number),
    with one more query for which of their units the actor sees. Pair with `duplicate_error`."""
    db = session()
    columns = (Member.id, Member.unit_id, Member.citizen_id, Member.old_id_number)
    live = Member.status.not_in(CLOSED_STATUSES)
    postgres = db.get_bind().dialect.name == "postgresql"
    rows: list[Any] = []
    ordered = sorted(numbers)
    for start in range(0, len(ordered), HOLDERS_CHUNK):
        chunk = ordered[start:start + HOLDERS_CHUNK]
        for column in (Member.citizen_id, Member.old_id_number):  # each has its own index
            if postgres:
                # One JSON parameter (thousands of parameters, or an array, cost more to send than
                # the query takes), joined rather than `= ANY(...)`: the plan PostgreSQL caches for
                # this statement (psycopg prepares it) stays index lookups even when it was made
                # while the table was small and not yet analysed (with ANY it became a scan
                # comparing each row with each number: seconds per batch).
                given = func.json_array_elements_text(literal(chunk, JSON))
                number = given.table_valued("number").render_derived()
                query = select(*columns).join(number, column == number.c.number)
            else:
                query = select(*columns).where(column.in_(chunk))
            rows += db.execute(query.where(live)).all()
    unit_ids = {row.unit_id for row in rows}
    visible = set(db.scalars(select(Unit.id).where(Unit.id.in_(unit_ids), unit_id_clause(Unit.id)))) \
        if unit_ids else set()
    found: dict[str, Holder] = {}
    for row in rows:
        if row.citizen_id in numbers:
            found[row.citizen_id] = Holder(*row, visible=row.unit_id in visible)
    for row in rows:
        if row.old_id_number and row.old_id_number in numbers:
            found.setdefault(row.old_id_number, Holder(*row, visible=row.unit_id in visible))
    return found


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
        _check_duplicates(data, errors, member_id)
    if plugged.hook is not None:
        # Plugins see the plugin fields both flat (like the API) and under "extra".
        plugged.hook(member={**(extra or {}), **data, "id": member_id, "extra": dict(extra or {})},
                     errors=errors)
    errors.raise_if_any()
    return data, extra


def batch_checks() -> Callable[[dict[str, Any], dict[str, Any] | None], tuple[dict[str, Any], dict | None]]:
    """`create`'s checks for the new members of a batch (an import), one call per member, the
    app's plugins looked up once: all but the unit's, which the caller applies once per unit
    (`_check_unit`), and the identity-number rule, which it applies to the whole batch in one
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
            import logging

            logging.getLogger(__name__).exception("member_event hook failed for %s", event.id)


def _audit(action: str, member: Member, details: dict[str, Any]) -> None:
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
        unit = _check_unit(data.get("unit_id"))
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
        _submit(member)
        _audit("member.create", member, {"fields": sorted(k for k, v in data.items() if v)})
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
    _check_duplicates(data, errors, member_id)
    if not errors:
        errors.add("citizen_id", _("This ID number is already registered."))
    errors.raise_if_any()


def update(member: Member, changes: dict[str, Any]) -> Member:
    """Edit a member's data; the unit may change only inside the same grassroots union."""
    _require_owner(member)
    before = values_of(member)
    data = {**before, **{k: v for k, v in changes.items() if k in FIELDS}}
    if data["unit_id"] != member.unit_id:
        new_unit = _check_unit(data["unit_id"])
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
    _audit("member.update", member, {"changes": _masked_diff(old, new)})
    try:
        session().commit()
    except IntegrityError:
        _duplicate_race(data, member.id)
    notify(*events)
    return member


def events_of(member: Member) -> list[MemberEvent]:
    return list(session().scalars(
        select(MemberEvent).where(MemberEvent.member_id == member.id).order_by(MemberEvent.id)))


# -- lifecycle --------------------------------------------------------------------------------
#
# Every action: checks the state (Conflict, nothing changed), the actor's right over this member
# (the sender's side owns the record; a receiver may only accept or refuse), the input (field
# errors), then writes the status, events and periods, an audit row, commits, and notifies
# plugins. A database error after the first write rolls the whole action back.

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
CORE_STEP = "core"
#: Stored in English, shown translated (`step_label`).
CORE_LABEL = "Approval by the grassroots union or above"
_EXTRACT = (_l("Approval by the grassroots union or above"),)


def _require_state(member: Member, action: str) -> None:
    if member.status not in ACTION_STATES[action]:
        raise Conflict(_("This action is not possible while the member's status is "
                         "%(status)s.", status=STATUSES.get(member.status, member.status)))


def is_owner(member: Member) -> bool:
    """Whether the member belongs to the actor's subtree: only that side changes the record; the
    receiver of a pending transfer sees it but may only accept or refuse."""
    return in_scope(session().get(Unit, member.unit_id))


def _require_owner(member: Member) -> None:
    if not is_owner(member):
        raise Forbidden(_("This member belongs to another unit: you can only accept or refuse "
                          "the transfer."))


def _require_receiver(member: Member) -> Unit:
    target = session().get(Unit, member.transfer_to_unit_id) if member.transfer_to_unit_id else None
    if target is None or not in_scope(target):
        raise Forbidden(_("Only the receiving unit can accept or refuse this transfer."))
    if not abilities.can_decide_transfer():
        raise Forbidden(_("Only an Approver or a Unit Admin of the receiving unit can do this."))
    return target


def _reason(value: Any, field: str = "reason", required: bool = True) -> str | None:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError.single(field, _("Give a reason."))
    if len(text) > 500:
        raise ValidationError.single(field, _("At most %(n)s characters.", n=500))
    return text or None


def _as_date(value: Any, field: str) -> date | None:
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


def _effective(member: Member, value: Any, field: str = "date",
               not_before: date | None = None) -> date:
    """An action's business date: today by default; may be in the past, never in the future,
    never before the member joined (nor before `not_before`, e.g. the current period's start)."""
    day = _as_date(value, field) or today()
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


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _finish(member: Member, action: str, events: list[MemberEvent],
            details: dict[str, Any] | None = None) -> Member:
    """Audit, commit, notify: the tail of every action."""
    _audit(f"member.{action}", member, {"status": member.status, **(details or {})})
    db = session()
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(_("Another change to this member was saved at the same time; reload and "
                         "try again.")) from None
    notify(*events)
    return member


def _guarded(fn: Callable[..., Member]) -> Callable[..., Member]:
    """Roll back everything an action added when it fails half-way."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Member:
        try:
            return fn(*args, **kwargs)
        except Exception:
            session().rollback()
            raise

    return wrapper


def _set_status(member: Member, old: str, new: str) -> None:
    """Compare-and-set the status in the database: of two concurrent actions on one member,
    the second finds the status changed and stops (409) instead of acting twice."""
    result = session().execute(
        sql_update(Member).where(Member.id == member.id, Member.status == old)
        .values(status=new, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("Someone else has just changed this member; reload the page."))
    member.status = new
    session().flush()


# -- approval ---------------------------------------------------------------------------------


def _current_round(member: Member) -> int:
    return session().scalar(select(func.max(MemberApproval.round))
                            .where(MemberApproval.member_id == member.id)) or 0


def _plugin_steps(member: Member) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for result in get_pm().hook.approval_steps(member=member):
        for step in result or []:
            if step.get("level") not in LEVELS or not step.get("name") or not step.get("role"):
                raise RuntimeError(f"Bad approval step from a plugin: {step!r}")
            steps.append(step)
    return steps


def _step_rows(member_id: int, round_no: int, actor_id: int | None,
               member: Member | None) -> list[dict[str, Any]]:
    """The approval steps of a submission as `member_approval` values: the core step, then the
    plugins' steps (not asked without a `member`)."""
    specs = [{"name": CORE_STEP, "label": CORE_LABEL, "role": ROLE_APPROVER, "level": "grassroots"}]
    if member is not None:
        specs += _plugin_steps(member)
    return [{"member_id": member_id, "round": round_no, "position": i, "step": str(s["name"]),
             "label": str(s.get("label") or s["name"])[:200], "role": str(s["role"]),
             "level": str(s["level"]), "submitted_by_id": actor_id} for i, s in enumerate(specs)]


def _submit(member: Member) -> list[MemberApproval]:
    """Open a new approval round: the core step, then the plugins' steps."""
    round_no = _current_round(member) + 1
    rows = [MemberApproval(**row)
            for row in _step_rows(member.id, round_no, current_actor().user_id, member)]
    session().add_all(rows)
    session().flush()
    return rows


def submission_rows(new: Iterable[tuple[int, dict[str, Any], dict[str, Any] | None]]
                    ) -> list[dict[str, Any]]:
    """What `create`'s `_submit` adds, for members inserted in bulk (an import) from (id, values,
    extra): the rows of their first approval round. Plugins are asked only when one adds steps,
    and see each member as a transient `Member` holding its values (not in the session, so its
    relationships are not loaded)."""
    actor_id, now = current_actor().user_id, utcnow()
    rows = []
    if not get_pm().hook.approval_steps.get_hookimpls():
        core = dict(_step_rows(0, 1, actor_id, None)[0], submitted_at=now)
        return [dict(core, member_id=member_id) for member_id, _data, _extra in new]
    for member_id, data, extra in new:
        member = Member(id=member_id, status="pending", extra=extra, **data)
        for row in _step_rows(member_id, 1, actor_id, member):
            row["submitted_at"] = now
            rows.append(row)
    return rows


def approval_steps(member: Member) -> list[MemberApproval]:
    """The steps of the member's latest submission, in order."""
    round_no = _current_round(member)
    return list(session().scalars(
        select(MemberApproval).where(MemberApproval.member_id == member.id,
                                     MemberApproval.round == round_no)
        .order_by(MemberApproval.position)))


def step_label(step: MemberApproval) -> str:
    return _(step.label) if step.step == CORE_STEP else step.label


def _lock(member: Member) -> None:
    """Serialise the decisions on one member: lock its row (PostgreSQL; SQLite takes its
    database lock at the first write) and read it afresh, so that of concurrent requests the
    later ones see the state the first one left (409), not the one they loaded before it."""
    session().execute(select(Member.id).where(Member.id == member.id).with_for_update())
    session().refresh(member)


def _next_step(member: Member) -> MemberApproval:
    """The first undecided step. None left means a concurrent request decided the last one
    after this one read the member (possible where the read takes no lock: SQLite)."""
    steps = _open_steps(member)
    if not steps:
        raise Conflict(_("Someone else has just decided this step; reload the page."))
    return steps[0]


def _open_steps(member: Member) -> list[MemberApproval]:
    steps = approval_steps(member)
    if not steps or steps[0].decision == "rejected":  # entered before approval steps existed
        steps = _submit(member)
    return [s for s in steps if s.decision is None]


def can_decide(step: MemberApproval, member: Member) -> bool:
    """Whether the current actor decides this step of the member (`abilities.can_approve`)."""
    return abilities.can_approve(member.unit_id, step.role, step.level,
                                 core=step.step == CORE_STEP and step.position == 0)


def _require_decider(step: MemberApproval, member: Member) -> None:
    if not can_decide(step, member):
        raise Forbidden(_("The step %(step)s is decided by a %(role)s at the level "
                          "%(level)s or above.", step=step_label(step),
                          role=_(step.role), level=LEVELS.get(step.level, step.level)))


def _four_eyes(member: Member, step: MemberApproval) -> None:
    if not current_app.config.get("UNIONADMIN_FOUR_EYES"):
        return
    actor_id = current_actor().user_id
    if actor_id is not None and actor_id in (member.created_by_id, step.submitted_by_id):
        raise Forbidden(_("Four-eyes rule: someone other than the person who entered this member "
                          "must approve it."))


def _decide(step: MemberApproval, decision: str, note: str | None = None) -> None:
    """Record a step's decision once: of two concurrent deciders only the first counts."""
    result = session().execute(
        sql_update(MemberApproval)
        .where(MemberApproval.id == step.id, MemberApproval.decision.is_(None))
        .values(decision=decision, decided_by_id=current_actor().user_id, decided_at=utcnow(),
                note=note).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("Someone else has just decided this step; reload the page."))
    session().expire(step)


def _entry_date(member: Member) -> date:
    # the day it was entered in BABEL_DEFAULT_TIMEZONE (Viet Nam's), created_at being naive UTC
    return to_user_timezone(member.created_at or utcnow()).date()


def _readmitted_on(member: Member) -> date | None:
    """The date of the latest readmission, when the member had a membership before."""
    had_period = session().scalar(select(MembershipPeriod.id)
                                  .where(MembershipPeriod.member_id == member.id).limit(1))
    if not had_period:
        return None
    return session().scalar(select(MemberEvent.effective_date)
                            .where(MemberEvent.member_id == member.id, MemberEvent.kind == "readmitted")
                            .order_by(MemberEvent.id.desc()).limit(1)) or today()


@_guarded
def approve(member: Member) -> Member:
    """Approve the member's next open step; the last one makes the member active, opens a
    membership period and issues the card."""
    from unionadmin.core.cards import services as cards

    _lock(member)
    _require_state(member, "approve")
    _require_owner(member)
    step = _next_step(member)
    _require_decider(step, member)
    _four_eyes(member, step)
    _decide(step, "approved")
    remaining = [s for s in approval_steps(member) if s.decision is None]
    if remaining:
        return _finish(member, "approve_step", [], {"step": step.step})
    _set_status(member, "pending", "active")
    readmitted = _readmitted_on(member)
    if readmitted is not None:
        open_period(member, member.unit_id, readmitted, "readmitted")
    else:
        kind = "registered" if member.joined_on < _entry_date(member) else "admitted"
        open_period(member, member.unit_id, member.joined_on, kind)
    events = [record_event(member, "approved", to_unit_id=member.unit_id,
                           details={"steps": [s.step for s in approval_steps(member)]})]
    card = cards.issue(member, "new")
    events.append(record_event(member, "card_issued", to_unit_id=member.unit_id,
                               details={"number": card.number, "reason": "new"}))
    return _finish(member, "approve", events, {"card_number": card.number})


@_guarded
def reject(member: Member, reason: Any = None) -> Member:
    _lock(member)
    _require_state(member, "reject")
    _require_owner(member)
    text = _reason(reason)
    step = _next_step(member)
    _require_decider(step, member)
    _decide(step, "rejected", text)
    _set_status(member, "pending", "rejected")
    events = [record_event(member, "rejected", from_unit_id=member.unit_id,
                           details={"reason": text, "step": step.step})]
    return _finish(member, "reject", events, {"reason": text})


def _check_still_unique(member: Member) -> None:
    """Before a closed record becomes live again: nobody else may hold its numbers now."""
    errors = FieldErrors()
    _check_duplicates(values_of(member), errors, member.id)
    errors.raise_if_any()


@_guarded
def resubmit(member: Member) -> Member:
    """A corrected rejected record goes back for approval."""
    _require_state(member, "resubmit")
    _require_owner(member)
    _check_still_unique(member)
    _set_status(member, "rejected", "pending")
    _submit(member)
    events = [record_event(member, "resubmitted", to_unit_id=member.unit_id)]
    return _finish(member, "resubmit", events)


@_guarded
def readmit(member: Member, date: Any = None) -> Member:
    """A person who left (or was expelled) comes back on the same record: pending again; the
    approval opens a new period that starts on this date."""
    _require_state(member, "readmit")
    _require_owner(member)
    last_end = session().scalar(select(func.max(MembershipPeriod.end_date))
                                .where(MembershipPeriod.member_id == member.id))
    day = _effective(member, date, not_before=last_end)
    _check_still_unique(member)
    _set_status(member, member.status, "pending")
    _submit(member)
    events = [record_event(member, "readmitted", effective=day, to_unit_id=member.unit_id)]
    return _finish(member, "readmit", events, {"date": day})


# -- transfers --------------------------------------------------------------------------------


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


@_guarded
def transfer(member: Member, to_unit_id: Any = None, date: Any = None) -> Member:
    """Ask another unit to take the member: `transfer_pending` until it accepts."""
    _require_state(member, "transfer")
    _require_owner(member)
    target = _transfer_target(member, to_unit_id)
    period = current_period(member)
    day = _effective(member, date, not_before=period.start_date if period else None)
    _set_status(member, "active", "transfer_pending")
    member.transfer_to_unit_id = target.id
    member.transfer_date = day
    events = [record_event(member, "transfer_requested", effective=day,
                           from_unit_id=member.unit_id, to_unit_id=target.id)]
    return _finish(member, "transfer", events, {"to_unit_id": target.id, "date": day})


def _clear_transfer(member: Member) -> int | None:
    target = member.transfer_to_unit_id
    member.transfer_to_unit_id = None
    member.transfer_date = None
    return target


@_guarded
def cancel_transfer(member: Member) -> Member:
    _require_state(member, "cancel_transfer")
    _require_owner(member)
    _set_status(member, "transfer_pending", "active")
    target = _clear_transfer(member)
    events = [record_event(member, "transfer_cancelled", from_unit_id=member.unit_id,
                           to_unit_id=target)]
    return _finish(member, "cancel_transfer", events)


@_guarded
def refuse_transfer(member: Member, reason: Any = None) -> Member:
    _require_state(member, "refuse_transfer")
    _require_receiver(member)
    text = _reason(reason)
    _set_status(member, "transfer_pending", "active")
    target = _clear_transfer(member)
    events = [record_event(member, "transfer_refused", from_unit_id=member.unit_id,
                           to_unit_id=target, details={"reason": text})]
    return _finish(member, "refuse_transfer", events, {"reason": text})


@_guarded
def accept_transfer(member: Member) -> Member:
    """The receiver takes the member: out of the old unit and into the new one on the
    transfer's date, in the periods as in the events."""
    _require_state(member, "accept_transfer")
    target = _require_receiver(member)
    if not target.active:
        raise Conflict(_("The receiving unit has been dissolved; the sender should cancel the "
                         "transfer."))
    day = member.transfer_date or today()
    old_unit_id = member.unit_id
    _set_status(member, "transfer_pending", "active")
    _clear_transfer(member)
    close_period(member, day, "transferred_out")
    member.unit_id = target.id
    session().flush()
    open_period(member, target.id, day, "transferred_in")
    events = [record_event(member, kind, effective=day, from_unit_id=old_unit_id,
                           to_unit_id=target.id) for kind in ("transferred_out", "transferred_in")]
    return _finish(member, "accept_transfer", events, {"from_unit_id": old_unit_id, "date": day})


# -- suspension, leaving ------------------------------------------------------------------------


@_guarded
def suspend(member: Member, reason: Any = None, date: Any = None, until: Any = None) -> Member:
    """Suspend membership for at most 12 months (the member still counts)."""
    _require_state(member, "suspend")
    _require_owner(member)
    text = _reason(reason)
    day = _effective(member, date)
    end = _as_date(until, "until")
    if end is None:
        raise ValidationError.single("until", _("This field is required."))
    if end <= day:
        raise ValidationError.single("until", _("The end of the suspension must be after its start."))
    if end > _add_months(day, MAX_SUSPENSION_MONTHS):
        raise ValidationError.single("until", _("A suspension lasts at most %(n)s months.",
                                                n=MAX_SUSPENSION_MONTHS))
    _set_status(member, "active", "suspended")
    events = [record_event(member, "suspended", effective=day, from_unit_id=member.unit_id,
                           details={"reason": text, "until": end.isoformat()})]
    return _finish(member, "suspend", events, {"until": end})


@_guarded
def reinstate(member: Member, date: Any = None) -> Member:
    _require_state(member, "reinstate")
    _require_owner(member)
    day = _effective(member, date)
    _set_status(member, "suspended", "active")
    events = [record_event(member, "reinstated", effective=day, to_unit_id=member.unit_id)]
    return _finish(member, "reinstate", events)


@_guarded
def leave(member: Member, kind: Any = None, date: Any = None, reason: Any = None) -> Member:
    """Left, expelled or deceased: the period ends on this date and the card is revoked."""
    from unionadmin.core.cards import services as cards

    _require_state(member, "leave")
    _require_owner(member)
    if kind not in LEAVE_KINDS:
        raise ValidationError.single("kind", _("Not one of the allowed values."))
    text = _reason(reason, required=kind == "expelled")
    period = current_period(member)
    day = _effective(member, date, not_before=period.start_date if period else None)
    _set_status(member, member.status, kind)
    close_period(member, day, kind)
    events = []
    card = cards.revoke(member, kind)
    if card is not None:
        events.append(record_event(member, "card_revoked", effective=day,
                                   details={"number": card.number, "reason": kind}))
    events.append(record_event(member, kind, effective=day, from_unit_id=member.unit_id,
                               details={"reason": text} if text else None))
    return _finish(member, "leave", events, {"kind": kind, "date": day})


# -- cards ------------------------------------------------------------------------------------


@_guarded
def card(member: Member, reason: Any = "new") -> Member:
    """Issue a card, or re-issue one (lost, damaged, information changed): the old card is
    revoked and a new number is given."""
    from unionadmin.core.cards import services as cards
    from unionadmin.core.cards.models import ISSUE_REASONS

    _require_state(member, "card")
    _require_owner(member)
    reason = reason or "new"
    if reason not in ISSUE_REASONS:
        raise ValidationError.single("reason", _("Not one of the allowed values."))
    events = []
    old = cards.revoke(member, reason)
    if old is not None:
        events.append(record_event(member, "card_revoked", details={"number": old.number,
                                                                    "reason": reason}))
    new = cards.issue(member, reason)
    events.append(record_event(member, "card_issued", details={"number": new.number,
                                                               "reason": reason}))
    return _finish(member, "card", events, {"card_number": new.number, "reason": reason})


@_guarded
def revoke_card(member: Member, reason: Any = None) -> Member:
    from unionadmin.core.cards import services as cards

    _require_state(member, "revoke_card")
    _require_owner(member)
    text = _reason(reason)
    old = cards.revoke(member, text)
    if old is None:
        raise Conflict(_("This member has no valid card."))
    events = [record_event(member, "card_revoked", details={"number": old.number, "reason": text})]
    return _finish(member, "revoke_card", events, {"reason": text})


#: The actions as the API and pages name them.
ACTIONS: dict[str, Callable[..., Member]] = {
    "approve": approve, "reject": reject, "resubmit": resubmit, "transfer": transfer,
    "cancel_transfer": cancel_transfer, "accept_transfer": accept_transfer,
    "refuse_transfer": refuse_transfer, "suspend": suspend, "reinstate": reinstate,
    "leave": leave, "readmit": readmit, "card": card, "revoke_card": revoke_card,
}


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
            if not _receives(member):
                continue
        elif not owner:
            continue
        if name == "revoke_card" and not member.card_number:
            continue
        names.append(name)
    return names


def _receives(member: Member) -> bool:
    if not member.transfer_to_unit_id:
        return False
    return in_scope(session().get(Unit, member.transfer_to_unit_id))
