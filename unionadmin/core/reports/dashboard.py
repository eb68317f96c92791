"""The dashboard on the home page: the unit's progress against the target (the `progress`
report), a bar per child unit (laggards first and highlighted), entries per week for the last
12 weeks against the weekly pace the target needs, and counts by status."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import to_user_timezone

from unionadmin.core.actor import current_actor
from unionadmin.core.db import today, utcnow
from unionadmin.core.errors import NotFound
from unionadmin.core.members import tallies
from unionadmin.core.reports import progress
from unionadmin.core.reports.tree import subtree_unit_ids
from unionadmin.core.scope import get_unit, in_scope
from unionadmin.core.units.models import Unit

WEEKS = 12


def _setting_date(name: str, default: date) -> date:
    value = current_app.config.get(name)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else default
    except ValueError:
        return default


def campaign() -> tuple[date, date]:
    """Start and deadline of the entry campaign (settings, else the calendar year)."""
    day = today()
    start = _setting_date("UNIONADMIN_CAMPAIGN_START", date(day.year, 1, 1))
    end = _setting_date("UNIONADMIN_TARGET_DATE", date(day.year, 12, 31))
    return start, max(end, start)


def expected_percent(day: date) -> float:
    """Where entry should stand today if it went evenly from the campaign start to the deadline."""
    start, end = campaign()
    span = (end - start).days or 1
    return round(min(max((day - start).days / span, 0), 1) * 100, 1)


def weekly_entries(unit: Unit | None, now: datetime) -> list[dict[str, Any]]:
    """Members entered in each of the last 12 weeks (7-day spans ending today, Viet Nam's
    dates), from the per-unit daily tallies."""
    day = to_user_timezone(now).date()  # naive UTC -> BABEL_DEFAULT_TIMEZONE
    first = day - timedelta(days=7 * WEEKS - 1)
    per_day = tallies.entries_per_day(subtree_unit_ids(unit), first)
    weeks = [{"start": first + timedelta(days=7 * i), "count": 0} for i in range(WEEKS)]
    for entered_on, n in per_day.items():
        if first <= entered_on <= day:
            weeks[(entered_on - first).days // 7]["count"] += n
    return weeks


def weekly_pace_needed(totals: dict[str, Any], day: date) -> int | None:
    """Entries per week still needed to reach the target by the deadline."""
    remaining = (totals.get("member_target") or 0) - (totals.get("members_entered") or 0)
    if remaining <= 0:
        return 0
    weeks_left = max((campaign()[1] - day).days / 7, 1)
    return math.ceil(remaining / weeks_left)


def chart(weeks: list[dict[str, Any]], pace: int | None) -> dict[str, Any]:
    """Geometry of the weekly SVG chart (viewBox 0 0 360 160, scaled by the browser)."""
    width, height, top, bottom = 360, 160, 14, 22
    peak = max([w["count"] for w in weeks] + [pace or 0, 1])
    scale = (height - top - bottom) / peak
    slot = width / len(weeks)
    bars = []
    for i, week in enumerate(weeks):
        h = week["count"] * scale
        bars.append({"x": round(i * slot + slot * 0.15, 1), "w": round(slot * 0.7, 1),
                     "y": round(height - bottom - h, 1), "h": round(h, 1), "count": week["count"],
                     "label": week["start"].strftime("%d/%m"), "cx": round(i * slot + slot / 2, 1),
                     "behind": pace is not None and week["count"] < pace})
    pace_y = round(height - bottom - (pace or 0) * scale, 1) if pace else None
    return {"width": width, "height": height, "bars": bars, "pace_y": pace_y, "pace": pace,
            "base": height - bottom}


def dashboard(unit: Unit | None) -> dict[str, Any]:
    day = today()
    statuses = progress.status_counts(unit)
    data = progress.compute(unit, statuses)
    expected = expected_percent(day)
    rows = sorted(data["rows"], key=lambda r: (r["entered_percent"] is None,
                                               r["entered_percent"] or 0, r["unit_name"]))
    for row in rows:
        row["behind"] = row["entered_percent"] is not None and row["entered_percent"] < expected
        row["bar"] = min(row["entered_percent"] or 0, 100)
    by_status: dict[str, int] = {}
    for _unit_id, status, n in statuses:
        by_status[status] = by_status.get(status, 0) + n
    pace = weekly_pace_needed(data["totals"], day)
    return {"totals": data["totals"], "rows": rows, "expected": expected, "deadline": campaign()[1],
            "chart": chart(weekly_entries(unit, utcnow()), pace), "by_status": by_status}


def home_page(requested_unit_id: str | None) -> dict[str, Any]:
    """What the home page shows: the requested unit (`?unit_id=`) or the account's own, its
    dashboard and its parent when the account may go up; for an Admin without a unit the whole
    country, for any other account without one nothing. NotFound for a unit out of scope."""
    actor = current_actor()
    unit = None
    try:
        if requested_unit_id:
            unit = get_unit(int(requested_unit_id))
        elif actor.unit_id is not None:
            unit = get_unit(actor.unit_id)
    except ValueError:
        raise NotFound() from None
    if unit is None and not actor.unrestricted:  # an account without a unit sees nothing
        return {"unit": None, "board": None}
    parent = unit.parent if unit is not None and in_scope(unit.parent) else None
    return {"unit": unit, "board": dashboard(unit), "parent": parent}
