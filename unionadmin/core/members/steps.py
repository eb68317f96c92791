"""A member's approval steps: the rows each submission (entry, resubmission, readmission) opens,
the core step first, then the steps plugins add; and reading them back. Deciding them is
`approval.py`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, utcnow
from unionadmin.core.members.models import Member, MemberApproval
from unionadmin.core.roles import ROLE_APPROVER
from unionadmin.core.units.models import LEVELS
from unionadmin.plugins.manager import get_pm

CORE_STEP = "core"
#: Stored in English, shown translated (`step_label`).
CORE_LABEL = "Approval by the grassroots union or above"
_EXTRACT = (_l("Approval by the grassroots union or above"),)


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


def submit(member: Member) -> list[MemberApproval]:
    """Open a new approval round: the core step, then the plugins' steps."""
    round_no = _current_round(member) + 1
    rows = [MemberApproval(**row)
            for row in _step_rows(member.id, round_no, current_actor().user_id, member)]
    session().add_all(rows)
    session().flush()
    return rows


def submission_rows(new: Iterable[tuple[int, dict[str, Any], dict[str, Any] | None]]
                    ) -> list[dict[str, Any]]:
    """What `create`'s `submit` adds, for members inserted in bulk (an import) from (id, values,
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
