"""Session rules attacked as `make run` configures the app (issue #15, points 4, 5, 6, 10):
a cookie saved before logout, idle sessions on the API, the forced password change with the
cookie, CSRF on every state-changing route, bad JWTs, and the default rate limits."""

from __future__ import annotations

import base64
import json
import re
import time

import jwt
import pytest

from tests.helpers import ADMIN_PASSWORD, PASSWORD, csrf_token, make_user, web_login

EXPORT = "/api/v1/member/export"
NEW_PASSWORD = "Mot-mat-khau-moi-2026"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


# -- helpers -------------------------------------------------------------------------------

def login(client, username: str, password: str = PASSWORD) -> None:
    resp = web_login(client, username, password)
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"], resp.status_code


def logout(client):
    page = client.get("/logout/").get_data(as_text=True)
    return client.post("/logout/", data={"csrf_token": csrf_token(page)})


def logged_in(client) -> bool:
    """Whether the client's session still opens a page with personal data."""
    return client.get("/members/list/").status_code == 200


def cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, value: str):
    """A new browser holding a session cookie someone saved earlier."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def tokens(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def vietnamese_401(resp) -> None:
    """An API refusal as the app's other errors: 401, {"message": ...} in Vietnamese."""
    assert resp.status_code == 401, (resp.status_code, resp.get_data(as_text=True))
    body = resp.json
    assert set(body) == {"message"}, body
    assert any(ord(c) > 127 for c in body["message"]), body  # diacritics: not English


def token_is_dead(client, access: str, refresh: str) -> None:
    vietnamese_401(client.get("/api/v1/member/", headers=bearer(access)))
    vietnamese_401(client.post("/api/v1/security/refresh", headers=bearer(refresh)))


@pytest.fixture
def officer(app, tree):
    return make_user(app, tree["G1"], "Officer")


# -- 4a: logout, password change, reset and deactivation end sessions on the server ----------

def test_cookie_saved_before_logout_no_longer_exports(prod_app, prod_client, officer):
    login(prod_client, officer.username)
    assert prod_client.get(EXPORT).status_code == 200
    saved = cookie(prod_client)
    assert logout(prod_client).status_code == 302
    thief = replay(prod_app, saved)
    vietnamese_401(thief.get(EXPORT))
    resp = thief.get("/members/list/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_logout_ends_the_accounts_tokens_too(prod_client, officer):
    """Chosen: logging out ends every session and token of the account (shared PCs)."""
    issued = tokens(prod_client, officer.username)
    login(prod_client, officer.username)
    logout(prod_client)
    token_is_dead(prod_client, issued["access_token"], issued["refresh_token"])
    assert tokens(prod_client, officer.username)["access_token"]  # a new login works


def test_own_password_change_ends_other_sessions_and_tokens(prod_app, prod_client, officer):
    issued = tokens(prod_client, officer.username)
    other_pc = prod_app.test_client()
    login(other_pc, officer.username)
    login(prod_client, officer.username)
    page = prod_client.get("/account/password/").get_data(as_text=True)
    resp = prod_client.post("/account/password/", data={
        "old_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    assert logged_in(prod_client)  # the session that changed it goes on
    assert not logged_in(other_pc)
    token_is_dead(prod_client, issued["access_token"], issued["refresh_token"])


def test_own_password_change_by_api_answers_new_tokens(prod_client, officer):
    issued = tokens(prod_client, officer.username)
    resp = prod_client.post("/api/v1/account/password", headers=bearer(issued["access_token"]),
                            json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert resp.status_code == 200, resp.json
    token_is_dead(prod_client, issued["access_token"], issued["refresh_token"])
    fresh = resp.json
    assert prod_client.get("/api/v1/member/", headers=bearer(fresh["access_token"])).status_code \
        == 200
    refreshed = prod_client.post("/api/v1/security/refresh",
                                 headers=bearer(fresh["refresh_token"]))
    assert refreshed.status_code == 200


@pytest.mark.parametrize("change", [{"password": NEW_PASSWORD}, {"active": False}])
def test_reset_or_deactivation_by_unit_admin_ends_sessions(prod_app, prod_client, app, tree,
                                                           officer, change):
    unit_admin = make_user(app, tree["U1"], "Unit Admin")
    issued = tokens(prod_client, officer.username)
    victim = prod_app.test_client()
    login(victim, officer.username)
    saved = cookie(victim)
    admin_headers = bearer(tokens(prod_client, unit_admin.username)["access_token"])
    resp = prod_client.put(f"/api/v1/account/{officer.id}", json=change, headers=admin_headers)
    assert resp.status_code == 200, resp.json
    if "active" in change:  # reactivated: the old sessions stay ended
        resp = prod_client.put(f"/api/v1/account/{officer.id}", json={"active": True},
                               headers=admin_headers)
        assert resp.status_code == 200, resp.json
    assert not logged_in(victim)
    vietnamese_401(replay(prod_app, saved).get(EXPORT))
    token_is_dead(prod_client, issued["access_token"], issued["refresh_token"])


# -- 4b: idle timeout on every path ----------------------------------------------------------

def test_idle_session_cookie_refused_on_the_api(prod_app, prod_client, officer):
    login(prod_client, officer.username)
    assert prod_client.get(EXPORT).status_code == 200
    with prod_client.session_transaction() as sess:
        sess["_ua_seen"] = int(time.time()) - prod_app.config["UNIONADMIN_IDLE_MINUTES"] * 60 - 5
    vietnamese_401(prod_client.get(EXPORT))
    assert not logged_in(prod_client)


# -- 4c: one password-change gate, both credentials --------------------------------------------

def test_password_change_gate_holds_for_the_session_cookie(prod_client, app, tree):
    unit_admin = make_user(app, tree["U1"], "Unit Admin")
    h = bearer(tokens(prod_client, unit_admin.username)["access_token"])
    username = f"gate{int(time.time() * 1e6) % 10**9}"
    resp = prod_client.post("/api/v1/account/", headers=h, json={
        "username": username, "first_name": "An", "last_name": "Nguyễn",
        "unit_id": tree["G1"].id, "role": "Officer", "password": NEW_PASSWORD})
    assert resp.status_code == 201, resp.json
    web_login(prod_client, username, NEW_PASSWORD)
    resp = prod_client.get(EXPORT)
    assert resp.status_code == 403 and resp.json == {"message": "password_change_required"}
    assert prod_client.get("/api/v1/member/").status_code == 403
    resp = prod_client.get("/members/list/")
    assert resp.status_code == 302 and "/account/password" in resp.headers["Location"]
    mine = bearer(tokens(prod_client, username, NEW_PASSWORD)["access_token"])
    assert prod_client.get(EXPORT, headers=mine).status_code == 403


# -- 4d: logout by POST with a CSRF token ------------------------------------------------------

def test_logout_needs_post_with_token(prod_client, officer):
    login(prod_client, officer.username)
    page = prod_client.get("/logout/")
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True).lower()
    assert logged_in(prod_client)  # a GET (a link, an <img>) never logs out
    assert prod_client.post("/logout/").status_code == 400
    assert logged_in(prod_client)
    assert logout(prod_client).status_code == 302
    assert not logged_in(prod_client)


def test_navbar_logs_out_with_a_form(prod_client, officer):
    login(prod_client, officer.username)
    html = prod_client.get("/members/list/").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/logout/"[^>]*>.*?</form>', html, re.S)
    assert form and 'method="post"' in form.group(0).lower() and "csrf_token" in form.group(0)
    assert 'href="/logout/"' not in html


# -- 6: CSRF on every state-changing route reached with the session cookie -------------------

def _url(rule) -> str:
    url = re.sub(r"<(?:\w+:)?(name)>", "approve", rule.rule)
    return re.sub(r"<(?:\w+:)?\w+>", "1", url)


def test_every_state_changing_route_refuses_a_cookie_without_token(prod_app, prod_client):
    """Generated from the URL map: a new POST/PUT/PATCH/DELETE route is covered by itself."""
    login(prod_client, "admin", ADMIN_PASSWORD)
    checked = []
    for rule in prod_app.url_map.iter_rules():
        if rule.rule in ("/login/", "/api/v1/security/login"):
            continue  # the form checks its own token (Flask-WTF); the API's is JSON, no cookie
        for method in sorted(rule.methods & UNSAFE):
            url = _url(rule)
            kwargs = {"json": {}} if url.startswith("/api/") else {"data": {"x": "1"}}
            resp = prod_client.open(url, method=method, **kwargs)
            assert resp.status_code in (400, 403), (method, url, resp.status_code)
            if url.startswith("/api/"):
                message = resp.json.get("message")
                assert isinstance(message, str) and re.search(r"[^\x00-\x7f]", message), \
                    (url, resp.json)
            checked.append((method, url))
    assert logged_in(prod_client)
    urls = {url for _, url in checked}
    assert {"/cards/photo/1", "/cards/templates", "/api/v1/member/import", "/logout/"} <= urls
    assert len(checked) > 60


def test_token_in_header_or_form_is_accepted(prod_client, tree):
    login(prod_client, "admin", ADMIN_PASSWORD)
    token = csrf_token(prod_client.get("/imports/").get_data(as_text=True))
    resp = prod_client.post("/api/v1/member/import", headers={"X-CSRFToken": token})
    assert resp.status_code == 422, resp.get_data(as_text=True)  # past CSRF: no file sent
    resp = prod_client.post("/cards/templates", data={
        "unit_code": tree["G2"].code, "template": "", "csrf_token": token})
    assert resp.status_code in (200, 302)


def test_jwt_requests_need_no_csrf_token(prod_client, tree):
    h = bearer(tokens(prod_client, "admin", ADMIN_PASSWORD)["access_token"])
    resp = prod_client.post("/api/v1/unit/", headers=h, json={
        "code": f"JWT-{tree['tag']}", "name": "Đơn vị JWT", "level": "grassroots",
        "parent_id": tree["U1"].id})
    assert resp.status_code == 201, resp.json


# -- 10: bad JWTs answer 401 in Vietnamese -------------------------------------------------------

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user_id: int, **over) -> dict:
    now = int(time.time())
    return {"sub": str(user_id), "type": "access", "fresh": False, "jti": "x", "iat": now,
            "nbf": now, "exp": now + 600, **over}


def test_bad_tokens_answer_401_in_vietnamese(prod_app, prod_client, officer):
    key = prod_app.config.get("JWT_SECRET_KEY") or prod_app.config["SECRET_KEY"]
    forged = {
        "malformed": "not-a-token",
        "other key": jwt.encode(_claims(officer.id), "another-secret-key-0123456789abcdef",
                                algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(officer.id))}.",
        "expired": jwt.encode(_claims(officer.id, exp=int(time.time()) - 60), key,
                              algorithm="HS256"),
        "refresh as access": tokens(prod_client, officer.username)["refresh_token"],
    }
    for name, token in forged.items():
        for url in ("/api/v1/member/", EXPORT):
            resp = prod_client.get(url, headers=bearer(token))
            assert resp.status_code == 401, (name, url, resp.status_code, resp.json)
            vietnamese_401(resp)
    vietnamese_401(prod_client.get("/api/v1/member/"))  # no token at all


# -- 5: rate limits are on by default ------------------------------------------------------------

def test_api_login_is_rate_limited_by_default(prod_client):
    codes = [prod_client.post("/api/v1/security/login", json={
        "username": f"nobody{i}", "password": "wrong-password", "provider": "db"}).status_code
        for i in range(35)]
    assert 429 in codes and codes[0] == 401


def test_web_login_is_rate_limited_by_default(prod_client):
    token = csrf_token(prod_client.get("/login/").get_data(as_text=True))
    codes = [prod_client.post("/login/", data={"username": f"nobody{i}", "password": "wrong",
                                               "csrf_token": token}).status_code
             for i in range(35)]
    assert 429 in codes and codes[0] == 302


def test_card_verification_is_rate_limited_by_default(prod_client):
    codes = [prod_client.get("/verify/khong-co-the-nay",
                             headers={"Accept": "application/json"}).status_code
             for _ in range(70)]
    assert 429 in codes and codes[0] != 429


def test_multipart_part_without_a_name_is_refused_cleanly(prod_client):
    """Found by the fuzzer: a form part with no name crashed the CSRF check (500)."""
    login(prod_client, "admin", ADMIN_PASSWORD)
    body = b'--XB\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--XB--\r\n'
    for url in ("/cards/templates", "/api/v1/member/import"):
        resp = prod_client.post(url, data=body,
                                content_type="multipart/form-data; boundary=XB")
        assert resp.status_code == 400, (url, resp.status_code)


def test_behind_https_the_token_must_come_from_this_sites_pages(prod_client, tree):
    login(prod_client, "admin", ADMIN_PASSWORD)
    token = csrf_token(prod_client.get("/imports/").get_data(as_text=True))
    form = {"unit_code": tree["G2"].code, "template": "", "csrf_token": token}
    https = {"base_url": "https://localhost"}
    resp = prod_client.post("/cards/templates", data=form, **https,
                            headers={"Referer": "https://evil.example/"})
    assert resp.status_code == 400
    resp = prod_client.post("/cards/templates", data=form, **https,
                            headers={"Referer": "https://localhost/cards/templates"})
    assert resp.status_code in (200, 302)


def test_rate_limits_use_a_moving_window(prod_app):
    """A fixed window lets twice the limit through across a minute boundary (35 logins at
    hh:mm:59-hh:mm+1:01 all got 401 on a real server)."""
    from limits.strategies import MovingWindowRateLimiter

    assert isinstance(prod_app.appbuilder.sm.limiter._limiter, MovingWindowRateLimiter)
