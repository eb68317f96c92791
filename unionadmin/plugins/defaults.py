"""The core's own plugins: what the core offers through the hooks it gives plugins.

As Datasette registers its default plugins (its ``DEFAULT_PLUGINS``) on its plugin manager, the
core's reports and card template come through the same hooks as a province's: each is a module
implementing the hook (``register_reports`` in ``core/reports/default_plugin.py``,
``register_card_templates`` in ``core/cards/default_plugin.py``), registered on every app's plugin
manager at start-up (`register`). The registries then collect core and plugin items in one loop
(`hookimpls`: the core's first, so a plugin never replaces a core item); an item whose
`plugin_name` is a default plugin's is the core's (`is_core`: a report's ``"plugin": null``).
"""

from __future__ import annotations

import importlib
from typing import Any

import pluggy

#: The core's plugins, by module name (the name they are registered under), in hook order.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "unionadmin.core.reports.default_plugin",
    "unionadmin.core.cards.default_plugin",
)


def register(pm: pluggy.PluginManager) -> None:
    """Register the core's plugins on `pm` (once: a second call changes nothing)."""
    for name in DEFAULT_PLUGINS:
        if pm.get_plugin(name) is None:
            pm.register(importlib.import_module(name), name=name)


def is_core(plugin_name: str | None) -> bool:
    """Whether the hook implementation named `plugin_name` is the core's own."""
    return plugin_name in DEFAULT_PLUGINS


def hookimpls(pm: pluggy.PluginManager, hook: str) -> list[Any]:
    """The implementations of `hook` in the order registries collect them: the core's plugins
    first (in DEFAULT_PLUGINS order), then every other plugin in registration order."""
    impls = getattr(pm.hook, hook).get_hookimpls()
    core = sorted((i for i in impls if is_core(i.plugin_name)),
                  key=lambda i: DEFAULT_PLUGINS.index(i.plugin_name))
    return core + [i for i in impls if not is_core(i.plugin_name)]
