"""The faster paths give the same figures as the plain ones: the roll-up per child in Python
against the SQL path join, the dashboard's counts by status, and deferred-join paging."""

from __future__ import annotations

from datetime import date

import pytest

from tests.core.reports.scenario import add_member
from tests.helpers import api_headers, make_user
from unionadmin.core.db import session


@pytest.mark.parametrize("level", ["P", "U1", "G1", None])
def test_roll_up_matches_sql_by_child(system, tree, figures, level):
    from sqlalchemy import func, select

    from unionadmin.core.members.models import Member
    from unionadmin.core.reports.tree import by_child, roll_up, subtree_filter

    parent = tree[level] if level else None
    inner = (select(Member.unit_id, func.count().label("n"))
             .where(subtree_filter(Member.unit_id, parent)).group_by(Member.unit_id))
    per_unit = {unit_id: {"n": n} for unit_id, n in session().execute(inner)}
    assert roll_up(parent, per_unit) == {k: v for k, v in by_child(parent, inner).items() if v["n"]}


def test_dashboard_by_status_matches_a_direct_count(system, tree, figures):
    from sqlalchemy import func, select

    from unionadmin.core.members.models import Member
    from unionadmin.core.reports.dashboard import dashboard
    from unionadmin.core.reports.tree import subtree_filter

    for unit in (tree["P"], tree["U1"], tree["G1"]):
        expected = dict(session().execute(
            select(Member.status, func.count()).where(subtree_filter(Member.unit_id, unit))
            .group_by(Member.status)).all())
        assert dashboard(unit)["by_status"] == expected
        assert sum(expected.values()) > 0


def test_deep_pages_follow_the_sort_order(app, client, tree):
    from unionadmin.core.actor import SYSTEM, acting_as

    with app.test_request_context(), acting_as(SYSTEM):
        db = app.appbuilder.session
        names = ["Trần Thị Bình", "Nguyễn Văn An", "Lê Văn Cường", "Phạm Thị Dung", "Đỗ Văn Em",
                 "Hoàng Thị Giang", "Vũ Văn Hải"]
        for i, name in enumerate(names * 2):
            add_member(db, tree["G2"], name=name, dob=date(1980 + i, 1, 1))
        db.commit()
    officer = make_user(app, tree["G2"], "Officer")
    headers = api_headers(client, officer.username)
    seen = []
    for page in range(4):
        q = f"(order_column:full_name,order_direction:asc,page:{page},page_size:4)"
        body = client.get(f"/api/v1/member/?q={q}", headers=headers).get_json()
        seen += list(zip(body["ids"], [r["full_name"] for r in body["result"]], strict=True))
    assert len(seen) == 14 and len({i for i, _ in seen}) == 14
    with app.test_request_context():
        from unionadmin.core.members.models import Member

        keys = dict(session().query(Member.id, Member.sort_key).filter(Member.unit_id == tree["G2"].id))
    order = [(keys[i], i) for i, _ in seen]
    assert order == sorted(order)
