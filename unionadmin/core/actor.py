"""Who is acting: the account behind a request, a background job or a CLI command.

The scope (`core/scope.py`) reads the actor from here, so the same rules hold in and out of a
request. A request's actor comes from the logged-in user; jobs and commands set theirs with
`acting_as`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import click
from flask import current_app, g, has_app_context, has_request_context
from werkzeug.local import LocalProxy

from unionadmin.core.roles import ROLE_ADMIN


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    unit_id: int | None
    unit_path: str | None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return ROLE_ADMIN in self.roles

    @property
    def unrestricted(self) -> bool:
        """Admins see the whole country; everyone else sees its unit's subtree."""
        return self.is_admin

    def has_role(self, *names: str) -> bool:
        return bool(self.roles.intersection(names))


#: Sees nothing: what an anonymous request or an account without a unit gets.
NOBODY = Actor(user_id=None, username="", unit_id=None, unit_path=None)
#: The system itself (migrations, seeding): unrestricted.
SYSTEM = Actor(user_id=None, username="system", unit_id=None, unit_path=None,
               roles=frozenset({ROLE_ADMIN}))

_current: ContextVar[Actor | None] = ContextVar("unionadmin_actor", default=None)


def actor_for_user(user) -> Actor:
    """The actor of a FAB user (anonymous users are NOBODY)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    unit = getattr(user, "unit", None)
    return Actor(
        user_id=user.id,
        username=user.username,
        unit_id=getattr(user, "unit_id", None),
        unit_path=unit.path if unit is not None else None,
        roles=frozenset(r.name for r in _roles_of(user)),
    )


def cli_actor(username: str) -> Actor:
    """The actor of a command run `--as USERNAME`; an unknown or disabled account stops it."""
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None or not user.is_active:
        raise click.ClickException(f"No active account named {username!r}.")
    return actor_for_user(user)


def _roles_of(user) -> list:
    """The user's roles through the security manager (its per-process cache: core/permcache.py)."""
    sm = getattr(current_app, "appbuilder", None) and current_app.appbuilder.sm if has_app_context() else None
    return sm.get_user_roles(user) if sm is not None else list(user.roles)


def current_actor() -> Actor:
    """The actor set by `acting_as`, else the request's user, else NOBODY."""
    actor = _current.get()
    if actor is not None:
        return actor
    if has_request_context():
        user = g.get("user")
        if isinstance(user, LocalProxy):  # FAB stores flask_login's proxy itself
            user = user._get_current_object()
        cached = g.get("_unionadmin_actor")
        if cached is None or cached[0] is not user:  # JWT sets g.user late in the request
            cached = (user, actor_for_user(user))
            g._unionadmin_actor = cached
        return cached[1]
    return NOBODY


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Run a block (a job, a CLI command, a test) as `actor`."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
