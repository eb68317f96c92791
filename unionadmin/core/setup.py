"""Installing and upgrading: migrations, roles and permissions, the bootstrap admin, demo data."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from flask import Flask
from flask_migrate import upgrade as alembic_upgrade
from sqlalchemy import func, select

from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.db import session
from unionadmin.core.demo import seed_demo
from unionadmin.core.roles import sync_role_permissions
from unionadmin.core.units.models import Unit
from unionadmin.plugins import access as plugin_access
from unionadmin.plugins.migrations import upgrade_target

ADMIN_USERNAME = "admin"


def sync_roles(app: Flask) -> None:
    """Create FAB's built-in roles and UnionAdmin's, and every view's permissions (idempotent)."""
    appbuilder = app.appbuilder
    sm = appbuilder.sm
    create_db = app.config.get("FAB_CREATE_DB")
    app.config["FAB_CREATE_DB"] = True  # tables exist: this only inserts the roles
    try:
        sm.create_db()
    finally:
        app.config["FAB_CREATE_DB"] = create_db
    appbuilder.add_permissions(update_perms=True)
    # The core's rules, plus what the loaded plugins' views grant (their `roles`).
    sync_role_permissions(sm, plugin_access.grants(app), plugin_access.known_view_menus(appbuilder))


def upgrade_database(app: Flask, revision: str = "head", directory: str | None = None) -> None:
    alembic_upgrade(directory=directory,
                    revision=upgrade_target(app.extensions["unionadmin.plugins"], revision))
    sync_roles(app)


def ensure_admin(app: Flask) -> str | None:
    """Create the bootstrap `admin` account once; returns a generated password to print."""
    sm = app.appbuilder.sm
    if sm.find_user(username=ADMIN_USERNAME) is not None:
        return None
    given = app.config.get("UNIONADMIN_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(12)
    user = sm.add_user(ADMIN_USERNAME, "Quản trị", "hệ thống", None,
                       sm.find_role(app.config["AUTH_ROLE_ADMIN"]), password=password)
    if not user:
        raise RuntimeError("Could not create the admin account.")
    return None if given else password


def bootstrap(app: Flask) -> Iterator[str]:
    """Upgrade, create `admin`, seed the demo province when the database has no units."""
    upgrade_database(app)
    yield "Database upgraded."
    generated = ensure_admin(app)
    if generated:
        yield f"Created account 'admin' with password: {generated}  (shown once)"
    with acting_as(SYSTEM):
        empty = not session().scalar(select(func.count()).select_from(Unit))
        if empty:
            summary = seed_demo()
            yield (f"Seeded demo data: {summary['units']} units, {summary['members']} members, "
                   f"{summary['accounts']} accounts (password of demo accounts: "
                   f"{summary['password']}).")
