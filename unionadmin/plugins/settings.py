"""A plugin's settings: one name per setting, given the way the server is run.

A plugin reads its settings with ``unionadmin.plugins.config(plugin, key, default)``. The setting
``key`` of the plugin ``plugin`` is named ``UNIONADMIN_<PLUGIN>_<KEY>`` (upper case, ``-`` and
``.`` as ``_``: ``config("dongnai", "province_code")`` is ``UNIONADMIN_DONGNAI_PROVINCE_CODE``)
and is looked up, first found wins, in:

1. the app's settings (``create_app({"UNIONADMIN_DONGNAI_PROVINCE_CODE": "DNA"})``: tests and
   code that embeds the app);
2. the environment (``UNIONADMIN_DONGNAI_PROVINCE_CODE=DNA make run``, gunicorn's environment,
   a systemd unit's ``Environment=``);
3. the instance folder's ``plugins.toml`` (a table per plugin: ``[dongnai]`` then
   ``province_code = "DNA"``), read once per app;
4. the default given by the plugin.

Values from the environment are text, converted to the type of the default (``int``,
``float``, ``bool``: ``1/true/yes/on`` or ``0/false/no/off``; a list or tuple: comma-separated);
a value that cannot be converted stops with a `PluginConfigError` naming the setting.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from flask import current_app

from unionadmin.plugins.manager import PluginError

FILE_NAME = "plugins.toml"
_EXTENSION_KEY = "unionadmin.plugins.settings_file"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class PluginConfigError(PluginError):
    """A plugin setting has a value of the wrong type, or plugins.toml cannot be read."""


def setting_name(plugin: str, key: str) -> str:
    """`UNIONADMIN_<PLUGIN>_<KEY>`: the one name of a plugin's setting."""
    return "UNIONADMIN_" + re.sub(r"[^A-Z0-9]+", "_", f"{plugin}_{key}".upper()).strip("_")


def _convert(name: str, value: Any, default: Any) -> Any:
    """Text from the environment to the default's type; typed values pass unchanged."""
    if not isinstance(value, str) or default is None or isinstance(default, str):
        return value
    try:
        if isinstance(default, bool):
            text = value.strip().lower()
            if text not in _TRUE | _FALSE:
                raise ValueError(value)
            return text in _TRUE
        if isinstance(default, int | float):
            return type(default)(value.strip())
        if isinstance(default, list | tuple):
            return type(default)(part.strip() for part in value.split(",") if part.strip())
    except ValueError:
        kind = type(default).__name__
        raise PluginConfigError(f"Setting {name}={value!r}: expected a value of type {kind}") from None
    return value


def instance_file(app=None) -> dict[str, Any]:
    """The instance folder's plugins.toml as a mapping (empty when there is none), read once."""
    app = app or current_app
    cached = app.extensions.get(_EXTENSION_KEY)
    if cached is None:
        path = Path(app.instance_path) / FILE_NAME
        try:
            with open(path, "rb") as fh:
                cached = tomllib.load(fh)
        except FileNotFoundError:
            cached = {}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PluginConfigError(f"{path}: {exc}") from exc
        app.extensions[_EXTENSION_KEY] = cached
    return cached


def _from_file(app, plugin: str, key: str) -> tuple[bool, Any]:
    table = instance_file(app)
    for name in (plugin, plugin.lower()):
        section = table.get(name)
        if isinstance(section, dict) and key in section:
            return True, section[key]
    return False, None


def config(plugin: str, key: str, default: Any = None) -> Any:
    """The value of the plugin's setting `key` (module docstring: where it is looked up)."""
    name = setting_name(plugin, key)
    app = current_app
    if name in app.config:
        return _convert(name, app.config[name], default)
    if name in os.environ:
        return _convert(name, os.environ[name], default)
    found, value = _from_file(app, plugin, key)
    if found:
        return _convert(name, value, default)
    return default
