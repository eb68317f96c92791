"""`cards`: member cards issued, re-issued and revoked in the period (from card events), and
active members still without a card, per child unit and in total."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from unionadmin.core.members.models import Member, MemberEvent
from unionadmin.core.reports.base import Params, Report
from unionadmin.core.reports.tree import by_child, merge, subtree_filter, sum_rows, unit_rows

COLUMNS = [
    ("unit_id", _l("Unit ID")),
    ("unit_name", _l("Unit")),
    ("cards_issued", _l("Cards issued")),
    ("cards_reissued", _l("Cards re-issued")),
    ("cards_revoked", _l("Cards revoked")),
    ("active_without_card", _l("Active members without a card")),
]
COUNTS = ["cards_issued", "cards_reissued", "cards_revoked", "active_without_card"]


def _one(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _event_counts(params: Params) -> dict:
    """Card events by the member's unit; an issue after an earlier one is a re-issue."""
    earlier = aliased(MemberEvent)
    E = MemberEvent
    reissue = exists().where(earlier.member_id == E.member_id, earlier.kind == "card_issued",
                             earlier.id < E.id)
    issued = E.kind == "card_issued"
    inner = (select(Member.unit_id,
                    _one(and_(issued, ~reissue)).label("cards_issued"),
                    _one(and_(issued, reissue)).label("cards_reissued"),
                    _one(E.kind == "card_revoked").label("cards_revoked"))
             .join(Member, Member.id == E.member_id)
             .where(E.kind.in_(("card_issued", "card_revoked")),
                    E.effective_date >= params.date_from, E.effective_date <= params.date_to,
                    subtree_filter(Member.unit_id, params.unit))
             .group_by(Member.unit_id))
    return by_child(params.unit, inner)


def _without_card(params: Params) -> dict:
    inner = (select(Member.unit_id, func.count().label("active_without_card"))
             .where(subtree_filter(Member.unit_id, params.unit), Member.status == "active",
                    Member.card_number.is_(None))
             .group_by(Member.unit_id))
    return by_child(params.unit, inner)


def run(params: Params) -> dict[str, Any]:
    buckets = merge(_event_counts(params), _without_card(params))
    rows = unit_rows(params.unit, buckets, COUNTS, _("directly"))
    totals = {"unit_id": None, "unit_name": _("Total"), **sum_rows(buckets.values(), COUNTS)}
    return {"columns": COLUMNS, "rows": rows, "totals": totals}


REPORT = Report(name="cards", title=_l("Member cards"), run=run,
                params=("unit_id", "date_from", "date_to"),
                description=_l("Cards issued, re-issued and revoked in the period, and active "
                               "members without a card."))
