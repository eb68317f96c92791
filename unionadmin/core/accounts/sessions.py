"""Sessions ended on the server: one rule for session cookies and JWTs.

Each account has a session version (`ab_user.session_version`). A login stamps it into the
Flask session, and every JWT (access and refresh) carries it as the `sv` claim. A request whose
stamp is not the account's current version is not logged in: the user is loaded anyway on every
request (Flask-Login, or the JWT's user look-up), so the check costs no query. Bumping the
version ends all of that account's sessions and tokens on every app server at once:

- logout (the whole account, not only this browser: safer on a shared PC);
- any change of the password (own change, a reset by an officer, FAB's forms or commands) and a
  deactivation: a flush rule below, so no path that writes the account can forget it. The
  session that changes its own password keeps going (it is re-stamped), every other one ends.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_request_context, session
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_login import user_logged_in
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from unionadmin.core.accounts.models import UnionUser

SESSION_KEY = "_ua_sv"
CLAIM = "sv"
#: `g` key naming how this request is authenticated: "session" (the cookie) or "jwt".
CREDENTIAL = "ua_credential"


def version_of(user: Any) -> int:
    return int(getattr(user, "session_version", 0) or 0)


def configure(app: Flask) -> None:
    user_logged_in.connect(_stamp_on_login, app)


def _stamp_on_login(_app, user, **_extra) -> None:
    session[SESSION_KEY] = version_of(user)


def session_is_current(user: Any) -> bool:
    """Whether the Flask session was stamped with the account's current version."""
    return session.get(SESSION_KEY) == version_of(user)


def token_is_current(user: Any, jwt_data: dict[str, Any]) -> bool:
    return jwt_data.get(CLAIM) == version_of(user)


def token_claims(identity: Any) -> dict[str, Any]:
    """The claims every new JWT carries (Flask-JWT-Extended's additional claims loader).
    The account is already loaded at login and refresh, so this reads the identity map."""
    try:
        user = current_app.appbuilder.sm.get_user_by_id(int(identity))
    except (TypeError, ValueError):
        return {}
    return {CLAIM: version_of(user)} if user is not None else {}


def issue_tokens(user: Any, refresh: bool = True) -> dict[str, str]:
    """A fresh access token (and a refresh token) for `user` at its current version."""
    tokens = {"access_token": create_access_token(identity=str(user.id), fresh=True)}
    if refresh:
        tokens["refresh_token"] = create_refresh_token(identity=str(user.id))
    return tokens


def end_all(user: UnionUser) -> None:
    """End every session and token of `user` (the caller commits)."""
    user.session_version = version_of(user) + 1


# -- the flush rule: a new password or a deactivation ends the account's sessions --------------

def _credentials_changed(user: UnionUser) -> bool:
    state = inspect(user)
    if state.attrs.password.history.has_changes():
        return True
    active = state.attrs.active.history
    return active.has_changes() and not user.active


def _keep_own_session(user: UnionUser, old: int) -> None:
    """The browser that changed its own password stays logged in (a JWT caller gets new
    tokens in the answer instead)."""
    if not has_request_context() or g.get(CREDENTIAL) != "session":
        return
    if session.get("_user_id") == str(user.id) and session.get(SESSION_KEY) == old:
        session[SESSION_KEY] = version_of(user)


@event.listens_for(Session, "before_flush")
def _end_sessions_on_credential_change(db: Session, _context, _instances) -> None:
    for obj in db.dirty:
        if isinstance(obj, UnionUser) and _credentials_changed(obj):
            old = version_of(obj)
            end_all(obj)
            _keep_own_session(obj, old)
