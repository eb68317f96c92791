"""Default settings. Every key can be overridden from the environment or by `create_app(config)`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask_appbuilder.const import AUTH_DB

#: Keys read from the environment, with the type they are converted to.
ENV_SETTINGS: dict[str, type] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "PUBLIC_BASE_URL": str,
    "UNIONADMIN_LOGIN_RATE_LIMIT": str,
    "UNIONADMIN_LOCKOUT_FAILURES": int,
    "UNIONADMIN_LOCKOUT_MINUTES": int,
    "UNIONADMIN_IDLE_MINUTES": int,
    "UNIONADMIN_FOUR_EYES": bool,
    "UNIONADMIN_PLUGINS": str,
    "UNIONADMIN_LOAD_ENTRY_POINTS": bool,
    "UNIONADMIN_ADMIN_PASSWORD": str,
    "JWT_ACCESS_TOKEN_EXPIRES": int,
    "UNIONADMIN_VERIFY_RATE_LIMIT": str,
    "UNIONADMIN_IMPORT_MAX_MB": int,
    "UNIONADMIN_IMPORT_MAX_ROWS": int,
    "UNIONADMIN_JOBS": str,
    "UNIONADMIN_JOB_RETENTION_DAYS": int,
    "UNIONADMIN_PHOTO_MAX_BYTES": int,
    "UNIONADMIN_CARD_UNION_NAME": str,
    "UNIONADMIN_CARD_LOGO": str,
    "UNIONADMIN_CAMPAIGN_START": str,
    "UNIONADMIN_TARGET_DATE": str,
    "RATELIMIT_ENABLED": bool,
    "RATELIMIT_STORAGE_URI": str,
    "HOST": str,
    "PORT": int,
}

LANGUAGES = {
    "vi": {"flag": "vn", "name": "Tiếng Việt"},
    "en": {"flag": "gb", "name": "English"},
}


def defaults() -> dict[str, Any]:
    """The built-in defaults; safe for the embedded SQLite set-up."""
    return {
        "APP_NAME": "UnionAdmin",
        "APP_THEME": "",
        "HOST": "127.0.0.1",
        "PORT": 8080,
        "PUBLIC_BASE_URL": None,
        # Database
        "DATABASE_URL": None,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # Flask-AppBuilder
        "AUTH_TYPE": AUTH_DB,
        "AUTH_ROLE_ADMIN": "Admin",
        "AUTH_ROLE_PUBLIC": "Public",
        "FAB_SECURITY_MANAGER_CLASS": "unionadmin.core.security.UnionSecurityManager",
        "FAB_CREATE_DB": False,  # Alembic owns the schema (docs/architecture.md#database-and-migrations)
        "FAB_UPDATE_PERMS": False,  # `unionadmin db upgrade` syncs permissions
        "FAB_API_SWAGGER_UI": True,
        "FAB_API_MAX_PAGE_SIZE": 100,
        "FAB_ADD_SECURITY_API": False,
        "FAB_BASE_TEMPLATE": "unionadmin/base.html",
        "FAB_INDEX_VIEW": "unionadmin.core.home.HomeView",
        "JWT_ACCESS_TOKEN_EXPIRES": 3600,
        "WTF_CSRF_ENABLED": True,
        # Language and time
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": LANGUAGES,
        # Security
        "RATELIMIT_ENABLED": True,  # FAB turns it off unless told: login and /verify limits
        "UNIONADMIN_LOGIN_RATE_LIMIT": "30 per minute",
        "UNIONADMIN_LOCKOUT_FAILURES": 5,
        "UNIONADMIN_LOCKOUT_MINUTES": 15,
        "UNIONADMIN_IDLE_MINUTES": 15,
        "UNIONADMIN_FOUR_EYES": False,
        "UNIONADMIN_PLUGINS": "",
        "UNIONADMIN_LOAD_ENTRY_POINTS": True,  # the installed plugins (docs/plugins.md)
        "UNIONADMIN_ADMIN_PASSWORD": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # A moving window: 35 attempts straddling a minute boundary still meet the limit (a fixed
        # window lets up to twice the limit through there).
        "RATELIMIT_STRATEGY": "moving-window",
        # Lists: exact counts up to this many rows, a lower bound beyond
        "UNIONADMIN_COUNT_CAP": 10_000,
    }


def _convert(value: str, kind: type) -> Any:
    if kind is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return kind(value)


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings given in the environment, converted to their types."""
    environ = os.environ if environ is None else environ
    return {key: _convert(environ[key], kind) for key, kind in ENV_SETTINGS.items() if key in environ}


def database_uri(config: dict[str, Any], instance_path: str) -> str:
    """`DATABASE_URL`, or the embedded SQLite database in the instance folder."""
    url = config.get("SQLALCHEMY_DATABASE_URI") or config.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):  # Heroku-style URLs
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + str(Path(instance_path) / "unionadmin.db")


def persistent_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it once (never per process)."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
