"""Assembling the Flask app: settings, database, FAB, Babel, plugins, views and commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_migrate import Migrate

from unionadmin import config as settings
from unionadmin.cli import register_commands
from unionadmin.core import (
    fab_compat,
    http_security,
    input_guard,
    models,  # noqa: F401 - every table on the metadata
    web,
)
from unionadmin.core.db import make_db
from unionadmin.plugins import access as plugin_access
from unionadmin.plugins import defaults as plugin_defaults
from unionadmin.plugins import translations as plugin_translations
from unionadmin.plugins.manager import make_manager
from unionadmin.plugins.migrations import configure as configure_plugin_migrations

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _instance_path() -> str:
    return os.environ.get("UNIONADMIN_INSTANCE_PATH") or str(PROJECT_DIR / "instance")


def _configure(app: Flask, config: dict[str, Any] | None) -> None:
    app.config.update(settings.defaults())
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.database_uri(app.config, app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.persistent_secret_key(app.instance_path)
    translations = app.config.get("UNIONADMIN_TRANSLATIONS_DIR") or str(PROJECT_DIR / "translations")
    # Flask-AppBuilder's messages (it ships no Vietnamese) first, the app's last: flask-babel
    # merges the catalogues in this order, so the app's translation of a shared msgid wins.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", f"{translations}/fab;{translations}")
    if not app.config.get("PUBLIC_BASE_URL"):
        app.config["PUBLIC_BASE_URL"] = f"http://{app.config['HOST']}:{app.config['PORT']}"
    app.config.setdefault("AUTH_RATE_LIMITED", bool(app.config.get("UNIONADMIN_LOGIN_RATE_LIMIT")))
    app.config.setdefault("AUTH_RATE_LIMIT", app.config.get("UNIONADMIN_LOGIN_RATE_LIMIT"))
    # No request body much larger than the largest upload (an Excel file, refused with its own
    # message just past its limit): anything bigger is refused (413) before it is parsed.
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = (int(app.config.get("UNIONADMIN_IMPORT_MAX_MB") or 20)
                                            + 4) * 1024 * 1024
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def build_app(config: dict[str, Any] | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or _instance_path()
    app = Flask("unionadmin", instance_path=instance_path, instance_relative_config=True,
                template_folder=str(PACKAGE_DIR / "core" / "templates"),
                static_folder=str(PACKAGE_DIR / "core" / "static"),
                static_url_path="/static/ua")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure(app, config)

    http_security.configure(app)
    input_guard.register(app)
    pm = make_manager(app.config.get("UNIONADMIN_PLUGINS"), app.config["UNIONADMIN_LOAD_ENTRY_POINTS"])
    plugin_defaults.register(pm)  # the core's reports and card template, through the hooks
    app.extensions["unionadmin.plugins"] = pm
    # Each plugin's own catalogue, between FAB's and the core's (plugins/translations.py).
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = plugin_translations.with_plugins(
        app.config["BABEL_TRANSLATION_DIRECTORIES"], plugin_translations.plugin_dirs(pm, app.instance_path))

    # The framework patches before FAB builds its views.

    fab_compat.apply()
    db = make_db()
    appbuilder = AppBuilder()
    with app.app_context():
        db.init_app(app)
        migrate = Migrate(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True,
                          compare_type=True)

        configure_plugin_migrations(migrate, pm)
        appbuilder.init_app(app, db.session)

        web.register(app, appbuilder)
        # The plugins' pages and APIs: their roles, where they apply (plugins/access.py).
        plugin_access.register_views(app, appbuilder, pm)

    register_commands(app)
    return app
