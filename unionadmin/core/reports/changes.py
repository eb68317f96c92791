"""`changes` (biến động đoàn viên): members at start, ins, outs and at end of a period.

Computed from membership periods, which are half-open [start_date, end_date). With both report
dates inclusive, a period counts
  at the start of date_from  when start_date <  date_from <= end_date (or no end),
  at the end of date_to      when start_date <= date_to   <  end_date (or no end),
as a start when date_from <= start_date <= date_to and as an end when date_from <= end_date <=
date_to. For every single period at_end = at_start + starts - ends, and every start and end falls
in exactly one column, so the balance holds for every row and every total, whatever the data.

A transfer inside the chosen unit's subtree ends one period and opens the next on the same day:
both rows show it, and the totals drop the pair (counted once, as the periods that continue one
that ended the same day in the subtree).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from unionadmin.core.db import session
from unionadmin.core.members.models import MembershipPeriod
from unionadmin.core.reports.registry import Params, Report
from unionadmin.core.reports.tree import by_child, merge, subtree_filter, sum_rows, unit_rows
from unionadmin.core.units.models import Unit

COLUMNS = [
    ("unit_id", _l("Unit ID")),
    ("unit_name", _l("Unit")),
    ("at_start", _l("At start of period")),
    ("admitted", _l("Admitted")),
    ("transferred_in", _l("Transferred in")),
    ("transferred_out", _l("Transferred out")),
    ("left", _l("Left")),
    ("expelled", _l("Expelled")),
    ("deceased", _l("Deceased")),
    ("at_end", _l("At end of period")),
    ("female", _l("Women")),
    ("ethnic_minority", _l("Ethnic minorities")),
    ("party_members", _l("Party members")),
    ("under_35", _l("Under 35")),
]
FLOWS = ["at_start", "admitted", "transferred_in", "transferred_out", "left", "expelled",
         "deceased", "at_end"]
BREAKDOWN = ["female", "ethnic_minority", "party_members", "under_35"]
TRANSFER_STARTS = ("transferred_in", "moved")
TRANSFER_ENDS = ("transferred_out", "moved")
P = MembershipPeriod


def _one(condition) -> Any:
    return func.count().filter(condition)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _at_end(parent: Unit | None, last: date) -> dict:
    """Those at the end of the period and their make-up: one pass over the periods open at its
    end (they carry the member's profile: no join with a million members)."""
    cutoff = years_before(last, 35)  # born after it: not yet 35 at the end of the period
    inner = (
        select(
            P.unit_id,
            func.count().label("at_end"),
            _one(P.gender == "female").label("female"),
            _one(and_(P.ethnicity.isnot(None), P.ethnicity != "Kinh")).label("ethnic_minority"),
            _one(P.party_member.is_(True)).label("party_members"),
            _one(P.date_of_birth > cutoff).label("under_35"),
        )
        .where(subtree_filter(P.unit_id, parent), P.start_date <= last,
               or_(P.end_date.is_(None), P.end_date > last))
        .group_by(P.unit_id)
    )
    return by_child(parent, inner)


def _starts(parent: Unit | None, first: date, last: date) -> dict:
    """Periods opened in the period: an index range on their start dates."""
    transfer_in = P.start_kind.in_(TRANSFER_STARTS)
    inner = (select(P.unit_id, _one(not_(transfer_in)).label("admitted"),
                    _one(transfer_in).label("transferred_in"))
             .where(P.start_date >= first, P.start_date <= last, subtree_filter(P.unit_id, parent))
             .group_by(P.unit_id))
    return by_child(parent, inner)


def _ends(parent: Unit | None, first: date, last: date) -> dict:
    """Periods closed in the period, by why: an index range on their end dates. Every end that
    is not a leaving is a move out, so no end is ever lost."""
    leavings = ("left", "expelled", "deceased")
    inner = (select(P.unit_id,
                    _one(or_(P.end_kind.is_(None), P.end_kind.not_in(leavings))).label("transferred_out"),
                    *(_one(P.end_kind == kind).label(kind) for kind in leavings))
             .where(P.end_date >= first, P.end_date <= last, subtree_filter(P.unit_id, parent))
             .group_by(P.unit_id))
    return by_child(parent, inner)


def _period_counts(parent: Unit | None, first: date, last: date) -> dict:
    """Flows and those at the end per child unit; those at the start follow from the balance,
    which holds for every single period (module docstring), so it is exact, not estimated."""
    buckets = merge(_at_end(parent, last), _starts(parent, first, last), _ends(parent, first, last))
    for values in buckets.values():
        ins = values.get("admitted", 0) + values.get("transferred_in", 0)
        outs = sum(values.get(k, 0) for k in ("transferred_out", "left", "expelled", "deceased"))
        values["at_start"] = values.get("at_end", 0) - ins + outs
    return buckets


def internal_transfers(parent: Unit | None, first: date, last: date) -> int:
    """Moves inside the subtree during the period: a period opened by a transfer the same day
    another period of the member, also in the subtree, was closed by one."""
    before = aliased(P)
    continues = exists().where(before.member_id == P.member_id, before.id != P.id,
                               before.end_date == P.start_date, before.end_kind.in_(TRANSFER_ENDS),
                               subtree_filter(before.unit_id, parent))
    return session().scalar(
        select(func.count()).select_from(P)
        .where(subtree_filter(P.unit_id, parent), P.start_date >= first, P.start_date <= last,
               P.start_kind.in_(TRANSFER_STARTS), continues)) or 0


def compute(parent: Unit | None, first: date, last: date) -> dict[str, Any]:
    names = FLOWS + BREAKDOWN
    buckets = _period_counts(parent, first, last)
    rows = unit_rows(parent, buckets, names, _("directly"))
    totals = sum_rows(buckets.values(), names)
    inside = internal_transfers(parent, first, last)
    totals["transferred_in"] -= inside
    totals["transferred_out"] -= inside
    return {"rows": rows, "totals": {"unit_id": None, "unit_name": _("Total"), **totals},
            "internal_transfers": inside}


def run(params: Params) -> dict[str, Any]:
    return {"columns": COLUMNS, **compute(params.unit, params.date_from, params.date_to)}


REPORT = Report(name="changes", title=_l("Membership changes"), run=run,
                params=("unit_id", "date_from", "date_to"),
                description=_l("Members at the start and end of a period, admissions, transfers "
                               "and leavings, with the make-up of those at the end."))
