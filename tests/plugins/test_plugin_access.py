"""Who may open a plugin's pages and APIs (plugins/access.py): `roles` on a view or API grants its
permissions (and menu item) to those roles, the role sync keeps them, and start-up stops on a
view that names an unknown role, takes a core permission name, or is opened to other roles than
Admin while reading through an unscoped data interface."""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import build_app, uid
from unionadmin.core.setup import sync_roles
from unionadmin.plugins.access import grants
from unionadmin.plugins.manager import PluginError

VIEW = '''
from flask_appbuilder import BaseView, expose, has_access
from unionadmin import hookimpl


class {cls}(BaseView):
    route_base = "/{route}"
    default_view = "index"
    {attributes}

    @expose("/")
    @has_access
    def index(self):
        return "ok"

    @expose("/other")
    @has_access
    def other(self):
        return "other"


@hookimpl
def register_views(appbuilder):
    appbuilder.add_view({cls}, "{cls} page", category="{category}")
'''


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """Write a plugin module with one view (its class attributes given) on sys.path."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(attributes: str = "", category: str = "Organisation", source: str | None = None):
        name = f"ua_access_{uid().lower()}"
        cls = f"View{uid()}"
        text = source or VIEW.format(cls=cls, route=name, attributes=attributes, category=category)
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
        return name, cls

    return write


def test_roles_grant_the_views_permissions_and_its_menu(db_url, tmp_path, plugin_module):
    name, cls = plugin_module('roles = ["Unit Admin", "Viewer"]', category=f"Cat{uid()}")
    app = build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=name)
    granted = grants(app)
    for role in ("Unit Admin", "Viewer"):
        assert {(cls, "can_index"), (cls, "can_other"), (f"{cls} page", "menu_access")} <= granted[role]
        # its own category too (a core category, such as Organisation, is the core's to grant)
        assert any(view.startswith("Cat") and perm == "menu_access" for view, perm in granted[role])
    assert "Officer" not in granted


def test_roles_per_permission(db_url, tmp_path, plugin_module):
    name, cls = plugin_module('roles = {"can_index": ["Officer"], "other": ["Approver", "Admin"]}')
    granted = grants(build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=name))
    assert (cls, "can_index") in granted["Officer"] and (cls, "can_other") not in granted["Officer"]
    assert (cls, "can_other") in granted["Approver"] and "Admin" not in granted  # Admins hold all


@pytest.mark.parametrize(("attributes", "message"), [
    ('roles = ["Chief"]', "unknown roles"),
    ('roles = "Viewer"', "list of role names"),
    ('roles = {"can_delete": ["Viewer"]}', "permissions the view does not have"),
    ('roles = ["Viewer"]\n    class_permission_name = "MemberApi"', "core permission name"),
    ('applies_to = "DNA"', "function of a unit"),
])
def test_a_bad_declaration_stops_start_up_naming_the_plugin(db_url, tmp_path, plugin_module,
                                                            attributes, message):
    name, _cls = plugin_module(attributes)
    with pytest.raises(PluginError, match=message) as err:
        build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=name)
    assert name in str(err.value)


UNSCOPED = '''
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from unionadmin import hookimpl
from unionadmin.core.units.models import Unit


class AllUnitsApi(ModelRestApi):
    resource_name = "all_units_{suffix}"
    datamodel = SQLAInterface(Unit)
    roles = ["Viewer"]


@hookimpl
def register_views(appbuilder):
    appbuilder.add_api(AllUnitsApi)
'''

FAILING = '''
from unionadmin import hookimpl


@hookimpl
def register_views(appbuilder):
    raise KeyError("missing_thing")
'''


def test_an_api_opened_to_other_roles_reads_in_scope(db_url, tmp_path, plugin_module):
    name, _cls = plugin_module(source=UNSCOPED.format(suffix=uid().lower()))
    with pytest.raises(PluginError, match="ScopedInterface"):
        build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=name)


def test_a_failing_register_views_names_its_plugin(db_url, tmp_path, plugin_module):
    name, _cls = plugin_module(source=FAILING)
    with pytest.raises(PluginError, match=f"'{name}' failed in register_views.*missing_thing"):
        build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=name)


def test_the_role_sync_keeps_grants_of_plugins_another_app_loads(app, db_url, tmp_path, plugin_module):
    """An app without the plugin (the suite's, a command run without it) leaves the grants on the
    plugin's views as they are; the app with it makes them exactly what `roles` says."""
    name, cls = plugin_module('roles = ["Viewer"]')
    papp = build_app(db_url, tmp_path, UNIONADMIN_PLUGINS=name)

    def held(application, role: str) -> set[tuple[str, str]]:
        with application.app_context():
            return {(p.view_menu.name, p.permission.name)
                    for p in application.appbuilder.sm.find_role(role).permissions}

    with papp.app_context():
        sync_roles(papp)
    assert (cls, "can_index") in held(papp, "Viewer")
    with app.app_context():
        sync_roles(app)  # knows nothing of the plugin
    assert (cls, "can_index") in held(app, "Viewer")
    assert (cls, "can_index") not in held(app, "Officer")
