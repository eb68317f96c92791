"""Installed plugins (entry-point group `unionadmin.plugins`) load at start-up; the setting
UNIONADMIN_LOAD_ENTRY_POINTS turns that off, as the test suite does by default (conftest.py)."""

from __future__ import annotations

from tests.helpers import build_app


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
    assert suite_default.extensions["unionadmin.plugins"].get_plugin("ua_ep") is None
