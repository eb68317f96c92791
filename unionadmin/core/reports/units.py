"""`units`: grassroots unions by sector, founded and dissolved in the period, workers covered,
members and the unionisation rate, per child unit and in total."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from unionadmin.core.members.models import MEMBER_STATUSES, Member
from unionadmin.core.reports.base import Params, Report
from unionadmin.core.reports.tree import by_child, merge, subtree_filter, sum_rows, unit_rows
from unionadmin.core.units.models import SECTORS, Unit

SECTOR_COLUMNS = [(f"sector_{key}", label) for key, label in SECTORS.items()]
COLUMNS = [
    ("unit_id", _l("Unit ID")),
    ("unit_name", _l("Unit")),
    ("grassroots_total", _l("Grassroots unions")),
    *SECTOR_COLUMNS,
    ("founded", _l("Founded in the period")),
    ("dissolved", _l("Dissolved in the period")),
    ("workers", _l("Workers")),
    ("members", _l("Members")),
    ("unionisation_rate", _l("Unionisation rate (%)")),
]
COUNTS = ["grassroots_total", *(c for c, _label in SECTOR_COLUMNS), "founded", "dissolved",
          "workers", "members"]


def _one(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _unit_counts(params: Params) -> dict:
    first, last = params.date_from, params.date_to
    existing = and_(or_(Unit.founded_on.is_(None), Unit.founded_on <= last),
                    or_(and_(Unit.dissolved_on.is_(None), Unit.active.is_(True)),
                        Unit.dissolved_on > last))
    sector = func.coalesce(Unit.sector, "other")
    inner = (select(Unit.id.label("unit_id"),
                    _one(existing).label("grassroots_total"),
                    *(_one(and_(existing, sector == key)).label(f"sector_{key}") for key in SECTORS),
                    _one(and_(Unit.founded_on >= first, Unit.founded_on <= last)).label("founded"),
                    _one(and_(Unit.dissolved_on >= first, Unit.dissolved_on <= last)).label("dissolved"),
                    func.sum(case((existing, func.coalesce(Unit.worker_count, 0)), else_=0))
                    .label("workers"))
             .where(subtree_filter(Unit.id, params.unit), Unit.level == "grassroots")
             .group_by(Unit.id))
    return by_child(params.unit, inner)


def _member_counts(params: Params) -> dict:
    inner = (select(Member.unit_id, func.count().label("members"))
             .where(subtree_filter(Member.unit_id, params.unit), Member.status.in_(MEMBER_STATUSES))
             .group_by(Member.unit_id))
    return by_child(params.unit, inner)


def _rate(row: dict[str, Any]) -> dict[str, Any]:
    row["unionisation_rate"] = round(row["members"] * 100 / row["workers"], 1) if row["workers"] else None
    return row


def run(params: Params) -> dict[str, Any]:
    buckets = merge(_unit_counts(params), _member_counts(params))
    rows = unit_rows(params.unit, buckets, COUNTS, _("directly"))
    totals = {"unit_id": None, "unit_name": _("Total"), **sum_rows(buckets.values(), COUNTS)}
    return {"columns": COLUMNS, "rows": [_rate(r) for r in rows], "totals": _rate(totals)}


REPORT = Report(name="units", title=_l("Grassroots unions"), run=run,
                params=("unit_id", "date_from", "date_to"),
                description=_l("Grassroots unions by sector, founded and dissolved in the period, "
                               "workers covered and the unionisation rate."))
