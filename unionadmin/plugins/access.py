"""Who may open a plugin's pages and APIs, and where.

A plugin adds views and APIs in its ``register_views(appbuilder)`` hook. Each gets FAB
permissions (``@has_access`` / ``@protect()``); by default only Admins hold them. A view or API
class says who else does with a class attribute:

* ``roles``: the roles that get every permission of the view (a list such as
  ``["Unit Admin", "Approver"]``), or per permission (a mapping such as
  ``{"can_list": ["Viewer", "Officer"], "can_post": ["Unit Admin"]}``). Its menu item goes to
  the same roles. Only the roles below Admin may be named (``Unit Admin``, ``Approver``,
  ``Officer``, ``Viewer``; Admins hold every permission already). `unionadmin db upgrade`
  grants them with the core's (`core/roles.py`), so they survive every upgrade.
* ``applies_to``: a function ``(unit) -> bool``, as for reports and card templates
  (plugins/applies.py): the page, its API and its menu item exist only for accounts it is offered
  to; anyone else gets 404, as for a page that does not exist.

A view or API opened to any role but Admin that reads rows through a FAB data interface
(``datamodel``) must use the core's ``ScopedInterface``, so that lists, shows and actions see
only the account's subtree (core/scope.py); start-up stops otherwise. Plugin views may not take a
core view's permission name (``class_permission_name``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pluggy
from flask import Flask, abort, request
from flask_appbuilder import AppBuilder
from flask_jwt_extended import get_current_user, verify_jwt_in_request

from unionadmin.core.actor import Actor, actor_for_user, current_actor
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.roles import GRANTABLE, ROLE_ADMIN
from unionadmin.plugins import applies
from unionadmin.plugins.manager import PluginError

ROLES = "roles"
APPLIES_TO = "applies_to"
MENU_ACCESS = "menu_access"
_GRANTS = "unionadmin.plugin_grants"
_VIEWS = "unionadmin.plugin_views"

#: role -> the exact (view menu, permission) pairs the loaded plugins grant it.
Grants = dict[str, set[tuple[str, str]]]


def _permission(name: str) -> str:
    return name if name.startswith("can_") else f"can_{name}"


def declared_roles(view: Any, plugin: str) -> dict[str, tuple[str, ...]]:
    """permission -> roles, from the view's ``roles`` attribute (checked)."""
    declared = getattr(view, ROLES, None)
    name = type(view).__name__
    if not declared:
        return {}
    permissions = list(view.base_permissions or [])
    if isinstance(declared, Mapping):
        per_permission = {_permission(str(p)): roles for p, roles in declared.items()}
        unknown = sorted(set(per_permission) - set(permissions))
        if unknown:
            raise PluginError(f"Plugin '{plugin}': {name}.roles names permissions the view does not "
                              f"have: {', '.join(unknown)} (it has {', '.join(sorted(permissions))})")
    elif isinstance(declared, str):
        raise PluginError(f"Plugin '{plugin}': {name}.roles must be a list of role names, "
                          f"not the string {declared!r}")
    else:
        per_permission = dict.fromkeys(permissions, declared)
    result = {}
    for permission, roles in per_permission.items():
        if isinstance(roles, str):
            roles = [roles]
        roles = tuple(str(r) for r in roles)
        bad = [r for r in roles if r not in (*GRANTABLE, ROLE_ADMIN)]
        if bad:
            raise PluginError(f"Plugin '{plugin}': {name}.roles names unknown roles {bad} "
                              f"(choose among {', '.join(GRANTABLE)})")
        result[permission] = tuple(r for r in roles if r != ROLE_ADMIN)
    return result


def _check_scope(view: Any, plugin: str, roles: dict[str, tuple[str, ...]]) -> None:
    datamodel = getattr(view, "datamodel", None)
    if datamodel is not None and any(roles.values()) and not isinstance(datamodel, ScopedInterface):
        raise PluginError(
            f"Plugin '{plugin}': {type(view).__name__} is opened to {sorted(set().union(*roles.values()))} "
            "but reads through an unscoped data interface: use "
            "unionadmin.core.interface.ScopedInterface (docs/plugins.md#pages-and-apis)")


def _walk(items: list, parent: Any = None) -> Iterable[tuple[Any, Any]]:
    for item in items:
        yield item, parent
        yield from _walk(item.childs, item)


def _request_actor() -> Actor:
    """The request's account, before the view's own permission check: FAB sets the user of an
    API token only when the view reads it, so an API call reads it here."""
    actor = current_actor()
    if actor.user_id is None and request.path.startswith("/api/"):
        verify_jwt_in_request(optional=True)
        actor = actor_for_user(get_current_user())
    return actor


def _offered_guard(rule: Callable) -> Callable[[], None]:
    """Before any of the view's endpoints: 404 for a logged-in account it is not offered to
    (an anonymous request goes on to the permission check, which asks it to log in)."""

    def guard() -> None:
        actor = _request_actor()
        if actor.user_id is not None and not applies.offered(rule, actor):
            abort(404)

    return guard


def _menu_cond(rule: Callable, previous: Callable | None) -> Callable[[], bool]:
    def cond() -> bool:
        return applies.offered(rule) and (previous is None or bool(previous()))

    return cond


def _any_child(item: Any, previous: Callable | None) -> Callable[[], bool]:
    def cond() -> bool:
        return (previous is None or bool(previous())) and any(c.should_render() for c in item.childs)

    return cond


def register_views(app: Flask, appbuilder: AppBuilder, pm: pluggy.PluginManager) -> None:
    """Call every plugin's ``register_views`` (in pluggy's order), then check the views each
    added and record the grants their ``roles`` ask for (used by `grants`)."""
    core_names = {v.class_permission_name for v in appbuilder.baseviews}
    core_menu = set(appbuilder.menu.get_flat_name_list()) if appbuilder.menu else set()
    grants: Grants = {}
    plugin_views: dict[int, tuple[str, Any, dict[str, tuple[str, ...]]]] = {}
    for impl in reversed(pm.hook.register_views.get_hookimpls()):
        before = len(appbuilder.baseviews)
        try:
            impl.function(*[{"appbuilder": appbuilder}[arg] for arg in impl.argnames])
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"Plugin '{impl.plugin_name}' failed in register_views: {exc}") from exc
        for view in appbuilder.baseviews[before:]:
            roles = declared_roles(view, impl.plugin_name)
            if roles and view.class_permission_name in core_names:
                raise PluginError(f"Plugin '{impl.plugin_name}': {type(view).__name__} uses the core "
                                  f"permission name {view.class_permission_name!r}")
            _check_scope(view, impl.plugin_name, roles)
            for permission, names in roles.items():
                for role in names:
                    grants.setdefault(role, set()).add((view.class_permission_name, permission))
            rule = getattr(view, APPLIES_TO, None)
            if rule is not None:
                if not callable(rule):
                    raise PluginError(f"Plugin '{impl.plugin_name}': {type(view).__name__}.applies_to "
                                      "must be a function of a unit")
                app.before_request_funcs.setdefault(view.blueprint.name, []).append(_offered_guard(rule))
            plugin_views[id(view)] = (impl.plugin_name, view, roles)
    if appbuilder.menu is not None:
        for item, parent in list(_walk(appbuilder.menu.menu)):
            found = plugin_views.get(id(item.baseview)) if item.baseview is not None else None
            if found is None:
                continue
            _plugin, view, roles = found
            names = set().union(*roles.values()) if roles else set()
            for role in names:
                grants.setdefault(role, set()).add((item.name, MENU_ACCESS))
            rule = getattr(view, APPLIES_TO, None)
            if rule is not None:
                item.cond = _menu_cond(rule, item.cond)
            if parent is not None and parent.name not in core_menu:  # the plugin's own category
                for role in names:
                    grants.setdefault(role, set()).add((parent.name, MENU_ACCESS))
                parent.cond = _any_child(parent, None)
    _honour_menu_conditions(app)
    app.extensions[_GRANTS] = grants
    app.extensions[_VIEWS] = [(plugin, view) for plugin, view, _roles in plugin_views.values()]


def _honour_menu_conditions(app: Flask) -> None:
    """FAB's navbar template asks only the menu permission (its ``is_menu_visible`` filter), not
    the item's condition (``menu_cond``, which only its menu API reads): ask both."""
    permitted = app.jinja_env.filters["is_menu_visible"]

    def is_menu_visible(item: Any) -> bool:
        return item.should_render() and permitted(item)

    app.jinja_env.filters["is_menu_visible"] = is_menu_visible


def grants(app: Flask) -> Grants:
    """The permissions the loaded plugins' views grant, per role (for the role sync)."""
    return app.extensions.get(_GRANTS, {})


def plugin_views(app: Flask) -> list[tuple[str, Any]]:
    """(plugin name, view) of every view or API the loaded plugins added."""
    return list(app.extensions.get(_VIEWS, []))


def known_view_menus(appbuilder: AppBuilder) -> set[str]:
    """The view and menu names this app registers: the role sync leaves permissions on any other
    (a plugin not loaded by this app, on a database others share) as they are."""
    names = {v.class_permission_name for v in appbuilder.baseviews}
    if appbuilder.menu is not None:
        names |= set(appbuilder.menu.get_flat_name_list())
    return names
