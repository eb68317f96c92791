"""A per-process cache of each account's roles and permissions, invalidated by a version stamp.

Flask-AppBuilder loads a user's roles, groups and permissions from the database on every
permission check (5 to 50 statements a request). Here each process keeps, per account, the role
names and the (permission, view) pairs it holds, valid while the database's security version is
the one they were read under. Any flush that touches roles, permissions, views or an account's
roles or groups bumps the version in the same transaction, so every process (and every app
server) sees the change on its next request: a request reads the stamp once (a primary-key look-up).
"""

from __future__ import annotations

from threading import Lock
from typing import Any, NamedTuple

from flask import g, has_app_context
from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, User, ViewMenu
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from unionadmin.core.models import VERSION_ROW, SecurityVersion


class CachedRole(NamedTuple):
    """What FAB's permission checks read of a role."""

    id: int
    name: str


class _Entry(NamedTuple):
    version: int
    roles: tuple[CachedRole, ...]
    permissions: frozenset[tuple[str, str]]


_cache: dict[Any, _Entry] = {}
_lock = Lock()
_PUBLIC = ("public",)


def clear() -> None:
    with _lock:
        _cache.clear()


def current_version(session: Session) -> int | None:
    """The database's stamp, read once per request (None: no table yet, so no caching)."""
    if has_app_context() and "_ua_security_version" in g:
        return g._ua_security_version
    version = None
    if _has_table(session):
        with session.no_autoflush:
            version = session.scalar(select(SecurityVersion.version)
                                     .where(SecurityVersion.id == VERSION_ROW))
    if has_app_context():
        g._ua_security_version = version
    return version


_tables: dict[str, bool] = {}


def _has_table(session: Session) -> bool:
    """Whether the stamp's table exists (checked once per database and process: a database
    not yet migrated keeps FAB's uncached checks until the process restarts)."""
    bind = session.get_bind()
    key = str(bind.url)
    if key not in _tables:
        _tables[key] = inspect(bind).has_table(SecurityVersion.__tablename__)
    return _tables[key]


def lookup(session: Session, key: Any, load) -> _Entry | None:
    """The cached entry for `key`, loaded with `load()` -> (roles, permissions) on a miss."""
    version = current_version(session)
    if version is None:
        return None
    # One process may serve several databases (tests, CLI tools): user 3 of one is not of another.
    key = (str(session.get_bind().url), key)
    entry = _cache.get(key)
    if entry is None or entry.version != version:
        roles, permissions = load()
        entry = _Entry(version, tuple(roles), frozenset(permissions))
        with _lock:
            _cache[key] = entry
    return entry


# -- invalidation ---------------------------------------------------------------------------------

_SECURITY_MODELS = (Role, PermissionView, Permission, ViewMenu)
_USER_ATTRIBUTES = ("roles", "groups")


def _touches_security(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _SECURITY_MODELS):
            return True
        if isinstance(obj, User):
            if obj in session.deleted:
                return True
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _USER_ATTRIBUTES
                   if name in state.attrs):
                return True
        if type(obj).__name__ == "Group":  # FAB's groups carry roles too
            return True
    return False


@event.listens_for(Session, "before_flush")
def _mark(session: Session, _context, _instances) -> None:
    if _touches_security(session):
        session.info["ua_security_changed"] = True


@event.listens_for(Session, "after_flush")
def _bump(session: Session, _context) -> None:
    if not session.info.pop("ua_security_changed", False):
        return
    connection = session.connection()
    if not inspect(connection).has_table(SecurityVersion.__tablename__):
        return
    connection.execute(update(SecurityVersion.__table__)
                       .values(version=SecurityVersion.__table__.c.version + 1))
    clear()
    if has_app_context():
        g.pop("_ua_security_version", None)


class CachedPermissionsMixin:
    """SecurityManager methods answering FAB's permission checks from the cache."""

    def _permission_entry(self, user) -> _Entry | None:
        if self.builtin_roles:  # regex roles from FAB_ROLES: FAB's own matching
            return None
        if user is None or not getattr(user, "is_authenticated", False):
            return lookup(self.session, _PUBLIC, self._load_public)
        uid = getattr(user, "id", None)
        if uid is None:
            return None
        return lookup(self.session, ("user", uid), lambda: self._load_roles(super(
            CachedPermissionsMixin, self).get_user_roles(user)))

    def _load_public(self):
        role = self.get_public_role()
        return self._load_roles([role] if role is not None else [])

    def _load_roles(self, roles):
        permissions: set[tuple[str, str]] = set()
        for role in roles:
            permissions |= self.get_role_permissions(role)
        return [CachedRole(role.id, role.name) for role in roles], permissions

    def get_user_roles(self, user):
        entry = self._permission_entry(user)
        return list(entry.roles) if entry is not None else super().get_user_roles(user)

    def get_user_permissions(self, user):
        entry = self._permission_entry(user)
        return set(entry.permissions) if entry is not None else super().get_user_permissions(user)

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        entry = self._permission_entry(user)
        if entry is None:
            return super()._has_view_access(user, permission_name, view_name)
        return (permission_name, view_name) in entry.permissions

    def is_item_public(self, permission_name, view_name) -> bool:
        entry = self._permission_entry(None)
        if entry is None:
            return super().is_item_public(permission_name, view_name)
        return (permission_name, view_name) in entry.permissions

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        entry = self._permission_entry(user)
        if entry is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        return {view for permission, view in entry.permissions if permission == permission_name}
