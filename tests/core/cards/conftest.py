"""Fixtures of the card tests."""

from __future__ import annotations

import pytest

from unionadmin.plugins.hookspecs import hookimpl


class _Plugin:
    def __init__(self, items):
        self.items = items

    @hookimpl
    def register_card_templates(self):
        return self.items


@pytest.fixture
def plugin_templates(app):
    """Register a plugin's templates for one test (the registry is rebuilt around it)."""
    pm = app.extensions["unionadmin.plugins"]
    registered = []

    def add(items):
        plugin = _Plugin(items)
        pm.register(plugin, name=f"cards-test-{len(registered)}")
        registered.append(plugin)
        app.extensions.pop("unionadmin.card_templates", None)

    yield add
    for plugin in registered:
        pm.unregister(plugin)
    app.extensions.pop("unionadmin.card_templates", None)
