"""Scope on every path, roles, scoped accounts, login hardening, shared-computer safety, audit."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from tests.helpers import (
    ADMIN_PASSWORD,
    PASSWORD,
    api_headers,
    build_app,
    cccd,
    csrf_token,
    make_user,
    web_login,
    web_logout,
)
from unionadmin.core.audit import AuditLog


def _member(client, h, unit_id, **over):
    body = {"full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-01", "gender": "male",
            "joined_on": "2015-01-01", "unit_id": unit_id, "citizen_id": cccd()}
    body.update(over)
    resp = client.post("/api/v1/member/", json=body, headers=h)
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


@pytest.fixture
def branches(client, tree, app):
    """Two branches: an Officer in G1 (under U1) and the data of G3 (under U2)."""
    admin = api_headers(client, "admin", ADMIN_PASSWORD)
    inside = _member(client, admin, tree["G1"].id)
    outside = _member(client, admin, tree["G3"].id)
    officer = make_user(app, tree["G1"], "Officer")
    unit_admin = make_user(app, tree["U1"], "Unit Admin")
    return {"admin": admin, "inside": inside, "outside": outside, "officer": officer,
            "unit_admin": unit_admin}


# -- the access matrix, generated from the URL map ----------------------------------------------

def _id_rules(app):
    """Every rule taking an id, with the HTTP methods it answers (bar HEAD/OPTIONS)."""
    for rule in app.url_map.iter_rules():
        if "pk" in rule.arguments or "member_id" in rule.arguments:
            yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def _object_for(rule, ids):
    path = rule.rule
    if "/member" in path:
        return ids["member"]
    if "/unit" in path:
        return ids["unit"]
    if "/account" in path:
        return ids["account"]
    return ids["unit"]


def test_every_id_endpoint_hides_other_branches(client, app, tree, branches):
    """For every URL that takes an id, an account of another branch gets 404 (or a refusal
    that reveals nothing: 403 from permissions, 405 for methods the view does not offer).
    New endpoints are covered without anyone remembering."""
    foreign_account = make_user(app, tree["G3"], "Officer")
    ids = {"member": branches["outside"], "unit": tree["G3"].id, "account": foreign_account.id}
    ua = branches["unit_admin"]
    h = api_headers(client, ua.username)
    web_login(client, ua.username)
    checked = 0
    for rule, methods in _id_rules(app):
        if rule.rule.startswith(("/users", "/roles", "/permissions", "/viewmenus",
                                 "/permissionviews", "/registeruser", "/verify")):
            continue  # FAB's security views are Admin-only; /verify/<token> is public
        url = re.sub(r"<(?:\w+:)?(pk|member_id)>", str(_object_for(rule, ids)), rule.rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
        for method in methods:
            kwargs = {"headers": h} if url.startswith("/api/") else {}
            if method in ("POST", "PUT"):
                kwargs["json"] = {}
            resp = client.open(url, method=method, **kwargs)
            if method == "GET" and "/action/" in url and resp.status_code == 302:
                continue  # FAB refuses an action by GET (CSRF on) before anything is read
            assert resp.status_code in (404, 403, 405, 400), (method, url, resp.status_code)
            if resp.status_code in (200, 201):
                pytest.fail(f"{method} {url} leaked data")
            checked += 1
    assert checked > 10


def test_in_scope_reads_work_and_lists_are_scoped(client, tree, branches):
    h = api_headers(client, branches["officer"].username)
    assert client.get(f"/api/v1/member/{branches['inside']}", headers=h).status_code == 200
    assert client.get(f"/api/v1/member/{branches['outside']}", headers=h).status_code == 404
    ids = client.get("/api/v1/member/?q=(page_size:100)", headers=h).json["ids"]
    assert branches["inside"] in ids and branches["outside"] not in ids
    units = client.get("/api/v1/unit/?q=(page_size:100)", headers=h).json["ids"]
    assert set(units) == {tree["G1"].id, tree["D1"].id}
    found = client.get("/api/v1/member/search?q=nguyen van an", headers=h).json["result"]
    assert branches["outside"] not in [m["id"] for m in found]


def test_writes_into_other_branches_refused(client, tree, branches):
    h = api_headers(client, branches["officer"].username)
    body = {"full_name": "Trần Thị Bình", "date_of_birth": "1990-05-01", "gender": "female",
            "joined_on": "2015-01-01", "unit_id": tree["G3"].id, "citizen_id": cccd(1990, "female")}
    resp = client.post("/api/v1/member/", json=body, headers=h)
    assert resp.status_code == 422 and "unit_id" in resp.json["message"]
    resp = client.put(f"/api/v1/member/{branches['inside']}", json={"unit_id": tree["G3"].id},
                      headers=h)
    assert resp.status_code == 422
    resp = client.put(f"/api/v1/member/{branches['outside']}", json={"phone": "0912345678"},
                      headers=h)
    assert resp.status_code == 404


def test_unit_admin_cannot_create_units_elsewhere(client, tree, branches):
    h = api_headers(client, branches["unit_admin"].username)
    body = {"code": f"X-{tree['tag']}", "name": "Ngoài phạm vi", "level": "grassroots",
            "parent_id": tree["U2"].id}
    resp = client.post("/api/v1/unit/", json=body, headers=h)
    assert resp.status_code == 422 and "parent_id" in resp.json["message"]
    resp = client.post("/api/v1/unit/", json={**body, "parent_id": None}, headers=h)
    assert resp.status_code == 422
    resp = client.post("/api/v1/unit/", json={**body, "parent_id": tree["U1"].id}, headers=h)
    assert resp.status_code == 201


def test_role_says_what(client, tree, branches, app):
    viewer = make_user(app, tree["G1"], "Viewer")
    h = api_headers(client, viewer.username)
    assert client.get(f"/api/v1/member/{branches['inside']}", headers=h).status_code == 200
    resp = client.post("/api/v1/member/", json={"full_name": "x"}, headers=h)
    assert resp.status_code == 403
    officer = api_headers(client, branches["officer"].username)
    resp = client.post("/api/v1/unit/", json={"code": "Y"}, headers=officer)
    assert resp.status_code == 403
    assert client.get("/api/v1/account/", headers=officer).status_code == 403


def test_list_actions_cannot_reach_other_branches(client, tree, branches):
    web_login(client, branches["unit_admin"].username)
    page = client.get("/members/list/").get_data(as_text=True)
    resp = client.post("/members/action_post", data={
        "action": "nonexistent", "rowid": [str(branches["outside"])],
        "csrf_token": csrf_token(page) if "csrf_token" in page else ""})
    assert resp.status_code in (302, 404, 400)
    assert client.get(f"/members/show/{branches['outside']}").status_code == 404
    assert client.get(f"/members/edit/{branches['outside']}").status_code == 404


def test_related_choices_are_scoped(client, tree, branches):
    web_login(client, branches["officer"].username)
    results = client.get("/units/choose?q=&purpose=member").json["results"]
    ids = {r["id"] for r in results}
    assert tree["G1"].id in ids and tree["G3"].id not in ids


def test_jobs_and_cli_use_the_actor(app, tree):
    from unionadmin.core.actor import acting_as, actor_for_user
    from unionadmin.core.errors import NotFound
    from unionadmin.core.members import services

    officer = make_user(app, tree["G3"], "Officer")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(officer.id)
        with acting_as(actor_for_user(user)):
            with pytest.raises(NotFound):
                services.get(0)
            from unionadmin.core.scope import get_unit

            with pytest.raises(NotFound):
                get_unit(tree["G1"].id)
            assert get_unit(tree["G3"].id).id == tree["G3"].id


# -- accounts -------------------------------------------------------------------------------

def _account_body(unit_id, role="Officer", **over):
    body = {"username": f"acc{int(time.time() * 1e6) % 10**9}", "first_name": "An",
            "last_name": "Nguyễn", "unit_id": unit_id, "role": role,
            "password": "Mot-mat-khau-dai-2026"}
    body.update(over)
    return body


def test_unit_admin_manages_accounts_in_subtree_only(client, tree, branches):
    h = api_headers(client, branches["unit_admin"].username)
    resp = client.post("/api/v1/account/", json=_account_body(tree["G1"].id), headers=h)
    assert resp.status_code == 201, resp.json
    assert resp.json["result"]["password_change_required"] is True
    assert resp.json["result"]["role"] == "Officer" and resp.json["result"]["email"] is None
    resp = client.post("/api/v1/account/", json=_account_body(tree["G3"].id), headers=h)
    assert resp.status_code == 422 and "unit_id" in resp.json["message"]
    resp = client.post("/api/v1/account/", json=_account_body(tree["G1"].id, role="Admin"),
                       headers=h)
    assert resp.status_code == 422 and "role" in resp.json["message"]


@pytest.mark.parametrize("password, ok", [
    ("short", False), ("1234567890", False), ("password123", False),
    ("{username}-secret-1", False), ("Mot-mat-khau-dai-2026", True)])
def test_password_rules(client, tree, branches, password, ok):
    h = api_headers(client, branches["unit_admin"].username)
    body = _account_body(tree["G1"].id)
    body["password"] = password.format(username=body["username"])
    resp = client.post("/api/v1/account/", json=body, headers=h)
    assert (resp.status_code == 201) is ok, resp.json
    if not ok:
        assert "password" in resp.json["message"]


def test_no_self_escalation(client, tree, branches):
    ua = branches["unit_admin"]
    h = api_headers(client, ua.username)
    me = client.get(f"/api/v1/account/{ua.id}", headers=h)
    assert me.status_code == 200
    resp = client.put(f"/api/v1/account/{ua.id}", json={"role": "Admin"}, headers=h)
    assert resp.status_code == 422
    resp = client.put(f"/api/v1/account/{ua.id}", json={"unit_id": tree["P"].id}, headers=h)
    assert resp.status_code == 422
    resp = client.put(f"/api/v1/account/{ua.id}", json={"unit_id": tree["G1"].id}, headers=h)
    assert resp.status_code == 422 and "unit_id" in resp.json["message"]


def test_forced_password_change_api(client, tree, branches):
    h = api_headers(client, branches["unit_admin"].username)
    body = _account_body(tree["G1"].id)
    assert client.post("/api/v1/account/", json=body, headers=h).status_code == 201
    login = client.post("/api/v1/security/login", json={
        "username": body["username"], "password": body["password"], "provider": "db"})
    assert login.status_code == 200 and login.json["password_change_required"] is True
    mine = {"Authorization": f"Bearer {login.json['access_token']}"}
    resp = client.get("/api/v1/member/", headers=mine)
    assert resp.status_code == 403 and resp.json == {"message": "password_change_required"}
    resp = client.post("/api/v1/account/password", json={
        "old_password": body["password"], "new_password": "short"}, headers=mine)
    assert resp.status_code == 422 and "new_password" in resp.json["message"]
    resp = client.post("/api/v1/account/password", json={
        "old_password": body["password"], "new_password": "Mat-khau-cua-toi-99"}, headers=mine)
    assert resp.status_code == 200
    # The change ended the old token; the answer carries new ones.
    assert client.get("/api/v1/member/", headers=mine).status_code == 401
    mine = {"Authorization": f"Bearer {resp.json['access_token']}"}
    assert client.get("/api/v1/member/", headers=mine).status_code == 200


def test_forced_password_change_web(client, tree, branches, app):
    h = api_headers(client, branches["unit_admin"].username)
    body = _account_body(tree["G1"].id)
    client.post("/api/v1/account/", json=body, headers=h)
    resp = web_login(client, body["username"], body["password"])
    assert "/account/password" in resp.headers["Location"]
    assert "/account/password" in client.get("/members/list/").headers.get("Location", "")
    page = client.get("/account/password/").get_data(as_text=True)
    resp = client.post("/account/password/", data={
        "old_password": body["password"], "new_password": "Mat-khau-cua-toi-99",
        "confirm": "Mat-khau-cua-toi-99", "csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    assert client.get("/members/list/").status_code == 200


def test_bootstrap_admin_not_forced(client):
    login = client.post("/api/v1/security/login", json={
        "username": "admin", "password": ADMIN_PASSWORD, "provider": "db"})
    assert login.json["password_change_required"] is False


def test_account_pages(client, tree, branches):
    web_login(client, branches["unit_admin"].username)
    html = client.get("/accounts/list/").get_data(as_text=True)
    assert branches["officer"].username in html
    page = client.get("/accounts/add").get_data(as_text=True)
    assert 'value="Admin"' not in page  # a Unit Admin is not offered the Admin role


# -- login hardening ------------------------------------------------------------------------

def test_lockout_after_failures_and_message(client, tree, app):
    user = make_user(app, tree["G1"], "Officer")
    for _ in range(app.config["UNIONADMIN_LOCKOUT_FAILURES"]):
        resp = client.post("/api/v1/security/login", json={
            "username": user.username, "password": "wrong-password", "provider": "db"})
        assert resp.status_code == 401
    resp = client.post("/api/v1/security/login", json={
        "username": user.username, "password": PASSWORD, "provider": "db"})
    assert resp.status_code == 403 and re.search(r"\d\d:\d\d", resp.json["message"])
    # A wrong password on a locked account says nothing more than for an unknown user.
    wrong = client.post("/api/v1/security/login", json={
        "username": user.username, "password": "nope-nope-nope", "provider": "db"})
    unknown = client.post("/api/v1/security/login", json={
        "username": "no-such-user-xyz", "password": "nope-nope-nope", "provider": "db"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    # The web login is refused too.
    web_login(client, user.username)
    assert client.get("/members/list/").status_code in (302, 401)


def test_login_rate_limit_on_both_endpoints(db_url, tmp_path):
    app = build_app(db_url, tmp_path, RATELIMIT_ENABLED=True,
                    UNIONADMIN_LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/api/v1/security/login", json={
        "username": "x", "password": "y", "provider": "db"}).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[-1] == 429
    page = client.get("/login/").get_data(as_text=True)
    web = [client.post("/login/", data={"username": "x", "password": "y",
                                        "csrf_token": csrf_token(page)}).status_code
           for _ in range(5)]
    assert web[-1] == 429


# -- shared computers -------------------------------------------------------------------------

def test_cookie_flags_no_store_and_headers(client, tree, branches):
    resp = web_login(client, branches["officer"].username)
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie  # ends with the browser
    page = client.get("/members/list/")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in page.headers
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in page.get_data(as_text=True)
    api = client.get("/api/v1/member/", headers=api_headers(client, branches["officer"].username))
    assert api.headers["Cache-Control"] == "no-store"


def test_idle_timeout(client, tree, branches, app):
    web_login(client, branches["officer"].username)
    assert client.get("/members/list/").status_code == 200
    with client.session_transaction() as sess:
        sess["_ua_seen"] = int(time.time()) - app.config["UNIONADMIN_IDLE_MINUTES"] * 60 - 5
    resp = client.get("/members/list/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/members/list/").status_code == 302


def test_logout_clears_session(client, tree, branches):
    web_login(client, branches["officer"].username)
    web_logout(client)
    assert client.get("/members/list/").status_code == 302


def test_csrf_refused_everywhere(db_url, tmp_path, tree):
    app = build_app(db_url, tmp_path)
    client = app.test_client()
    web_login(client, "admin", ADMIN_PASSWORD)
    resp = client.post("/units/add", data={"code": "NOCSRF", "name": "x", "level": "group"})
    assert resp.status_code in (200, 400)
    with app.app_context():
        from unionadmin.core.units.models import Unit

        assert app.appbuilder.session.scalar(select(Unit).where(Unit.code == "NOCSRF")) is None


# -- audit ----------------------------------------------------------------------------------

def test_audit_rows_for_each_kind(client, tree, branches, app):
    officer = branches["officer"]
    client.post("/api/v1/security/login", json={"username": officer.username,
                                                "password": "bad", "provider": "db"})
    h = api_headers(client, officer.username)
    mid = _member(client, h, tree["G1"].id)
    client.put(f"/api/v1/member/{mid}", json={"phone": "0912345678"}, headers=h)
    web_login(client, officer.username)
    web_logout(client)
    with app.app_context():
        rows = app.appbuilder.session.scalars(
            select(AuditLog).where(AuditLog.username == officer.username)).all()
        actions = {r.action for r in rows}
        assert {"login.failure", "login.success", "member.create", "member.update",
                "logout"} <= actions
        update = next(r for r in rows if r.action == "member.update")
        assert update.details["changes"]["phone"] == ["***", "***"]  # personal data masked
        assert update.address == "127.0.0.1"


def test_audit_readable_scoped_and_never_writable(client, tree, branches, app):
    web_login(client, branches["unit_admin"].username)
    assert client.get("/audit/list/").status_code == 200
    with app.app_context():
        row = app.appbuilder.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        rid = row.id
    for url in (f"/audit/edit/{rid}", f"/audit/delete/{rid}", "/audit/add"):
        assert client.get(url).status_code in (403, 404, 405, 302)
    officer_client = app.test_client()
    web_login(officer_client, branches["officer"].username)
    assert officer_client.get("/audit/list/").status_code in (302, 403)


# -- personal data ----------------------------------------------------------------------------

def test_viewer_sees_personal_numbers_masked(client, tree, branches, app):
    officer = api_headers(client, branches["officer"].username)
    client.put(f"/api/v1/member/{branches['inside']}", json={"phone": "0912345678"},
               headers=officer)
    full = client.get(f"/api/v1/member/{branches['inside']}", headers=officer).json["result"]
    assert full["phone"] == "0912345678" and "*" not in full["citizen_id"]
    viewer = make_user(app, tree["G1"], "Viewer")
    h = api_headers(client, viewer.username)
    seen = client.get(f"/api/v1/member/{branches['inside']}", headers=h).json["result"]
    assert seen["phone"] == "091****678"
    assert seen["citizen_id"] == full["citizen_id"][:3] + "******" + full["citizen_id"][-3:]
    listed = client.get("/api/v1/member/?q=(page_size:100)", headers=h).json["result"]
    assert all("*" in m["citizen_id"] for m in listed)
    web_login(client, viewer.username)
    page = client.get(f"/members/show/{branches['inside']}").get_data(as_text=True)
    assert full["citizen_id"] not in page and "091****678" in page
