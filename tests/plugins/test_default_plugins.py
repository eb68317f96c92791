"""The core's reports and card template are default plugins (issue #19 point 6): registered on
every app's plugin manager at start-up and collected through the same hooks as a province's
(plugins/defaults.py), the core's first, so no plugin replaces them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.helpers import ADMIN_PASSWORD, api_headers
from unionadmin import hookimpl
from unionadmin.core.cards import templates
from unionadmin.core.reports import registry
from unionadmin.core.reports.base import Report
from unionadmin.plugins import defaults

CORE_REPORTS = ["progress", "changes", "units", "cards", "members"]
REPORTS = "unionadmin.core.reports.default_plugin"
CARDS = "unionadmin.core.cards.default_plugin"


def _run(params):
    return {"columns": [("unit", "Unit")], "rows": [{"unit": params.unit.name}]}


class _Province:
    """A province's plugin: a report as a mapping, one as a Report (which says no plugin), and a
    report and a template named like the core's."""

    @hookimpl
    def register_reports(self):
        return [{"name": "province_mapping", "label": "Mapping", "run": _run},
                Report(name="province_object", title="Object", run=_run),
                {"name": "progress", "label": "Not the core's", "run": _run}]

    @hookimpl
    def register_card_templates(self):
        return [{"name": "default", "label": "Not the core's", "html": "<p>x</p>", "css": "",
                 "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 1}}]


def _rebuild(app) -> None:
    app.extensions.pop("unionadmin.reports", None)
    app.extensions.pop("unionadmin.card_templates", None)


@contextmanager
def registered(app, plugin, name: str) -> Iterator[None]:
    pm = app.extensions["unionadmin.plugins"]
    pm.register(plugin, name=name)
    _rebuild(app)
    try:
        yield
    finally:
        pm.unregister(plugin)
        _rebuild(app)


def test_the_core_plugins_are_registered_on_every_app(app):
    pm = app.extensions["unionadmin.plugins"]
    assert [pm.get_plugin(name).__name__ for name in defaults.DEFAULT_PLUGINS] == [REPORTS, CARDS]
    hooks = {name: sorted(h.name for h in pm.get_hookcallers(pm.get_plugin(name)))
             for name in defaults.DEFAULT_PLUGINS}
    assert hooks == {REPORTS: ["register_reports"], CARDS: ["register_card_templates"]}
    before = len(pm.get_plugins())
    defaults.register(pm)  # once only
    assert len(pm.get_plugins()) == before


def test_the_core_reports_and_template_come_through_the_hooks(plugin_app):
    """Without its default plugins the core offers nothing: the registries have no other source.
    (On an app without installed plugins: the suite may run with them on.)"""
    app = plugin_app("", UNIONADMIN_LOAD_ENTRY_POINTS=False)
    pm = app.extensions["unionadmin.plugins"]
    with app.test_request_context():
        assert list(registry.all_reports())[:5] == CORE_REPORTS
        assert templates.registry()["default"].source == "core"
    plugins = {name: pm.unregister(name=name) for name in defaults.DEFAULT_PLUGINS}
    _rebuild(app)
    try:
        with app.test_request_context():
            assert registry.all_reports() == {} and templates.registry() == {}
    finally:
        for name, plugin in plugins.items():
            pm.register(plugin, name=name)
        _rebuild(app)
    with app.test_request_context():
        assert list(registry.all_reports())[:5] == CORE_REPORTS


def test_a_plugin_neither_replaces_the_core_nor_hides_its_name(app, client):
    with registered(app, _Province(), "province-plugin"):
        with app.test_request_context():
            reports = registry.all_reports()
            assert reports["progress"].plugin is None and reports["progress"].title != "Not the core's"
            assert templates.registry()["default"].source == "core"
            assert "Not the core's" not in str(templates.registry()["default"].label)
            assert "default (province-plugin)" in templates.broken_templates()
        listed = client.get("/api/v1/report/", headers=api_headers(client, "admin", ADMIN_PASSWORD))
        plugins = {r["name"]: r["plugin"] for r in listed.json["result"]}
    assert {name: plugins[name] for name in CORE_REPORTS} == dict.fromkeys(CORE_REPORTS)
    assert plugins["province_mapping"] == plugins["province_object"] == "province-plugin"


def test_the_plugins_command_lists_the_core_plugins_on_demand(plugin_app):
    from unionadmin.cli import plugins

    runner = plugin_app("", UNIONADMIN_LOAD_ENTRY_POINTS=False).test_cli_runner()
    assert runner.invoke(plugins).output == "No plugins loaded.\n"
    listed = runner.invoke(plugins, ["--all"]).output
    assert f"{REPORTS} " in listed and "register_reports" in listed and f"{CARDS} " in listed
