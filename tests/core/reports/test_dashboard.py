"""The home page dashboard: totals, a bar per child unit, weekly chart, counts by status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.helpers import ADMIN_PASSWORD, make_user, web_login


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, element_id
    return match.group(1).strip()


@pytest.mark.parametrize("role", ["Officer", "Unit Admin"])
def test_dashboard_totals_for_the_province(app, client, tree, figures, role):
    user = make_user(app, tree["P"], role)
    web_login(client, user.username)
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert _text(html, "ua-dash-unit") == tree["P"].name
    assert _text(html, "ua-total-entered") == "12"
    assert _text(html, "ua-total-percent") == "7.1"
    assert (_text(html, "ua-total-accounts"), _text(html, "ua-total-grassroots")) == ("1", "3")
    assert _text(html, "ua-total-week") == "9"
    # One bar per child unit, the least advanced first; the weekly SVG chart, no CDN.
    bars = re.findall(r'class="ua-bar-row[^"]*" data-unit="(\d+)"', html)
    assert bars == [str(tree["U1"].id), str(tree["U2"].id)]
    assert '<svg id="ua-week-chart"' in html and html.count('class="ua-week') == 12
    assert "cdn" not in html.lower()
    for status in ("active", "pending", "left"):
        assert f'href="/members/list/?_flt_0_status={status}"' in html
    assert 'data-status="rejected"' in html and 'data-status="suspended"' not in html
    assert 'name="viewport"' in html  # readable on a phone


def test_dashboard_for_a_unit_admin_below_and_drill_down(app, client, tree, figures, outside):
    admin = make_user(app, tree["U1"], "Unit Admin")
    web_login(client, admin.username)
    html = client.get("/").get_data(as_text=True)
    assert _text(html, "ua-total-entered") == "9"
    assert _text(html, "ua-total-percent") == "6.0"
    assert re.findall(r'data-unit="(\d+)"', html) == [str(tree["G1"].id), str(tree["G2"].id)]
    down = client.get(f"/?unit_id={tree['G1'].id}").get_data(as_text=True)
    assert _text(down, "ua-total-entered") == "6"
    assert client.get(f"/?unit_id={tree['U2'].id}").status_code == 404
    assert client.get(f"/?unit_id={outside.id}").status_code == 404


def test_behind_target_is_highlighted(app, client, tree, figures):
    app.config["UNIONADMIN_CAMPAIGN_START"] = "2020-01-01"
    app.config["UNIONADMIN_TARGET_DATE"] = "2021-01-01"  # everything is overdue: all behind
    try:
        assert web_login(client, "admin", ADMIN_PASSWORD).status_code == 302
        html = client.get(f"/?unit_id={tree['P'].id}").get_data(as_text=True)
    finally:
        del app.config["UNIONADMIN_CAMPAIGN_START"], app.config["UNIONADMIN_TARGET_DATE"]
    assert html.count("ua-bar-row ua-behind") == 2
    assert 'id="ua-pace-line"' in html


def test_weekly_chart_counts(system, tree, figures):
    from unionadmin.core.db import utcnow
    from unionadmin.core.reports.dashboard import chart, weekly_entries

    weeks = weekly_entries(tree["P"], utcnow() + timedelta(seconds=1))
    assert len(weeks) == 12 and sum(w["count"] for w in weeks) == 12  # rejected ones left out
    assert weeks[-1]["count"] == 9 and weeks[-2]["count"] == 1
    geometry = chart(weeks, 4)
    assert geometry["pace_y"] is not None and len(geometry["bars"]) == 12
