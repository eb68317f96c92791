"""The per-process permission cache (core/permcache.py): fewer statements per request, and a
role or permission change seen on the very next request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.helpers import api_headers, make_user

SECURITY_SQL = re.compile(r"\b(ab_role|ab_permission|ab_user_role|ab_group|ab_view_menu)\b")


@pytest.fixture
def statements(app):
    seen: list[str] = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_repeated_requests_skip_role_and_permission_queries(app, client, tree, statements):
    user = make_user(app, tree["G1"], "Viewer")
    headers = api_headers(client, user.username)
    assert client.get("/api/v1/member/", headers=headers).status_code == 200
    statements.clear()
    assert client.get("/api/v1/member/", headers=headers).status_code == 200
    assert not [s for s in statements if SECURITY_SQL.search(s)]


def test_role_change_is_seen_on_the_next_request(app, client, tree):
    user = make_user(app, tree["G1"], "Viewer")
    headers = api_headers(client, user.username)
    assert client.post("/api/v1/member/", headers=headers, json={}).status_code == 403
    with app.app_context():
        sm = app.appbuilder.sm
        account = sm.get_user_by_id(user.id)
        account.roles = [sm.find_role("Officer")]
        sm.session.commit()
    # Officers may create: the empty body is now refused for its fields, not the role.
    assert client.post("/api/v1/member/", headers=headers, json={}).status_code in (400, 422)


def test_permission_change_is_seen_on_the_next_request(app, client, tree):
    from unionadmin.core.roles import sync_role_permissions

    user = make_user(app, tree["G1"], "Viewer")
    headers = api_headers(client, user.username)
    assert client.get("/api/v1/member/", headers=headers).status_code == 200
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Viewer")
        kept = [p for p in role.permissions
                if not (p.view_menu.name == "MemberApi" and p.permission.name == "can_get")]
        role.permissions = kept
        sm.session.commit()
    try:
        assert client.get("/api/v1/member/", headers=headers).status_code == 403
    finally:
        with app.app_context():
            sync_role_permissions(app.appbuilder.sm)
    assert client.get("/api/v1/member/", headers=headers).status_code == 200


def test_public_permissions_and_web_menus_still_work(app, client, tree):
    from tests.helpers import web_login

    user = make_user(app, tree["G1"], "Officer")
    assert client.get("/members/list/").status_code in (302, 401)
    web_login(client, user.username)
    page = client.get("/members/list/")
    assert page.status_code == 200
    assert 'href="/members/list/' in page.get_data(as_text=True)
