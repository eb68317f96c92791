"""Migrations: an empty database upgrades to the models exactly, with roles; idempotent. With plugins
enabled (UNIONADMIN_LOAD_ENTRY_POINTS=1), their migrations and models too."""

from sqlalchemy import inspect

from tests.helpers import build_app, schema_diff
from unionadmin.core.roles import ROLE_PERMISSIONS


def _diff(app):
    """Alembic's autogenerate against the models of the core and of the app's plugins (their
    tables belong on the same metadata: unionadmin.testing.schema_diff)."""
    return schema_diff(app)


def test_schema_matches_models(app):
    with app.app_context():
        assert _diff(app) == []


def test_tables_roles_and_permissions_created(app):
    with app.app_context():
        tables = set(inspect(app.extensions["migrate"].db.engine).get_table_names())
        assert {"unit", "member", "member_event", "membership_period", "unit_event",
                "audit_log", "ab_user", "ab_role", "alembic_version"} <= tables
        sm = app.appbuilder.sm
        for role in ["Admin", *ROLE_PERMISSIONS]:
            assert sm.find_role(role) is not None, role
        officer = sm.find_role("Officer")
        names = {(p.view_menu.name, p.permission.name) for p in officer.permissions}
        assert ("MemberApi", "can_post") in names and ("UnitApi", "can_post") not in names


def test_upgrade_is_idempotent(app):
    from unionadmin.core.setup import upgrade_database

    with app.app_context():
        before = {r.name: len(r.permissions) for r in app.appbuilder.sm.get_all_roles()}
        upgrade_database(app)
        after = {r.name: len(r.permissions) for r in app.appbuilder.sm.get_all_roles()}
        assert before == after


def test_fresh_sqlite_database_upgrades(tmp_path):
    from unionadmin.core.setup import upgrade_database

    fresh = build_app(f"sqlite:///{tmp_path}/fresh.db", tmp_path)
    with fresh.app_context():
        upgrade_database(fresh)
        assert _diff(fresh) == []
