"""Helpers the tests import (`from tests.helpers import ...`): passwords, apps built by the real
factory, accounts, citizen IDs, member data, logins. They are UnionAdmin's testing helpers
(`unionadmin.testing`, which plugins' own tests use too), plus what only the core's suite needs.
Fixtures live in tests/conftest.py."""

from __future__ import annotations

from unionadmin.testing import (
    ADMIN_PASSWORD,
    PASSWORD,
    UnitRef,
    api_headers,
    build_app,
    cccd,
    csrf_token,
    make_user,
    member_data,
    postgres_url,
    schema_diff,
    uid,
    web_login,
)

__all__ = ["ADMIN_PASSWORD", "PASSWORD", "UnitRef", "api_headers", "build_app", "cccd",
           "csrf_token", "make_user", "member_data", "postgres_url", "schema_diff", "uid",
           "web_login", "web_logout"]


def web_logout(client):
    """Log out as the navbar does: a POST with the CSRF token (a GET only asks to confirm)."""
    page = client.get("/logout/")
    if page.status_code != 200:  # not logged in
        return page
    return client.post("/logout/", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
