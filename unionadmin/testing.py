"""Testing UnionAdmin and its plugins with pytest: fixtures and helpers.

A plugin's own test suite loads this module as a pytest plugin, in the ``conftest.py`` of its
tests folder::

    pytest_plugins = ["unionadmin.testing"]

and gets, on a real database migrated with the core's and the loaded plugins' migrations:

* ``app`` (one per test session): an app built by the real factory with the installed plugins
  (entry-point group ``unionadmin.plugins``), plus the settings of the ``app_settings`` fixture
  (override it: ``{"UNIONADMIN_PLUGINS": "my_plugin"}``, plugin settings...), its database
  upgraded (`unionadmin db upgrade`) and the ``admin`` account created (password
  `ADMIN_PASSWORD`);
* ``db_url``: that database: embedded SQLite in a temporary folder, or, with
  ``UNIONADMIN_TEST_DB=postgres`` and ``TEST_DATABASE_URL`` set, a fresh PostgreSQL database
  named after it (``UNIONADMIN_TEST_DB_NAME`` names it outright);
* ``client``: the app's test client; ``ctx`` and ``system``: a request context, acting as
  nobody or as the system (for calling services directly);
* ``tree``: a small province of its own for each test (codes are unique, tests never collide):
  P > U1 > G1 (> department D1), G2; U2 > G3, as `UnitRef` values;
* ``plugin_app(modules=None, *, own_database=False, **settings)``: another app with these plugin
  modules and settings, on the same database (``own_database=True``: on a database of its own,
  upgraded with those plugins' migrations, for a plugin with tables).

and helpers to import: `build_app`, `make_user`, `api_headers`, `web_login`, `csrf_token`,
`member_data`, `cccd`, `uid`, `UnitRef`, `schema_diff`, `ADMIN_PASSWORD`, `PASSWORD`.
docs/plugins.md shows them at work; the core's own suite (tests/conftest.py) uses them too.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy.engine import make_url

from unionadmin import create_app
from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.setup import ensure_admin, sync_roles, upgrade_database
from unionadmin.core.units import services as units

ADMIN_PASSWORD = "Admin-test-password-1"
PASSWORD = "Officer-test-password-1"

__all__ = ["ADMIN_PASSWORD", "PASSWORD", "UnitRef", "api_headers", "build_app", "cccd",
           "csrf_token", "make_user", "member_data", "postgres_url", "schema_diff", "uid",
           "web_login"]


# -- databases and apps -----------------------------------------------------------------------


def _server_dsn(url) -> str:
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def create_postgres_database(base_url: str, name: str) -> str:
    """A fresh, empty PostgreSQL database `name` on the server of `base_url`; its URL."""
    import psycopg  # here, not at the top: the `postgres` extra, needed on PostgreSQL only

    url = make_url(base_url)
    with psycopg.connect(_server_dsn(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url_text: str) -> None:
    import psycopg  # here, not at the top: the `postgres` extra, needed on PostgreSQL only

    url = make_url(url_text)
    with psycopg.connect(_server_dsn(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def postgres_url(worker: str) -> str | None:
    """A fresh PostgreSQL database for this test worker when UNIONADMIN_TEST_DB=postgres (named
    ``<TEST_DATABASE_URL's database>_<worker>``, or UNIONADMIN_TEST_DB_NAME), else None."""
    if os.environ.get("UNIONADMIN_TEST_DB") != "postgres":
        return None
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.exit("UNIONADMIN_TEST_DB=postgres needs TEST_DATABASE_URL", returncode=2)
    name = os.environ.get("UNIONADMIN_TEST_DB_NAME") or f"{make_url(base).database}_{worker}"
    return create_postgres_database(base, name)


def build_app(db_url: str, instance_path, **config: Any):
    """An app built by the real factory on `db_url`, for tests: TESTING on, rate limits off, the
    admin's password `ADMIN_PASSWORD`, the instance folder `instance_path`; `config` on top."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": db_url,
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "UNIONADMIN_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "RATELIMIT_ENABLED": False,
    }
    settings.update(config)
    return create_app(settings)


def upgraded(application) -> Any:
    """Upgrade the app's database as `unionadmin db upgrade` does and create `admin`."""
    with application.app_context():
        upgrade_database(application)
        ensure_admin(application)
    return application


def _plugin_modules(app) -> list[str]:
    pm = app.extensions["unionadmin.plugins"]
    return [getattr(plugin, "__name__", "") for _name, plugin in pm.list_name_plugin()]


def _foreign_tables(app) -> set[str]:
    """Tables mapped by plugins this app does not load (their modules were imported by another
    app in the same process): not this app's schema."""
    loaded = [m for m in _plugin_modules(app) if m]
    foreign = set()
    for mapper in Model.registry.mappers:
        module = mapper.class_.__module__
        if module.startswith(("unionadmin.core.", "flask_appbuilder.")):
            continue
        if not any(module == m or module.startswith(m + ".") for m in loaded):
            foreign.update(t.name for t in mapper.tables)
    return foreign


def schema_diff(app) -> list:
    """What Alembic's autogenerate finds between the app's database and the models (the core's
    and those of the plugins the app loads, all on Flask-AppBuilder's ``Model.metadata``): empty
    when the migrations build exactly the models. Hand-made indexes (``ixm_*``) live only in
    migrations."""
    foreign = _foreign_tables(app)

    def include(obj, name, type_, reflected, compare_to) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return getattr(table, "name", name) not in foreign

    db = app.extensions["migrate"].db
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
        diff = compare_metadata(ctx, Model.metadata)
    return [d for d in diff if not (d[0] == "remove_index" and d[1].name.startswith("ixm_"))]


# -- people, units and logins -----------------------------------------------------------------


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
    """A valid new member of `unit` (anything with an ``id``), with `over` on top."""
    data = {"full_name": "Nguyễn Văn An", "date_of_birth": dt.date(1990, 5, 1),
            "gender": "male", "joined_on": dt.date(2015, 1, 1), "unit_id": unit.id}
    data.update(over)
    data.setdefault("citizen_id", cccd(data["date_of_birth"].year, data["gender"]))
    return data


def make_user(app, unit, role: str, username: str | None = None,
              password: str = PASSWORD) -> Any:
    """An account of `unit` with `role` (password `PASSWORD`); its id, username, unit_id, role."""
    username = username or f"u{uid().lower()}"
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username, "Cán bộ", "Thử", None, sm.find_role(role), password=password)
        assert user, f"could not create {username}"
        user.unit_id = unit.id if unit is not None else None
        sm.session.commit()
        return SimpleNamespace(id=user.id, username=username, unit_id=user.unit_id, role=role)


def api_headers(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API; the Authorization header of the token."""
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def csrf_token(html: str) -> str:
    """The CSRF token of a page's form."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def web_login(client, username: str, password: str = PASSWORD):
    """Log in through the login page (the client keeps the session cookie)."""
    page = client.get("/login/")
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_settings() -> dict[str, Any]:
    """Settings of the session's `app` (override it in your conftest.py)."""
    return {}


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return postgres_url(worker) or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"


@pytest.fixture(scope="session")
def app(db_url, app_settings, tmp_path_factory):
    return upgraded(build_app(db_url, tmp_path_factory.mktemp("instance"), **app_settings))


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
    with acting_as(SYSTEM):
        yield ctx


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tree(app) -> dict[str, Any]:
    """A small province of its own for each test: codes are unique, so tests never collide.
    Built in its own context, so the test's HTTP requests start clean.

    province P > upper U1 > grassroots G1 (> department D1), G2; upper U2 > grassroots G3
    """
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


@pytest.fixture
def plugin_app(app, db_url, app_settings, tmp_path) -> Iterator[Callable[..., Any]]:
    """`plugin_app(modules=None, *, own_database=False, **settings)`: a new app with these plugin
    modules (a comma-separated string or a list; ``UNIONADMIN_PLUGINS``) and settings on top of
    `app_settings`. Each call is a separate app: forms, API schemas, reports and card templates
    are built per app, so apps with different plugins never leak into each other.

    On the session's database (already migrated) its roles and permissions are synced, so the
    plugins' pages get their permissions. A plugin with tables needs ``own_database=True``: a
    database of its own, upgraded with the plugins' migrations as `unionadmin db upgrade` does
    (the shared database stays as the session's app knows it)."""
    built: list[Any] = []
    databases: list[str] = []

    def make(modules: str | list[str] | None = None, *, own_database: bool = False, **settings: Any):
        names = modules if isinstance(modules, str) or modules is None else ",".join(modules)
        options = {**app_settings, **settings}
        if names is not None:
            options["UNIONADMIN_PLUGINS"] = names
        url = db_url
        if own_database:
            if db_url.startswith("postgresql"):
                url = create_postgres_database(db_url, f"{make_url(db_url).database}_{uid().lower()}")
                databases.append(url)
            else:
                url = f"sqlite:///{tmp_path}/own{len(built)}.db"
        application = build_app(url, tmp_path / f"app{len(built)}", **options)
        if own_database:
            upgraded(application)
        else:
            with application.app_context():
                sync_roles(application)  # the plugins' views get their permissions
        built.append(application)
        return application

    yield make
    for application in built:
        with application.app_context():
            application.appbuilder.session.remove()
            application.extensions["migrate"].db.engine.dispose()
    for url in databases:
        drop_postgres_database(url)
