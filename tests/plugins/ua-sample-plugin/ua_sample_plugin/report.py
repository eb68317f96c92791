"""The plugin's report: members entered per child unit, with the core's report helpers (already
restricted to the unit the account chose, which the core checked is in its scope)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ua_sample_plugin.province import in_province
from unionadmin.core.members.models import Member
from unionadmin.core.reports.registry import Params
from unionadmin.core.reports.tree import by_child, subtree_filter, sum_rows, unit_rows

COLUMNS = ["members_entered"]


def run(params: Params) -> dict:
    counts = (select(Member.unit_id, func.count().label("members_entered"))
              .where(subtree_filter(Member.unit_id, params.unit), Member.status != "rejected")
              .group_by(Member.unit_id))
    buckets = by_child(params.unit, counts)
    return {"columns": [("unit_name", _l("Unit")), ("members_entered", _l("Entered"))],
            "rows": unit_rows(params.unit, buckets, COLUMNS, str(_l("directly"))),
            "totals": {"unit_name": str(_l("Total")), **sum_rows(buckets.values(), COLUMNS)}}


REPORT = {"name": "sample_count", "label": _l("Members entered in the province"), "run": run,
          "params": ["unit_id"], "applies_to": in_province}
