"""Helpers the tests import (`from tests.helpers import ...`): passwords, apps built by the real
factory, accounts, citizen IDs, member data, logins. Fixtures live in tests/conftest.py."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import make_url

ADMIN_PASSWORD = "Admin-test-password-1"
PASSWORD = "Officer-test-password-1"


def postgres_url(worker: str) -> str | None:
    """A fresh PostgreSQL database for this worker when UNIONADMIN_TEST_DB=postgres, else None."""
    if os.environ.get("UNIONADMIN_TEST_DB") != "postgres":
        return None
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.exit("UNIONADMIN_TEST_DB=postgres needs TEST_DATABASE_URL", returncode=2)
    import psycopg

    url = make_url(base)
    name = f"{url.database}_{worker}"
    server = url.set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def build_app(db_url: str, tmp_path, **config: Any):
    from unionadmin import create_app

    settings = {
        "SQLALCHEMY_DATABASE_URI": db_url,
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path),
        "UNIONADMIN_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "RATELIMIT_ENABLED": False,
    }
    settings.update(config)
    return create_app(settings)


def uid() -> str:
    return uuid.uuid4().hex[:8].upper()


@dataclass(frozen=True)
class UnitRef:
    """A unit's values, usable outside any app context (ORM rows expire on commit)."""

    id: int
    code: str
    name: str
    level: str
    path: str
    parent_id: int | None
    depth: int

    @classmethod
    def of(cls, unit) -> UnitRef:
        return cls(unit.id, unit.code, unit.name, unit.level, unit.path, unit.parent_id,
                   unit.depth)


_serial = iter(range(10000, 99999))
_WORKER_DIGIT = (os.environ.get("PYTEST_XDIST_WORKER", "gw9")[2:] or "9")[-1]


def cccd(year: int = 1990, gender: str = "male", province: str = "075") -> str:
    """A citizen ID consistent with birth year and gender, unique within the test run."""
    century = (year // 100) - 19
    digit = century * 2 + (1 if gender == "female" else 0)
    return f"{province}{digit}{year % 100:02d}{_WORKER_DIGIT}{next(_serial):05d}"


def member_data(unit, **over: Any) -> dict[str, Any]:
    import datetime as dt

    data = {"full_name": "Nguyễn Văn An", "date_of_birth": dt.date(1990, 5, 1),
            "gender": "male", "joined_on": dt.date(2015, 1, 1), "unit_id": unit.id}
    data.update(over)
    data.setdefault("citizen_id", cccd(data["date_of_birth"].year, data["gender"]))
    return data


def make_user(app, unit, role: str, username: str | None = None,
              password: str = PASSWORD) -> Any:
    from types import SimpleNamespace

    username = username or f"u{uid().lower()}"
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username, "Cán bộ", "Thử", None, sm.find_role(role), password=password)
        assert user, f"could not create {username}"
        user.unit_id = unit.id if unit is not None else None
        sm.session.commit()
        return SimpleNamespace(id=user.id, username=username, unit_id=user.unit_id, role=role)


def api_headers(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def web_login(client, username: str, password: str = PASSWORD):
    page = client.get("/login/")
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})


def web_logout(client):
    """Log out as the navbar does: a POST with the CSRF token (a GET only asks to confirm)."""
    page = client.get("/logout/")
    if page.status_code != 200:  # not logged in
        return page
    return client.post("/logout/", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
