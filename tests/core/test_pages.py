"""The pages as officers meet them: log in, lists in Vietnamese, add and edit through forms."""

import re

import pytest

from tests.helpers import ADMIN_PASSWORD, cccd, csrf_token, make_user, member_data, web_login
from unionadmin.core.members.models import Member


@pytest.fixture
def admin_client(client):
    resp = web_login(client, "admin", ADMIN_PASSWORD)
    assert resp.status_code == 302
    return client


def test_login_page_is_vietnamese(client):
    html = client.get("/login/").get_data(as_text=True)
    assert "Đăng nhập" in html and "Mật khẩu" in html
    assert "Sign In" not in html


def test_login_in_english_on_request(client):
    html = client.get("/login/?_l_=en").get_data(as_text=True)
    assert "Sign In" in html or "Login" in html


def test_bad_login_stays_on_login(client):
    resp = web_login(client, "admin", "wrong-password")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_lists_render_in_vietnamese(app, admin_client, tree):
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.members import services

    with app.test_request_context(), acting_as(SYSTEM):  # a list shows its headers with a row
        services.create(member_data(tree["G1"]))
    units = admin_client.get("/units/list/").get_data(as_text=True)
    assert "Đơn vị" in units and "Mã" in units
    members = admin_client.get("/members/list/").get_data(as_text=True)
    assert "Họ và tên" in members and "Ngày sinh" in members
    home = admin_client.get("/").get_data(as_text=True)
    assert "Đơn vị" in home


def test_unit_pages(admin_client, tree):
    html = admin_client.get(f"/units/show/{tree['D1'].id}").get_data(as_text=True)
    assert tree["G1"].name in html and tree["U1"].name in html  # breadcrumb
    chooser = admin_client.get("/units/choose?q=don vi g&purpose=member").json
    assert all("(" in r["text"] for r in chooser["results"])
    parents = admin_client.get("/units/choose?q=&purpose=parent&level=grassroots").json
    ids = {r["id"] for r in parents["results"]}
    assert tree["G1"].id not in ids


def _member_form(unit_id, **over):
    form = {"full_name": "Phạm Thị Hoa", "date_of_birth": "15/03/1995", "gender": "female",
            "unit_id": str(unit_id), "id_type": "cccd", "citizen_id": cccd(1995, "female"),
            "joined_on": "01/06/2018", "ethnicity": "Kinh", "phone": "0912 345 678"}
    form.update(over)
    return form


def test_add_member_through_form(admin_client, tree, app):
    page = admin_client.get("/members/add").get_data(as_text=True)
    assert "dd/mm/yyyy" in page
    form = _member_form(tree["G1"].id, csrf_token=csrf_token(page))
    resp = admin_client.post("/members/add", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    mid = int(re.search(r"/members/show/(\d+)", resp.headers["Location"]).group(1))
    with app.app_context():
        member = app.appbuilder.session.get(Member, mid)
        assert member.full_name == "Phạm Thị Hoa" and member.phone == "0912345678"
        assert member.date_of_birth.isoformat() == "1995-03-15"
    show = admin_client.get(f"/members/show/{mid}").get_data(as_text=True)
    assert "15/03/1995" in show and "Nhập mới" in show


def test_form_errors_shown_in_vietnamese_and_nothing_lost(admin_client, tree):
    page = admin_client.get("/members/add").get_data(as_text=True)
    form = _member_form(tree["G1"].id, citizen_id="123", csrf_token=csrf_token(page))
    resp = admin_client.post("/members/add", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "12 chữ số" in html
    assert 'value="Phạm Thị Hoa"' in html  # what was valid stays in the form


def test_edit_member_through_form(admin_client, tree, app):
    page = admin_client.get("/members/add").get_data(as_text=True)
    number = cccd(1995, "female")
    resp = admin_client.post("/members/add", data=_member_form(
        tree["G2"].id, citizen_id=number, csrf_token=csrf_token(page)))
    mid = int(re.search(r"/members/show/(\d+)", resp.headers["Location"]).group(1))
    page = admin_client.get(f"/members/edit/{mid}").get_data(as_text=True)
    assert "15/03/1995" in page
    form = _member_form(tree["G2"].id, citizen_id=number, full_name="Phạm Thị Hoà",
                        csrf_token=csrf_token(page))
    resp = admin_client.post(f"/members/edit/{mid}", data=form)
    assert resp.status_code == 302
    show = admin_client.get(f"/members/show/{mid}").get_data(as_text=True)
    assert "Phạm Thị Hoà" in show and "Sửa thông tin" in show


def test_form_without_csrf_is_refused(admin_client, tree, app):
    with app.app_context():
        before = app.appbuilder.session.query(Member).count()
    resp = admin_client.post("/members/add", data=_member_form(tree["G1"].id))
    assert resp.status_code in (200, 400)
    with app.app_context():
        assert app.appbuilder.session.query(Member).count() == before


def test_officer_sees_only_own_subtree_on_pages(client, tree, app):
    user = make_user(app, tree["G1"], "Officer")
    web_login(client, user.username)
    html = client.get("/units/list/").get_data(as_text=True)
    assert tree["G1"].name in html and tree["G3"].name not in html
    assert client.get(f"/units/show/{tree['G3'].id}").status_code == 404
    assert client.get(f"/units/show/{tree['G1'].id}").status_code == 200


def test_unit_list_filters_by_level_and_parent(admin_client, tree):
    html = admin_client.get(f"/units/list/?_flt_0_parent_id={tree['U1'].code}").get_data(as_text=True)
    assert tree["G1"].name in html and tree["G2"].name in html and tree["G3"].name not in html
    html = admin_client.get(f"/units/list/?_flt_0_level=department&_flt_0_name={tree['tag']}"
                            ).get_data(as_text=True)
    assert tree["D1"].name in html and tree["G2"].name not in html


def test_member_list_search_ignores_diacritics(admin_client, tree):
    page = admin_client.get("/members/add").get_data(as_text=True)
    admin_client.post("/members/add", data=_member_form(
        tree["G3"].id, full_name="Đặng Thị Ánh", csrf_token=csrf_token(page)))
    html = admin_client.get("/members/list/?_flt_0_full_name=dang thi anh").get_data(as_text=True)
    assert "Đặng Thị Ánh" in html
