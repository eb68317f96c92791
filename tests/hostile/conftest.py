"""Apps configured as `make run` configures them: the built-in defaults and the environment,
no test-only settings (rate limits on, TESTING off). Hostile-input tests run against these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import ADMIN_PASSWORD


@pytest.fixture
def make_prod_app(app, db_url, tmp_path) -> Callable[..., Any]:
    """Build a fresh app on the suite's migrated database with production settings only: each
    call has its own rate-limit memory. `overrides` are for what a deployment would set in its
    environment (never RATELIMIT_ENABLED or TESTING)."""
    from unionadmin import create_app

    def build(**overrides: Any):
        forbidden = {"RATELIMIT_ENABLED", "TESTING", "WTF_CSRF_ENABLED"} & overrides.keys()
        assert not forbidden, f"hostile tests run with the production settings: {forbidden}"
        config = {"SQLALCHEMY_DATABASE_URI": db_url, "INSTANCE_PATH": str(tmp_path),
                  "UNIONADMIN_ADMIN_PASSWORD": ADMIN_PASSWORD, **overrides}
        return create_app(config)

    return build


@pytest.fixture
def prod_app(make_prod_app):
    return make_prod_app()


@pytest.fixture
def prod_client(prod_app):
    return prod_app.test_client()
