"""Fixtures for testing plugins (documented in docs/plugins.md).

`plugin_app(modules, **settings)` builds an app, on the test database, with the given plugin
modules loaded (a comma-separated string or a list) and extra settings; each call is a new app,
so tests with different plugins never share forms, schemas, reports or templates.

Import it in a test module: ``from tests.plugin_fixtures import plugin_app  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def plugin_app(app, db_url, tmp_path) -> Callable[..., Any]:
    from tests.helpers import build_app
    from unionadmin.core.setup import sync_roles

    built = []

    def make(modules: str | list[str], **settings: Any):
        names = modules if isinstance(modules, str) else ",".join(modules)
        application = build_app(db_url, tmp_path / f"app{len(built)}", UNIONADMIN_PLUGINS=names,
                                **settings)
        with application.app_context():
            sync_roles(application)  # the plugin's views get their permissions
        built.append(application)
        return application

    yield make
    for application in built:
        with application.app_context():
            application.appbuilder.session.remove()
