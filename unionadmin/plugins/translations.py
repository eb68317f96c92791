"""Plugins' own message catalogues.

A plugin ships ``translations/<locale>/LC_MESSAGES/messages.po`` (Babel's layout, domain
``messages``) inside its package, or names another directory in a module attribute
``TRANSLATIONS_DIR``. The app adds each loaded plugin's directory to flask-babel's
``BABEL_TRANSLATION_DIRECTORIES``, after Flask-AppBuilder's catalogue and before the core's, so
that a plugin translates its own messages and never changes the core's.

A catalogue is used as shipped when every ``.po`` has a ``.mo`` at least as new beside it;
otherwise the app compiles the ``.po`` files once into the instance folder
(``<instance>/plugin-translations/<plugin>/``) and reads them from there, so a plugin installed
from its sources, or edited, needs no compile step.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pluggy
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from unionadmin.plugins.manager import PluginError

ATTRIBUTE = "TRANSLATIONS_DIR"
DEFAULT_DIR = "translations"
CACHE_DIR = "plugin-translations"


def translations_dir(plugin: Any, name: str = "") -> Path | None:
    """The plugin's catalogue directory: ``TRANSLATIONS_DIR``, else ``translations/`` inside its
    package when there is one; None for a plugin without catalogues (a single module looks for
    none: the folder beside it belongs to something else)."""
    location = getattr(plugin, ATTRIBUTE, None)
    if location:
        path = Path(location).resolve()
        if not path.is_dir():
            raise PluginError(f"Plugin '{name or plugin}': {ATTRIBUTE} {path} is not a directory")
        return path
    module_file = getattr(plugin, "__file__", None)
    if not module_file or Path(module_file).name != "__init__.py":
        return None
    path = Path(module_file).resolve().parent / DEFAULT_DIR
    return path if path.is_dir() else None


def catalogues(directory: Path) -> list[Path]:
    """The ``<locale>/LC_MESSAGES/messages.po`` files of a catalogue directory."""
    return sorted(directory.glob("*/LC_MESSAGES/messages.po"))


def _compiled(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime


def _compile(po: Path, mo: Path) -> None:
    """Compile one catalogue; written to a temporary file then renamed, so that several server
    processes starting at once never read half a file."""
    locale = po.parent.parent.name
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    mo.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def usable_dir(directory: Path, name: str, instance_path: str) -> str:
    """A directory flask-babel can read: the plugin's own when its .mo files are up to date,
    else the instance folder's compiled copy (refreshed when a .po is newer)."""
    sources = catalogues(directory)
    if all(_compiled(po) for po in sources):
        return str(directory)
    cache = Path(instance_path) / CACHE_DIR / re.sub(r"[^\w.-]+", "_", name)
    for po in sources:
        mo = cache / po.relative_to(directory).with_suffix(".mo")
        if not (mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime):
            _compile(po, mo)
    return str(cache)


def plugin_dirs(pm: pluggy.PluginManager, instance_path: str) -> list[str]:
    """The loaded plugins' catalogue directories, ready for flask-babel, in load order."""
    dirs = []
    for name, plugin in pm.list_name_plugin():
        directory = translations_dir(plugin, name)
        if directory is not None:
            dirs.append(usable_dir(directory, name, instance_path))
    return dirs


def with_plugins(setting: str, dirs: list[str]) -> str:
    """BABEL_TRANSLATION_DIRECTORIES with the plugins' directories before the last one (the
    core's catalogue, which flask-babel merges last so that it wins)."""
    parts = [p for p in setting.split(";") if p]
    if not dirs:
        return setting
    return ";".join([*parts[:-1], *dirs, *parts[-1:]])
