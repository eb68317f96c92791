"""Installed plugins (entry-point group `unionadmin.plugins`) load at start-up; the setting
UNIONADMIN_LOAD_ENTRY_POINTS turns that off, as the test suite does by default (conftest.py; set it
to 1 to run the whole suite with the installed plugins, the sample plugin among them)."""

from __future__ import annotations

from importlib.metadata import entry_points

from tests.helpers import build_app
from unionadmin.config import from_environment
from unionadmin.plugins.manager import ENTRY_POINT_GROUP, plugin_info


def _install_plugin(tmp_path, monkeypatch) -> None:
    """A distribution declaring the entry point, found on sys.path as an installed one is."""
    site = tmp_path / "site"
    dist = site / "ua_ep_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ua-ep-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[unionadmin.plugins]\nua_ep = ua_ep_plugin_mod\n")
    (site / "ua_ep_plugin_mod.py").write_text('"""A plugin with no hooks."""\n')
    monkeypatch.syspath_prepend(str(site))


def test_installed_plugins_load_unless_turned_off(db_url, tmp_path, monkeypatch):
    _install_plugin(tmp_path, monkeypatch)
    on = build_app(db_url, tmp_path / "on", UNIONADMIN_LOAD_ENTRY_POINTS=True)
    assert on.extensions["unionadmin.plugins"].get_plugin("ua_ep") is not None
    off = build_app(db_url, tmp_path / "off", UNIONADMIN_LOAD_ENTRY_POINTS=False)
    assert off.extensions["unionadmin.plugins"].get_plugin("ua_ep") is None
    suite_default = build_app(db_url, tmp_path / "default")
    loaded = suite_default.extensions["unionadmin.plugins"].get_plugin("ua_ep") is not None
    assert loaded == from_environment()["UNIONADMIN_LOAD_ENTRY_POINTS"]  # off unless asked


def test_the_sample_plugin_is_installed_and_found_by_its_entry_point(db_url, tmp_path):
    """`make test` installs tests/plugins/ua-sample-plugin (pip install -e): a distribution with
    its own pyproject.toml, outside the package, as a province's plugin is."""
    names = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert names.get("ua_sample_plugin") == "ua_sample_plugin", \
        "install it: .venv/bin/python -m pip install -c constraints.txt -e tests/plugins/ua-sample-plugin"
    app = build_app(db_url, tmp_path, UNIONADMIN_LOAD_ENTRY_POINTS=True)
    info = {row["name"]: row for row in plugin_info(app.extensions["unionadmin.plugins"])}
    assert info["ua_sample_plugin"]["version"] == "0.2"  # its distribution's
    assert "register_views" in info["ua_sample_plugin"]["hooks"]
