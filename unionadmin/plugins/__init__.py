"""Plugin support: hook specifications, the plugin manager, and what plugins call.

``config(plugin, key, default)`` reads a plugin's setting (``UNIONADMIN_<PLUGIN>_<KEY>``, from
the app's settings, the environment or the instance folder's plugins.toml: settings.py).
"""

from unionadmin.plugins.settings import config

__all__ = ["config"]
