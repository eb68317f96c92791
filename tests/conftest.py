"""Test fixtures: one migrated database per test worker (SQLite, or PostgreSQL when
UNIONADMIN_TEST_DB=postgres and TEST_DATABASE_URL is set), apps built by the real factory."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import make_url

# No plugins installed where the suite runs (entry points) change its results; set it to 1 to
# run the suite with them. Through the environment, so that every app a test builds sees it.
os.environ.setdefault("UNIONADMIN_LOAD_ENTRY_POINTS", "false")

ADMIN_PASSWORD = "Admin-test-password-1"
PASSWORD = "Officer-test-password-1"


def _postgres_url(worker: str) -> str | None:
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


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return _postgres_url(worker) or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"


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


@pytest.fixture(scope="session")
def app(db_url, tmp_path_factory):
    from unionadmin.core.setup import ensure_admin, upgrade_database

    application = build_app(db_url, tmp_path_factory.mktemp("instance"))
    with application.app_context():
        upgrade_database(application)
        ensure_admin(application)
    return application


@pytest.fixture
def ctx(app) -> Iterator[Any]:
    """A request context with no actor: HTTP calls made by the test act as their own user."""
    with app.test_request_context():
        yield app
        app.appbuilder.session.rollback()


@pytest.fixture
def system(ctx) -> Iterator[Any]:
    """Act as the system for direct service calls (not for HTTP calls: the actor would leak
    into the test client's requests, which run in this context)."""
    from unionadmin.core.actor import SYSTEM, acting_as

    with acting_as(SYSTEM):
        yield ctx


@pytest.fixture
def client(app):
    return app.test_client()


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


@pytest.fixture
def tree(app) -> dict[str, Any]:
    """A small province of its own for each test: codes are unique, so tests never collide.
    Built in its own context, so the test's HTTP requests start clean.

    province P > upper U1 > grassroots G1 (> department D1), G2; upper U2 > grassroots G3
    """
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.units import services as units

    tag = uid()

    def unit(key: str, level: str, parent=None, **extra):
        return units.create({"code": f"{key}-{tag}", "name": f"Đơn vị {key} {tag}",
                             "level": level, "parent_id": parent.id if parent else None,
                             **extra})

    with app.test_request_context(), acting_as(SYSTEM):
        p = unit("P", "province")
        u1 = unit("U1", "upper", p)
        u2 = unit("U2", "upper", p)
        g1 = unit("G1", "grassroots", u1, member_target=100)
        g2 = unit("G2", "grassroots", u1, member_target=50)
        g3 = unit("G3", "grassroots", u2, member_target=20)
        d1 = unit("D1", "department", g1)
        units_ = {"P": p, "U1": u1, "U2": u2, "G1": g1, "G2": g2, "G3": g3, "D1": d1}
        return {"tag": tag, **{k: UnitRef.of(v) for k, v in units_.items()}}


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
