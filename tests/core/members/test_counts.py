"""List counts and paging as users meet them: an unrestricted account (Admin) and a scoped one
(Unit Admin), on the web list and the API. The count must never depend on the scope clause's
shape (with SQLAlchemy 2.1 an Admin's capped count lost its FROM and said 1)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.helpers import ADMIN_PASSWORD, api_headers, make_user, member_data, web_login

PAGE = 25
GIVEN = ("An Bình Chi Dung Giang Hà Hạnh Hoa Hương Lan Liên Linh Loan Mai Minh Nga Ngân Ngọc "
         "Nhung Oanh Phương Quyên Thảo Thu Thủy Trang Tuyết Uyên Vân Yến").split()


@pytest.fixture
def thirty(app, tree):
    """30 members in grassroots union G1 of a fresh tree."""
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.members import services as members

    with app.test_request_context(), acting_as(SYSTEM):
        return [members.create(member_data(tree["G1"], full_name=f"Lê Thị {given}")).id
                for given in GIVEN]


def _true_count(app, model) -> int:
    with app.app_context():
        total = app.appbuilder.session.scalar(select(func.count()).select_from(model))
    cap = app.config["UNIONADMIN_COUNT_CAP"]
    return total if total <= cap else cap + 1


def _page(client, headers, resource: str, page: int, filters: str = "") -> dict:
    q = f"(page:{page},page_size:{PAGE}{filters})"
    resp = client.get(f"/api/v1/{resource}/?q={q}", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json


@pytest.mark.parametrize("resource", ["member", "unit", "account", "card_range"])
def test_admin_api_counts_every_row(app, client, thirty, resource):
    from unionadmin.core.accounts.models import UnionUser
    from unionadmin.core.cards.models import CardRange
    from unionadmin.core.members.models import Member
    from unionadmin.core.units.models import Unit

    model = {"member": Member, "unit": Unit, "account": UnionUser, "card_range": CardRange}[resource]
    headers = api_headers(client, "admin", ADMIN_PASSWORD)
    first = _page(client, headers, resource, 0)
    expected = _true_count(app, model)
    assert first["count"] == expected
    assert first["count_exact"] is (expected <= app.config["UNIONADMIN_COUNT_CAP"])
    if expected > PAGE:
        second = _page(client, headers, resource, 1)
        assert second["ids"] and not set(second["ids"]) & set(first["ids"])


def test_scoped_api_counts_and_pages_its_subtree(app, client, tree, thirty):
    admin = make_user(app, tree["U1"], "Unit Admin")
    headers = api_headers(client, admin.username)
    pages = [_page(client, headers, "member", n) for n in range(3)]
    assert [p["count"] for p in pages] == [30, 30, 30]
    assert [len(p["ids"]) for p in pages] == [25, 5, 0]
    assert sorted(pages[0]["ids"] + pages[1]["ids"]) == sorted(thirty)


def _web_count(html: str) -> int:
    match = re.search(r"Tổng số bản ghi:</strong>\s*([\d.,+]+)", html)
    assert match, "no record count on the list page"
    return int(re.sub(r"\D", "", match.group(1)))


def _row_ids(html: str) -> set[str]:
    return set(re.findall(r'/members/show/(\d+)', html))


def test_admin_web_list_counts_and_pages(app, client, thirty):
    from unionadmin.core.members.models import Member

    web_login(client, "admin", ADMIN_PASSWORD)
    first = client.get("/members/list/")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    expected = _true_count(app, Member)
    assert _web_count(html) == expected > PAGE
    second = client.get("/members/list/?page_MemberView=1")
    assert second.status_code == 200
    assert _row_ids(second.get_data(as_text=True)) - _row_ids(html)


def test_scoped_web_list_counts_and_pages(app, client, tree, thirty):
    officer = make_user(app, tree["G1"], "Officer")
    web_login(client, officer.username)
    first = client.get("/members/list/").get_data(as_text=True)
    assert _web_count(first) == 30
    second = client.get("/members/list/?page_MemberView=1").get_data(as_text=True)
    assert _web_count(second) == 30
    assert _row_ids(first) | _row_ids(second) == {str(i) for i in thirty}
