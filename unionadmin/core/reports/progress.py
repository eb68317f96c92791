"""`progress`: data entry against targets, per child unit and in total.

Counts come from member records (entered = any status but rejected) and from the unit tree
(grassroots unions, their targets, whether anyone there has an active account).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.db import today
from unionadmin.core.members import tallies
from unionadmin.core.reports.base import Params, Report
from unionadmin.core.reports.tree import (
    by_child,
    merge,
    path_high,
    roll_up,
    subtree_filter,
    subtree_unit_ids,
    sum_rows,
    unit_rows,
)
from unionadmin.core.units.models import Unit

COLUMNS = [
    ("unit_id", _l("Unit ID")),
    ("unit_name", _l("Unit")),
    ("grassroots_total", _l("Grassroots unions")),
    ("grassroots_with_accounts", _l("With accounts")),
    ("member_target", _l("Member target")),
    ("members_entered", _l("Members entered")),
    ("members_active", _l("Active members")),
    ("entered_percent", _l("Entered (%)")),
    ("entered_last_7_days", _l("Entered in the last 7 days")),
    ("projected_completion", _l("Projected completion")),
]
COUNTS = ["grassroots_total", "grassroots_with_accounts", "member_target", "members_entered",
          "members_active", "entered_last_7_days", "entered_last_28_days"]


def _one(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


def status_counts(parent: Unit | None) -> list[tuple[int, str, int]]:
    """(unit id, status, members) over the subtree, from the tallies the database keeps per unit
    (shared with the dashboard's counts by status)."""
    return tallies.status_counts(subtree_unit_ids(parent))


def _member_counts(parent: Unit | None, statuses: list[tuple[int, str, int]] | None = None) -> dict:
    per_unit: dict[int, dict[str, int]] = {}
    for unit_id, status, n in statuses if statuses is not None else status_counts(parent):
        counts = per_unit.setdefault(unit_id, {"members_entered": 0, "members_active": 0,
                                               "entered_last_7_days": 0, "entered_last_28_days": 0})
        if status != "rejected":
            counts["members_entered"] += n
        if status == "active":
            counts["members_active"] += n
    # Recent entries: the last 7 and 28 days, today included (Viet Nam's dates).
    day = today()
    for unit_id, entered_on, n in tallies.entries_by_day(subtree_unit_ids(parent), day - timedelta(days=27)):
        counts = per_unit.get(unit_id)
        if counts is not None:
            counts["entered_last_28_days"] += n
            if entered_on > day - timedelta(days=7):
                counts["entered_last_7_days"] += n
    return roll_up(parent, per_unit)


def _unit_counts(parent: Unit | None) -> dict:
    below = aliased(Unit)
    grassroots = and_(Unit.level == "grassroots", Unit.active.is_(True))
    has_account = exists().where(UnionUser.unit_id == below.id, UnionUser.active.is_(True),
                                 below.path >= Unit.path, below.path < path_high(Unit))
    inner = (select(Unit.id.label("unit_id"),
                    _one(grassroots).label("grassroots_total"),
                    _one(and_(grassroots, has_account)).label("grassroots_with_accounts"),
                    func.sum(case((grassroots, func.coalesce(Unit.member_target, 0)), else_=0))
                    .label("member_target"))
             .where(subtree_filter(Unit.id, parent), Unit.level == "grassroots")
             .group_by(Unit.id))
    return by_child(parent, inner)


def projected(target: int, entered: int, last_28: int, day: date) -> date | None:
    """When `target` is reached at the pace of the last four weeks (today if reached)."""
    if target <= 0:
        return None
    remaining = target - entered
    if remaining <= 0:
        return day
    if last_28 <= 0:
        return None
    return day + timedelta(days=math.ceil(remaining * 28 / last_28))


def finish(row: dict[str, Any], day: date) -> dict[str, Any]:
    """Derived columns of a row (or the totals)."""
    target, entered = row["member_target"], row["members_entered"]
    row["entered_percent"] = round(entered * 100 / target, 1) if target else None
    row["projected_completion"] = projected(target, entered, row.pop("entered_last_28_days"), day)
    return row


def compute(parent: Unit | None, statuses: list[tuple[int, str, int]] | None = None) -> dict[str, Any]:
    """Rows per child unit and totals over the whole subtree (`statuses`: `status_counts`
    when the caller has them already)."""
    day = today()
    buckets = merge(_unit_counts(parent), _member_counts(parent, statuses))
    rows = unit_rows(parent, buckets, COUNTS, _("directly"))
    totals = sum_rows(buckets.values(), COUNTS)
    return {"rows": [finish(r, day) for r in rows],
            "totals": finish({"unit_id": None, "unit_name": _("Total"), **totals}, day)}


def run(params: Params) -> dict[str, Any]:
    return {"columns": COLUMNS, **compute(params.unit)}


REPORT = Report(name="progress", title=_l("Data entry progress"), run=run, params=("unit_id",),
                description=_l("Grassroots unions with accounts, members entered against the target, "
                               "and the projected date of completion."))
