"""The app factory: many apps per process, persistent secret key, settings, plugins."""

import pytest

from tests.helpers import build_app
from unionadmin.plugins.manager import PluginError, make_manager


def test_many_apps_in_one_process(db_url, tmp_path, app):
    other = build_app(db_url, tmp_path)
    assert other.appbuilder is not app.appbuilder
    assert other.test_client().get("/login/").status_code == 200
    assert app.test_client().get("/login/").status_code == 200


def test_secret_key_generated_once_and_kept(tmp_path, db_url):
    first = build_app(db_url, tmp_path)
    second = build_app(db_url, tmp_path)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text().strip() == first.config["SECRET_KEY"]


def test_settings_from_environment(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("UNIONADMIN_LOCKOUT_FAILURES", "7")
    monkeypatch.setenv("UNIONADMIN_FOUR_EYES", "true")
    app = build_app(db_url, tmp_path)
    assert app.config["UNIONADMIN_LOCKOUT_FAILURES"] == 7
    assert app.config["UNIONADMIN_FOUR_EYES"] is True
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    from unionadmin.config import database_uri

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_uri({}, str(tmp_path)) == f"sqlite:///{tmp_path}/unionadmin.db"
    assert database_uri({"DATABASE_URL": "postgresql://u@h/db"}, "x") == \
        "postgresql+psycopg://u@h/db"


def test_broken_plugin_stops_start_up_with_its_name():
    with pytest.raises(PluginError, match="no_such_plugin_module"):
        make_manager("no_such_plugin_module")


def test_plugin_hooks_called_by_services(db_url, tmp_path, tree):
    import sys
    import types

    from unionadmin import hookimpl

    plugin = types.ModuleType("ua_test_plugin")
    seen = []

    @hookimpl
    def validate_member(member, errors):
        if member["full_name"].startswith("Cấm"):
            errors.add("full_name", "Tên bị plugin từ chối.")

    @hookimpl
    def member_event(event):
        seen.append(event.kind)

    plugin.validate_member = validate_member
    plugin.member_event = member_event
    sys.modules["ua_test_plugin"] = plugin
    unit_id = tree["G1"].id
    try:
        app = build_app(db_url, tmp_path, UNIONADMIN_PLUGINS="ua_test_plugin")
        from types import SimpleNamespace

        from tests.helpers import member_data
        from unionadmin.core.actor import SYSTEM, acting_as
        from unionadmin.core.errors import ValidationError
        from unionadmin.core.members import services

        with app.test_request_context(), acting_as(SYSTEM):
            with pytest.raises(ValidationError) as err:
                services.create(member_data(SimpleNamespace(id=unit_id), full_name="Cấm Văn Tên"))
            assert err.value.errors["full_name"] == ["Tên bị plugin từ chối."]
            services.create(member_data(SimpleNamespace(id=unit_id), full_name="Được Văn Tên"))
        assert seen == ["created"]
    finally:
        del sys.modules["ua_test_plugin"]
