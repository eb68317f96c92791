"""`dongnai_weekly`: members entered per week by upper-level union, like the province's bulletins
("in the week, X members were entered; Y % of the target")."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import and_, case, func, select

from unionadmin.core.members.models import Member
from unionadmin.core.reports.registry import Params, Report
from unionadmin.core.reports.tree import by_child, merge, subtree_filter, sum_rows, unit_rows
from unionadmin.core.units.models import Unit
from unionadmin.plugins.dongnai import in_province

WEEKS = 4


def _weeks(params: Params) -> list[tuple[datetime, datetime]]:
    """The last WEEKS weeks ending on date_to (Vietnam days), oldest first."""
    # midnight after date_to in BABEL_DEFAULT_TIMEZONE, as naive UTC like the stored timestamps
    end = to_utc(datetime.combine(params.date_to + timedelta(days=1), time()))
    return [(end - timedelta(days=7 * (i + 1)), end - timedelta(days=7 * i))
            for i in reversed(range(WEEKS))]


def _columns(weeks) -> list[tuple[str, Any]]:
    week_cols = [(f"week_{i + 1}", _("Week to %(day)s",
                                      day=(hi + timedelta(hours=7) - timedelta(days=1)).strftime("%d/%m")))
                 for i, (_lo, hi) in enumerate(weeks)]
    return [("unit_id", _l("Unit ID")), ("unit_name", _l("Unit")),
            ("member_target", _l("Member target")), *week_cols,
            ("members_entered", _l("Members entered")), ("entered_percent", _l("Entered (%)"))]


def run(params: Params) -> dict[str, Any]:
    # Only units of the province get here: the registry asks REPORT.applies_to first.
    weeks = _weeks(params)
    entered = Member.status != "rejected"
    counts = [func.sum(case((and_(entered, Member.created_at >= lo, Member.created_at < hi), 1),
                            else_=0)).label(f"week_{i + 1}") for i, (lo, hi) in enumerate(weeks)]
    members = (select(Member.unit_id, func.sum(case((entered, 1), else_=0)).label("members_entered"),
                      *counts)
               .where(subtree_filter(Member.unit_id, params.unit)).group_by(Member.unit_id))
    targets = (select(Unit.id.label("unit_id"),
                      func.sum(func.coalesce(Unit.member_target, 0)).label("member_target"))
               .where(subtree_filter(Unit.id, params.unit), Unit.level == "grassroots",
                      Unit.active.is_(True)).group_by(Unit.id))
    names = ["member_target", *(f"week_{i + 1}" for i in range(WEEKS)), "members_entered"]
    buckets = merge(by_child(params.unit, targets), by_child(params.unit, members))
    rows = unit_rows(params.unit, buckets, names, _("directly"))
    totals = {"unit_id": None, "unit_name": _("Total"), **sum_rows(buckets.values(), names)}
    for row in [*rows, totals]:
        target = row["member_target"]
        row["entered_percent"] = round(row["members_entered"] * 100 / target, 1) if target else None
    return {"columns": _columns(weeks), "rows": rows, "totals": totals}


REPORT = Report(name="dongnai_weekly", title=_l("Weekly entry progress (Đồng Nai)"), run=run,
                params=("unit_id", "date_to"), applies_to=in_province,
                description=_l("Members entered in each of the last four weeks, by upper-level "
                               "union, against the target."))
