"""The plugin manager: loads plugins once per app and stops start-up on a broken one."""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import current_app

from unionadmin.plugins import hookspecs

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "unionadmin.plugins"


class PluginError(RuntimeError):
    """A plugin could not be loaded; start-up stops with its name."""


def _split(setting: str | list[str] | None) -> list[str]:
    if not setting:
        return []
    if isinstance(setting, str):
        setting = setting.split(",")
    return [name.strip() for name in setting if name and name.strip()]


def make_manager(module_names: str | list[str] | None, load_entry_points: bool = True
                 ) -> pluggy.PluginManager:
    """A fresh manager with the named modules registered, and the installed plugins (entry-point
    group `unionadmin.plugins`) unless `load_entry_points` is off (the setting
    UNIONADMIN_LOAD_ENTRY_POINTS: the test suite turns it off so that the plugins installed where
    it runs cannot change its results)."""
    pm = pluggy.PluginManager("unionadmin")
    pm.add_hookspecs(hookspecs)
    if load_entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(f"Plugin '{ep.name}' failed to load: {exc}") from exc
            _register(pm, plugin, ep.name)
    for name in _split(module_names):
        try:
            plugin = importlib.import_module(name)
        except Exception as exc:
            raise PluginError(f"Plugin '{name}' failed to import: {exc}") from exc
        _register(pm, plugin, name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"Plugin '{exc.plugin_name}' breaks the hook contract: {exc}") from exc
    return pm


def _register(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    if pm.is_registered(plugin) or pm.get_plugin(name) is not None:
        return
    try:
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginError(f"Plugin '{name}' breaks the hook contract: {exc}") from exc


def plugin_info(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name, version and hooks of each loaded plugin (for `unionadmin plugins`)."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        dist = dists.get(id(plugin))
        version = dist.version if dist else getattr(plugin, "__version__", "")
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        rows.append({"name": name, "version": version or "", "hooks": hooks})
    return rows


def get_pm():
    """The current app's plugin manager."""
    return current_app.extensions["unionadmin.plugins"]
