"""Deciding a member's approval steps: approve (the last step makes the member active, opens a
membership period and issues the card), reject, and resubmit a corrected record. Who decides
a step is `abilities.can_approve`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import select
from sqlalchemy import update as sql_update

from unionadmin.core import abilities
from unionadmin.core.actor import current_actor
from unionadmin.core.cards import services as cards
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.errors import Conflict, Forbidden
from unionadmin.core.members.actions import finish, guarded, reason_text, require_state, set_status
from unionadmin.core.members.models import Member, MemberApproval, MemberEvent, MembershipPeriod
from unionadmin.core.members.periods import open_period
from unionadmin.core.members.record import check_still_unique, record_event, require_owner
from unionadmin.core.members.steps import CORE_STEP, approval_steps, step_label, submit
from unionadmin.core.units.models import LEVELS


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
        steps = submit(member)
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


@guarded
def approve(member: Member) -> Member:
    """Approve the member's next open step; the last one makes the member active, opens a
    membership period and issues the card."""
    _lock(member)
    require_state(member, "approve")
    require_owner(member)
    step = _next_step(member)
    _require_decider(step, member)
    _four_eyes(member, step)
    _decide(step, "approved")
    remaining = [s for s in approval_steps(member) if s.decision is None]
    if remaining:
        return finish(member, "approve_step", [], {"step": step.step})
    set_status(member, "pending", "active")
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
    return finish(member, "approve", events, {"card_number": card.number})


@guarded
def reject(member: Member, reason: Any = None) -> Member:
    _lock(member)
    require_state(member, "reject")
    require_owner(member)
    text = reason_text(reason)
    step = _next_step(member)
    _require_decider(step, member)
    _decide(step, "rejected", text)
    set_status(member, "pending", "rejected")
    events = [record_event(member, "rejected", from_unit_id=member.unit_id,
                           details={"reason": text, "step": step.step})]
    return finish(member, "reject", events, {"reason": text})


@guarded
def resubmit(member: Member) -> Member:
    """A corrected rejected record goes back for approval."""
    require_state(member, "resubmit")
    require_owner(member)
    check_still_unique(member)
    set_status(member, "rejected", "pending")
    submit(member)
    events = [record_event(member, "resubmitted", to_unit_id=member.unit_id)]
    return finish(member, "resubmit", events)
