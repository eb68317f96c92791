"""The plugin's tests run on UnionAdmin's pytest plugin (unionadmin.testing): a real database
migrated with the core's and this plugin's migrations, the `app`, `client`, `tree` and
`plugin_app` fixtures and the helpers."""

from __future__ import annotations

from typing import Any

import pytest
from ua_sample_plugin.province import NAME

from unionadmin.plugins.settings import setting_name

pytest_plugins = ["unionadmin.testing"]

PROVINCE_SETTING = setting_name(NAME, "province_code")  # UNIONADMIN_UA_SAMPLE_PROVINCE_CODE


@pytest.fixture(scope="session")
def app_settings() -> dict[str, Any]:
    # The installed plugins, found by their entry points: this one (pip install -e .).
    return {"UNIONADMIN_LOAD_ENTRY_POINTS": True}


@pytest.fixture
def province(app, tree, monkeypatch) -> dict[str, Any]:
    """The test's tree is the plugin's province (its setting names the tree's province unit)."""
    monkeypatch.setitem(app.config, PROVINCE_SETTING, tree["P"].code)
    return tree
