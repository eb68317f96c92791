"""Test fixtures: one migrated database per test worker (SQLite, or PostgreSQL when
UNIONADMIN_TEST_DB=postgres and TEST_DATABASE_URL is set), apps built by the real factory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import UnitRef, build_app, postgres_url, uid

# No plugins installed where the suite runs (entry points) change its results; set it to 1 to
# run the suite with them. Through the environment, so that every app a test builds sees it.
os.environ.setdefault("UNIONADMIN_LOAD_ENTRY_POINTS", "false")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return postgres_url(worker) or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"

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
