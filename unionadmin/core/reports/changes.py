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

Speed: a province has a million periods, so none of the counts reads them all. Those at the end
come from per-unit tallies of the periods open now (migration 0013), less the periods started
after the end date and plus those closed after it: for a recent end date, a few thousand rows.
The starts of a long period are the periods ever started less those started before or after it.
`choose_plan` picks, with a few bounded counts, whichever reads fewer rows; every plan gives the
same figures (tests/core/reports/test_reports.py). Each part is grouped per unit in the database and rolled
up to the child units in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from unionadmin.core.db import session
from unionadmin.core.members.models import MembershipPeriod
from unionadmin.core.members.tallies import TRANSFER_STARTS, UnitBirthTally, UnitPeriodTally
from unionadmin.core.reports.base import Params, Report
from unionadmin.core.reports.tree import (
    Within,
    merge,
    per_unit,
    roll_up,
    subtree_units,
    sum_rows,
    unit_rows,
    within,
)
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
TRANSFER_ENDS = ("transferred_out", "moved")
P = MembershipPeriod
PerUnit = dict[int, dict[str, int]]


def _one(condition) -> Any:
    return func.count().filter(condition)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _signed(value: int, condition) -> Any:
    return case((condition, value), else_=0)


def _zeros(*names: str) -> list:
    return [literal(0).label(name) for name in names]


def _make_up(sign: int, cutoff: date) -> list:
    """Signed contributions of one period row to those at the end and their make-up."""
    return [literal(sign).label("at_end"),
            _signed(sign, P.gender == "female").label("female"),
            _signed(sign, and_(P.ethnicity.isnot(None), P.ethnicity != "Kinh")).label("ethnic_minority"),
            _signed(sign, P.party_member.is_(True)).label("party_members"),
            _signed(sign, P.date_of_birth > cutoff).label("under_35")]


def _sum(column) -> Any:
    """A sum that stays an integer (PostgreSQL's sum of integers is a numeric: Decimals)."""
    return cast(func.sum(column), Integer).label(column.name)


def _grouped(part: Select) -> Select:
    """A part's signed values summed per unit id, so that the union carries a row per unit."""
    sub = part.subquery()
    values = [c for c in sub.c if c.name != "unit_id"]
    return select(sub.c.unit_id, *(_sum(c) for c in values)).group_by(sub.c.unit_id)


def _summed(*parts: Select) -> PerUnit:
    """Add up signed parts (selects with the same columns) per unit id."""
    union = union_all(*(_grouped(part) for part in parts)).subquery()
    values = [c for c in union.c if c.name != "unit_id"]
    inner = select(union.c.unit_id, *(_sum(c) for c in values)).group_by(union.c.unit_id)
    return per_unit(inner)


def _at_end(units: Within, last: date) -> PerUnit:
    """Those at the end of the period and their make-up, read directly: the periods open at its
    end (they carry the member's profile: no join with a million members). For an early date,
    when few periods had started."""
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
        .where(within(units, P.unit_id), P.start_date <= last, or_(P.end_date.is_(None), P.end_date > last))
        .group_by(P.unit_id)
    )
    return per_unit(inner)


def _at_end_from_tally(units: Within, last: date) -> PerUnit:
    """The same figures from the per-unit tally of periods open now: less the periods started
    after `last`, plus those closed after it (each is then open at its end or not counted now).
    The tally knows birth years; members born in the cutoff's own year are counted exactly."""
    cutoff = years_before(last, 35)
    t, b = UnitPeriodTally, UnitBirthTally
    tally = select(t.unit_id, t.n.label("at_end"), t.female.label("female"),
                   t.minority.label("ethnic_minority"), t.party.label("party_members"),
                   *_zeros("under_35")).where(within(units, t.unit_id))
    young = select(b.unit_id, *_zeros("at_end", "female", "ethnic_minority", "party_members"),
                   b.n.label("under_35")).where(within(units, b.unit_id), b.birth_year > cutoff.year)
    straddling = (select(P.unit_id, *_zeros("at_end", "female", "ethnic_minority", "party_members"),
                         literal(1).label("under_35"))
                  .where(within(units, P.unit_id), P.end_date.is_(None), P.date_of_birth > cutoff,
                         P.date_of_birth < date(cutoff.year + 1, 1, 1)))
    mine = within(units, P.unit_id)
    started_after = select(P.unit_id, *_make_up(-1, cutoff)).where(mine, P.start_date > last)
    closed_after = select(P.unit_id, *_make_up(1, cutoff)).where(mine, P.end_date > last)
    return _summed(tally, young, straddling, started_after, closed_after)


def _starts(units: Within, first: date, last: date) -> PerUnit:
    """Periods opened in the period: an index range on their start dates."""
    transfer_in = P.start_kind.in_(TRANSFER_STARTS)
    inner = (select(P.unit_id, _one(not_(transfer_in)).label("admitted"),
                    _one(transfer_in).label("transferred_in"))
             .where(P.start_date >= first, P.start_date <= last, within(units, P.unit_id))
             .group_by(P.unit_id))
    return per_unit(inner)


def _starts_by_complement(units: Within, first: date, last: date) -> PerUnit:
    """The same for a long period: the periods ever started (tally) less those started before
    or after it."""
    t = UnitPeriodTally
    transfer_in = P.start_kind.in_(TRANSFER_STARTS)
    ever = select(t.unit_id, t.admitted.label("admitted"), t.transferred_in.label("transferred_in")
                  ).where(within(units, t.unit_id))
    outside = [select(P.unit_id, _signed(-1, not_(transfer_in)).label("admitted"),
                      _signed(-1, transfer_in).label("transferred_in"))
               .where(within(units, P.unit_id), outside_period)
               for outside_period in (P.start_date < first, P.start_date > last)]
    return _summed(ever, *outside)


def _ends(units: Within, first: date, last: date) -> PerUnit:
    """Periods closed in the period, by why: an index range on their end dates. Every end that
    is not a leaving is a move out, so no end is ever lost."""
    leavings = ("left", "expelled", "deceased")
    inner = (select(P.unit_id,
                    _one(or_(P.end_kind.is_(None), P.end_kind.not_in(leavings))).label("transferred_out"),
                    *(_one(P.end_kind == kind).label(kind) for kind in leavings))
             .where(P.end_date >= first, P.end_date <= last, within(units, P.unit_id))
             .group_by(P.unit_id))
    return per_unit(inner)


@dataclass(frozen=True)
class Plan:
    """How to count: both ways give the same figures (tests/core/reports/test_reports.py), at a cost that
    depends on where the period's dates fall among the periods' own dates."""

    at_end_from_tally: bool = False
    starts_by_complement: bool = False


#: Index entries a plan's first, unscoped look at a date range reads at most.
GLANCE = 20_000


def _count_below(cap: int, *where) -> bool:
    hits = select(literal(1)).select_from(P).where(*where).limit(cap).subquery()
    return (session().scalar(select(func.count()).select_from(hits)) or 0) < cap


def _fewer_than(cap: int, units: Within, *where) -> bool:
    """Whether fewer than `cap` periods of the subtree match, reading at most `cap` index
    entries: first a glance at the whole table's date index (no join: enough when even all
    units have few), then the subtree's."""
    if cap > GLANCE and _count_below(GLANCE, *where):
        return True
    return _count_below(cap, within(units, P.unit_id), *where)


def choose_plan(parent: Unit | None, first: date, last: date) -> Plan:
    return _choose_plan(subtree_units(parent), first, last)


def _choose_plan(units: Within, first: date, last: date) -> Plan:
    """Read the fewer rows. Those at the end: the tally (plus the periods started or closed
    after `last`) unless half the periods or more started after `last`. (Those closed after it
    are not counted first: the direct count reads each of them too, unless it started after
    `last` as well.) The starts: the tally less those before and after the period when the
    period holds an eighth of all starts or more and fewer than an eighth started before it."""
    t = UnitPeriodTally
    total = session().scalar(select(func.coalesce(func.sum(t.admitted + t.transferred_in), 0))
                             .where(within(units, t.unit_id))) or 0
    half, eighth = max(total // 2, 1), max(total // 8, 1)
    from_tally = _fewer_than(half, units, P.start_date > last)
    complement = (from_tally
                  and not _fewer_than(eighth, units, P.start_date >= first, P.start_date <= last)
                  and _fewer_than(eighth, units, P.start_date < first))
    return Plan(from_tally, complement)


def _period_counts(parent: Unit | None, units: Within, first: date, last: date, plan: Plan) -> dict:
    """Flows and those at the end per child unit; those at the start follow from the balance,
    which holds for every single period (module docstring), so it is exact, not estimated."""
    at_end = _at_end_from_tally(units, last) if plan.at_end_from_tally else _at_end(units, last)
    starts = (_starts_by_complement if plan.starts_by_complement else _starts)(units, first, last)
    buckets = roll_up(parent, merge(at_end, starts, _ends(units, first, last)))
    for values in buckets.values():
        ins = values.get("admitted", 0) + values.get("transferred_in", 0)
        outs = sum(values.get(k, 0) for k in ("transferred_out", "left", "expelled", "deceased"))
        values["at_start"] = values.get("at_end", 0) - ins + outs
    return buckets


def internal_transfers(units: Within, first: date, last: date) -> int:
    """Moves inside the subtree during the period: a period opened by a transfer the same day
    another period of the member, also in the subtree, was closed by one."""
    before = aliased(P)
    continues = exists().where(before.member_id == P.member_id, before.id != P.id,
                               before.end_date == P.start_date, before.end_kind.in_(TRANSFER_ENDS),
                               within(units, before.unit_id))
    return session().scalar(
        select(func.count()).select_from(P)
        .where(within(units, P.unit_id), P.start_date >= first, P.start_date <= last,
               P.start_kind.in_(TRANSFER_STARTS), continues)) or 0


def compute(parent: Unit | None, first: date, last: date, plan: Plan | None = None) -> dict[str, Any]:
    """The report for the parent's subtree (every unit when None); `plan` forces a way of
    counting (tests), otherwise `_choose_plan` picks one."""
    names = FLOWS + BREAKDOWN
    units = subtree_units(parent)
    plan = plan if plan is not None else _choose_plan(units, first, last)
    buckets = _period_counts(parent, units, first, last, plan)
    rows = unit_rows(parent, buckets, names, _("directly"))
    totals = sum_rows(buckets.values(), names)
    inside = internal_transfers(units, first, last)
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
