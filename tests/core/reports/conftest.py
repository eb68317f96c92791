"""Fixtures of the report tests: another province (`outside`) and the hand-checked scenario
(`figures`), shared by the reports, dashboard and report-speed tests."""

from __future__ import annotations

from datetime import date

import pytest

from tests.core.reports.scenario import F, T, add_member
from tests.helpers import make_user, uid
from unionadmin.core.actor import SYSTEM, acting_as


@pytest.fixture
def outside(ctx):
    from unionadmin.core.units import services as units

    with acting_as(SYSTEM):
        prov = units.create({"code": f"X-{uid()}", "name": "Tỉnh khác", "level": "province"})
        return units.create({"code": f"XG-{uid()}", "name": "CĐCS tỉnh khác",
                             "level": "grassroots", "parent_id": prov.id, "member_target": 10})


@pytest.fixture
def figures(app, tree, outside):
    """The hand-checked scenario (see the expected values in the tests)."""
    db = app.appbuilder.session
    g1, g2, g3, d1 = tree["G1"], tree["G2"], tree["G3"], tree["D1"]
    m = {}
    m[1] = add_member(db, g1, periods=[(g1, date(2015, 1, 1), "registered", None, None)],
                      created_days_ago=40)
    m[2] = add_member(db, g1, gender="female",
                      periods=[(g1, date(2026, 3, 1), "admitted", None, None)])
    m[3] = add_member(db, g2, "left", created_days_ago=40,
                      periods=[(g2, date(2010, 1, 1), "registered", date(2026, 2, 10), "left")])
    # A transfer between siblings U1 (G1) and U2 (G3).
    m[4] = add_member(db, g3, periods=[
        (g1, date(2015, 1, 1), "registered", date(2026, 4, 1), "transferred_out"),
        (g3, date(2026, 4, 1), "transferred_in", None, None)])
    # In from another province.
    m[5] = add_member(db, g2, periods=[
        (outside, date(2012, 1, 1), "registered", date(2026, 5, 1), "transferred_out"),
        (g2, date(2026, 5, 1), "transferred_in", None, None)])
    m[6] = add_member(db, g3, "deceased", created_days_ago=10,
                      periods=[(g3, date(2016, 1, 1), "registered", T, "deceased")])
    m[7] = add_member(db, g3, "expelled",
                      periods=[(g3, date(2016, 1, 1), "registered", date(2026, 7, 1), "expelled")])
    m[8] = add_member(db, g1, dob=date(2000, 1, 1),
                      periods=[(g1, F, "admitted", None, None)])
    m[9] = add_member(db, g2, "left", periods=[(g2, date(2019, 1, 1), "registered", F, "left")])
    m[10] = add_member(db, d1, gender="female", ethnicity="Tày", party=True, dob=date(1995, 1, 1),
                       name="=HYPERLINK(\"x\")",
                       periods=[(d1, date(2020, 1, 1), "registered", None, None)])
    m[11] = add_member(db, g1, "pending")
    m[12] = add_member(db, g1, periods=[(g1, date(2026, 7, 1), "admitted", None, None)])
    m[13] = add_member(db, g2, "rejected")
    db.commit()
    make_user(app, d1, "Officer")  # G1 has an account (in its department)
    idle = make_user(app, g3, "Officer")  # inactive: G3 counts as without an account
    from sqlalchemy import update

    from unionadmin.core.accounts.models import UnionUser

    db.execute(update(UnionUser).where(UnionUser.id == idle.id).values(active=False))
    db.commit()
    return m
