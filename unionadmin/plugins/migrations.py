"""Plugins' own Alembic migrations: each plugin that needs tables names a directory of revision
files in a module attribute ``MIGRATIONS_DIR``; `unionadmin db upgrade` applies them after the
core's, as separate branches of the same history (one ``alembic_version`` table).

A plugin's first revision has ``down_revision = None``, ``branch_labels = ("<plugin>",)`` and
``depends_on`` the core revision whose tables it needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pluggy

from unionadmin.plugins.manager import PluginError

ATTRIBUTE = "MIGRATIONS_DIR"


def migration_dirs(pm: pluggy.PluginManager) -> list[str]:
    """The migration directories of the loaded plugins, in load order."""
    dirs = []
    for name, plugin in pm.list_name_plugin():
        location = getattr(plugin, ATTRIBUTE, None)
        if location:
            path = Path(location).resolve()
            if not path.is_dir():
                raise PluginError(f"Plugin '{name}': {ATTRIBUTE} {path} is not a directory")
            dirs.append(str(path))
    return dirs


def configure(migrate: Any, pm: pluggy.PluginManager) -> None:
    """Add the plugins' directories to Alembic's version locations for this app's Migrate."""
    dirs = migration_dirs(pm)
    if not dirs:
        return

    @migrate.configure
    def _add_locations(config):
        core = os.path.join(config.get_main_option("script_location"), "versions")
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join([core, *dirs]))
        return config


def upgrade_target(pm: pluggy.PluginManager, revision: str) -> str:
    """With plugin branches, "head" means every branch's head."""
    return "heads" if revision == "head" and migration_dirs(pm) else revision
